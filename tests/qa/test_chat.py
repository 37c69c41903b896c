"""Follow-up resolution: what a turn keeps from the earlier ones, and says so."""

from __future__ import annotations

import pytest

from qa.chat import Turn, is_follow_up, resolve


def _docs(text: str) -> list[str]:
    return ["nist-ai-600-1"] if "GenAI profile" in text else []


def _role(text: str) -> str | None:
    return "ai-developer" if "we fine-tune" in text.lower() else None


def test_a_follow_up_keeps_document_role_and_topic() -> None:
    turns = [
        Turn("user", "We fine-tune models. What does the GenAI profile say about third-party risk?"),
        Turn("assistant", "…"),
        Turn("user", "And what about procurement?"),
    ]
    r = resolve(turns, docs_named=_docs, detect_role=_role)
    assert r.docs == ("nist-ai-600-1",) and r.role == "ai-developer" and not r.role_given
    assert r.question.startswith("And what about procurement?") and "third-party risk" in r.question
    assert "nist-ai-600-1" in r.note and "ai-developer" in r.note


def test_a_standalone_question_keeps_nothing_and_given_values_win() -> None:
    turns = [
        Turn("user", "What does the GenAI profile say about confabulation?"),
        Turn("assistant", "…"),
        Turn("user", "How should AI systems be tested before they are deployed in production?"),
    ]
    r = resolve(turns, docs_named=_docs, detect_role=_role)
    assert r.docs == () and r.carried == {} and r.note == ""
    r = resolve(turns, docs=["nist-ai-100-1"], role="public-sector", docs_named=_docs, detect_role=_role)
    assert r.docs == ("nist-ai-100-1",) and r.role == "public-sector" and r.role_given


def test_a_chain_of_follow_ups_keeps_the_first_topic() -> None:
    turns = [
        Turn("user", "What does the GenAI profile say about third-party risk?"),
        Turn("assistant", "…"),
        Turn("user", "And for procurement?"),
        Turn("assistant", "…"),
        Turn("user", "What about small utilities?"),
    ]
    r = resolve(turns, docs_named=_docs, detect_role=_role)
    assert r.carried["topic"] == "What does the GenAI profile say about third-party risk?"


def test_the_last_turn_must_be_the_users() -> None:
    with pytest.raises(ValueError, match="last message"):
        resolve([Turn("assistant", "hi")], docs_named=_docs, detect_role=_role)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("and for small utilities?", True),
        ("What about procurement?", True),
        ("Does that apply to us?", True),
        ("What does GOVERN 1.2 say about trustworthy AI characteristics?", False),
    ],
)
def test_follow_up_detection(text: str, expected: bool) -> None:
    assert is_follow_up(text) is expected
