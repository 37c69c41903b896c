"""The evaluation question format, loaded and checked line by line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.text import loose_form
from eval.jsonl import read_models, write_objects

DEV = Path(__file__).parent / "datasets" / "dev.jsonl"
ROLES = ("cloud-compute-provider", "ai-developer", "ci-owner-operator", "civil-society", "public-sector")
Kind = Literal[
    "fact",
    "definition",
    "list",
    "role",
    "citation",
    "comparison",
    "actions",
    "yesno",
    "not_indexed",
    "unanswerable",
]
UNANSWERED = ("unanswerable", "not_indexed")  # kinds whose right answer is an abstention


class Gold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc: str
    pages: list[int] = Field(min_length=1)


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    question: str = Field(min_length=5)
    kind: Kind
    role: str | None = None
    gold: list[Gold]
    facts: list[str]
    notes: str = ""
    not_indexed: list[str] = Field(
        default_factory=list, description="Manifest documents the question asks about that are not indexed."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.role is not None and self.role not in ROLES:
            raise ValueError(f"role {self.role!r} is not one of {', '.join(ROLES)}")
        if self.kind == "not_indexed" and not self.not_indexed:
            raise ValueError("not_indexed: name the document(s) the question asks about")
        if self.kind != "not_indexed" and self.not_indexed:
            raise ValueError("not_indexed: only for kind 'not_indexed'")
        if self.kind in UNANSWERED:
            if self.gold or self.facts:
                raise ValueError(f"a question of kind {self.kind!r} has empty gold and facts")
        else:
            if not self.gold:
                raise ValueError("gold: an answerable question needs at least one gold page")
            if not 1 <= len(self.facts) <= 4:
                raise ValueError("facts: give 1 to 4 short phrases")
        return self

    @property
    def answerable(self) -> bool:
        return self.kind not in UNANSWERED

    @property
    def gold_pages(self) -> set[tuple[str, int]]:
        return {(g.doc, p) for g in self.gold for p in g.pages}


class DatasetError(ValueError):
    """A line of the dataset is malformed (message names file, line and field)."""


def load(path: Path = DEV) -> list[Question]:
    return read_models(path, Question, DatasetError)


def check(questions: list[Question], pages: Mapping[tuple[str, int], str]) -> list[str]:
    """Problems against the indexed page texts: unknown pages, facts not on a gold page."""
    problems = []
    docs = {d for d, _ in pages}
    loose = {k: loose_form(v) for k, v in pages.items()}
    for q in questions:
        for doc, page in sorted(q.gold_pages):
            if doc not in docs:
                problems.append(f"{q.id}: gold doc {doc!r} is not indexed")
            elif (doc, page) not in pages:
                problems.append(f"{q.id}: gold page {doc} p.{page} does not exist")
        for fact in q.facts:
            f = loose_form(fact)
            if not any(f in loose.get(gp, "") for gp in q.gold_pages):
                problems.append(f"{q.id}: fact {fact!r} is on none of its gold pages")
    return problems


def dump(questions: Sequence[Question], path: Path) -> None:
    """Write a question set in the format ``load`` reads (``write_objects``: nothing is lost
    if the write fails)."""
    write_objects(path, (q.model_dump() for q in questions))
