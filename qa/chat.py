"""Follow-ups in a conversation: what an elliptical question keeps from earlier turns.

"And what about procurement?" after a question about the GenAI profile for AI developers
means: same document, same role, new topic on top of the old one. Nothing is carried
silently — ``Resolved.note`` says what came from earlier turns so the user can correct it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from qa.lexical import terms

# Openings that lean on an earlier question ("and for X?", "what about X?", "how about …").
_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|or|but|so|then|what about|how about|what of|same (?:for|question)|"
    r"what if|and what|and how|does (?:that|this|it)|is (?:that|this|it)|how does (?:that|this|it))\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(?:that|this|it|they|them|those|these|there)\b", re.IGNORECASE)
SHORT_QUESTION_TERMS = 4  # fewer content words than this, plus a pronoun: a follow-up


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Resolved:
    """What to answer: the question as retrieval should see it and what scopes it."""

    question: str  # the user's latest message, plus the earlier topic when it is a follow-up
    asked: str  # the user's latest message as typed
    docs: tuple[str, ...]
    role: str | None
    role_given: bool  # the caller chose the role (not detected, not carried)
    carried: dict[str, object] = field(default_factory=dict)  # what came from earlier turns

    @property
    def note(self) -> str:
        if not self.carried:
            return ""
        parts = []
        if "docs" in self.carried:
            parts.append("documents " + ", ".join(str(d) for d in self.carried["docs"]))  # type: ignore[attr-defined]
        if "role" in self.carried:
            parts.append(f"role {self.carried['role']}")
        if "topic" in self.carried:
            parts.append(f"the topic of “{self.carried['topic']}”")
        return "Carried over from earlier in the conversation: " + "; ".join(parts) + "."


def is_follow_up(text: str) -> bool:
    """Whether a message leans on what came before rather than standing alone."""
    if _FOLLOW_UP.search(text):
        return True
    return len(set(terms(text))) < SHORT_QUESTION_TERMS and bool(_PRONOUN.search(text))


def resolve(
    turns: Sequence[Turn],
    docs: Sequence[str] = (),
    role: str | None = None,
    *,
    docs_named: Callable[[str], Sequence[str]],
    detect_role: Callable[[str], str | None],
) -> Resolved:
    """The latest user turn, with what earlier user turns set and it does not: the role
    always (the asker is the same person), documents and topic only when it is a follow-up
    (a new, self-contained question starts afresh)."""
    if not turns or turns[-1].role != "user":
        raise ValueError("messages: the last message must be the user's question")
    asked = turns[-1].content
    earlier = [t.content for t in reversed(turns[:-1]) if t.role == "user"]
    carried: dict[str, object] = {}

    follow_up = bool(earlier) and is_follow_up(asked)
    chosen_docs = tuple(docs)
    if not chosen_docs and follow_up and not docs_named(asked):
        for text in earlier:
            named = tuple(docs_named(text))
            if named:
                chosen_docs = named
                carried["docs"] = list(named)
                break

    chosen_role = role
    if chosen_role is None and detect_role(asked) is None:
        for text in earlier:
            found = detect_role(text)
            if found is not None:
                chosen_role = found
                carried["role"] = found
                break

    question = asked
    if follow_up:  # the topic is the last question that stood on its own
        topic = next((t for t in earlier if not is_follow_up(t)), earlier[-1])
        question = f"{asked} {topic}"
        carried["topic"] = topic
    return Resolved(question, asked, chosen_docs, chosen_role, role is not None, carried)
