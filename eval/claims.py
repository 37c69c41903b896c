"""The claims format and how the support checker is scored on it.

A claim is ``true`` (a paraphrase of a statement on its page), ``altered`` (such a
statement made false by one change: a number, an entity, the modality, a negation, or the
document it is attributed to) or ``absent`` (the documents never say it). The checker is
right to call a true claim ``supported`` and wrong to call any other claim so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.types import CheckedSentence
from eval.jsonl import read_models

DEV_CLAIMS = Path(__file__).parent / "datasets" / "claims-dev.jsonl"
Label = Literal["true", "altered", "absent"]
Alteration = Literal["number", "entity", "modality", "negation", "document"]
VERDICTS = ("supported", "partly", "not_found")


class ClaimsError(ValueError):
    """A claims file that cannot be used: one line naming the file, line and field."""


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    claim: str = Field(min_length=5)
    label: Label
    alteration: Alteration | None = None
    doc: str | None = None
    page: int | None = Field(None, ge=1)
    source: str | None = None
    why: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        if (self.label == "altered") != (self.alteration is not None):
            raise ValueError("alteration: give one exactly when label is 'altered'")
        if self.label != "absent" and (self.doc is None or self.page is None):
            raise ValueError("doc, page: a true or altered claim names where its statement is")
        return self


def load_claims(path: Path) -> list[Claim]:
    return read_models(path, Claim, ClaimsError)


def run_claims(
    claims: Sequence[Claim],
    check: Callable[[str], CheckedSentence],
    on_step: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for i, c in enumerate(claims, start=1):
        r = check(c.claim)
        cite = r.citations[0] if r.citations else None
        rows.append(
            {
                "id": c.id,
                "label": c.label,
                "alteration": c.alteration,
                "verdict": r.verdict,
                "unmatched": r.unmatched,
                "cited": f"{cite.doc} p.{cite.page}" if cite else None,
                "right_place": bool(cite and cite.doc == c.doc and abs(cite.page - (c.page or 0)) <= 1),
                "claim": c.claim,
            }
        )
        if on_step:
            on_step(i)
    return rows


def score(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Precision and recall of ``supported``, the share of altered claims not marked
    supported (overall and per kind of change), and the confusion table label × verdict."""
    said = [r for r in rows if r["verdict"] == "supported"]
    true = [r for r in rows if r["label"] == "true"]
    altered = [r for r in rows if r["label"] == "altered"]
    absent = [r for r in rows if r["label"] == "absent"]

    def share(part: int, whole: int) -> float:
        return round(part / whole, 3) if whole else 0.0

    kinds = sorted({r["alteration"] for r in altered})
    return {
        "claims": len(rows),
        "precision_supported": share(sum(r["label"] == "true" for r in said), len(said)),
        "recall_supported": share(sum(r["verdict"] == "supported" for r in true), len(true)),
        "altered_not_supported": share(sum(r["verdict"] != "supported" for r in altered), len(altered)),
        "absent_not_supported": share(sum(r["verdict"] != "supported" for r in absent), len(absent)),
        "supported_at_right_page": share(
            sum(r["right_place"] for r in true if r["verdict"] == "supported"),
            sum(r["verdict"] == "supported" for r in true),
        ),
        "altered_by_kind": {
            k: share(
                sum(r["verdict"] != "supported" for r in altered if r["alteration"] == k),
                sum(r["alteration"] == k for r in altered),
            )
            for k in kinds
        },
        "confusion": {
            label: {v: sum(r["label"] == label and r["verdict"] == v for r in rows) for v in VERDICTS}
            for label in ("true", "altered", "absent")
        },
    }
