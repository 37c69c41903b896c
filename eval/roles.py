"""Who-is-asking, measured on its own: questions labelled only with the asker's role.

A role check set needs no gold pages, so it is cheap to write afresh and keep blind; the dev
set's role questions are one too. Each miss is either a wrong role (the answer is scoped to
someone else) or none (left unscoped): the report keeps the two apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.roles import ROLE_IDS, RoleGuess
from eval.jsonl import read_objects


class RoleSetError(ValueError):
    """A line of a role check set is malformed (message names file, line and field)."""


@dataclass(frozen=True)
class RoleCase:
    id: str
    question: str
    role: str | None  # the asker's role; None: the question should get no role


@dataclass(frozen=True)
class Miss:
    id: str
    question: str
    expected: str | None
    got: str | None
    cue: str


@dataclass(frozen=True)
class RoleReport:
    with_role: int
    correct: int
    wrong: int  # a role, but not the asker's
    none: int  # no role where there is one
    without_role: int
    false_detections: int  # a role where the question gives none
    per_role: dict[str, tuple[int, int]]  # role → (correct, questions)
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.with_role if self.with_role else float("nan")

    @property
    def precision(self) -> float:
        """Of the roles named, the share that is the asker's."""
        named = self.correct + self.wrong + self.false_detections
        return self.correct / named if named else float("nan")


def load_cases(path: Path) -> list[RoleCase]:
    """JSONL, one question per line with ``question`` and ``role`` (a role id, or null for a
    question without one); ``id`` is optional. The dev set's format also reads (``kind``
    present), its non-role questions counting as role-less."""
    cases: list[RoleCase] = []
    for n, row in read_objects(path, RoleSetError):
        if not isinstance(row.get("question"), str) or not row["question"].strip():
            raise RoleSetError(f"{path}:{n}: field 'question' must be a non-empty string")
        if "role" not in row and "kind" not in row:
            raise RoleSetError(f"{path}:{n}: field 'role' is missing; give a role id, or null for none")
        role = row.get("role")
        if row.get("kind") not in (None, "role"):
            role = None
        if role is not None and role not in ROLE_IDS:
            raise RoleSetError(f"{path}:{n}: field 'role': {role!r} is not one of {', '.join(ROLE_IDS)}")
        cases.append(RoleCase(str(row.get("id", f"line {n}")), row["question"], role))
    if not cases:
        raise RoleSetError(f"{path}: no questions; one JSON object per line")
    return cases


def measure(cases: Sequence[RoleCase], detect: Callable[[str], RoleGuess | None]) -> RoleReport:
    counts = {"correct": 0, "wrong": 0, "none": 0, "false": 0}
    per_role = {r: [0, 0] for r in ROLE_IDS}
    misses: list[Miss] = []
    for c in cases:
        guess = detect(c.question)
        got = guess.role if guess else None
        if c.role is None:
            if got is not None:
                counts["false"] += 1
                misses.append(Miss(c.id, c.question, None, got, guess.cue if guess else ""))
            continue
        per_role[c.role][1] += 1
        if got == c.role:
            counts["correct"] += 1
            per_role[c.role][0] += 1
        else:
            counts["wrong" if got else "none"] += 1
            misses.append(Miss(c.id, c.question, c.role, got, guess.cue if guess else ""))
    with_role = sum(1 for c in cases if c.role is not None)
    return RoleReport(
        with_role=with_role,
        correct=counts["correct"],
        wrong=counts["wrong"],
        none=counts["none"],
        without_role=len(cases) - with_role,
        false_detections=counts["false"],
        per_role={r: (a, b) for r, (a, b) in per_role.items() if b},
        misses=misses,
    )
