"""Who-is-asking measured on its own: loading a role check set and counting misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.roles import RoleGuess
from eval.roles import RoleCase, RoleSetError, load_cases, measure


def _fake_detect(question: str) -> RoleGuess | None:
    """Deterministic stand-in: the role named after 'role=' in the question, if any."""
    if "role=" not in question:
        return None
    return RoleGuess(question.split("role=")[1].split()[0], "role=", 1.0)


def test_counts_right_wrong_none_and_false_detections() -> None:
    cases = [
        RoleCase("a", "role=ai-developer here", "ai-developer"),
        RoleCase("b", "role=public-sector here", "ai-developer"),  # another role
        RoleCase("c", "nothing said", "civil-society"),  # none
        RoleCase("d", "role=civil-society but no asker", None),  # false detection
        RoleCase("e", "what is confabulation?", None),
    ]
    r = measure(cases, _fake_detect)
    assert (r.with_role, r.correct, r.wrong, r.none) == (3, 1, 1, 1)
    assert (r.without_role, r.false_detections) == (2, 1)
    assert r.per_role == {"ai-developer": (1, 2), "civil-society": (0, 1)}
    assert r.accuracy == pytest.approx(1 / 3) and r.precision == pytest.approx(1 / 3)
    assert [m.id for m in r.misses] == ["b", "c", "d"]


def test_loads_role_sets_and_the_dev_format(tmp_path: Path) -> None:
    f = tmp_path / "roles.jsonl"
    f.write_text(
        '{"id": "x1", "question": "We run a water utility. What now?", "role": "ci-owner-operator"}\n'
        "\n"
        '{"question": "What is TEVV?", "role": null}\n'
        '{"id": "d1", "question": "Define risk.", "kind": "definition", "role": "ai-developer"}\n'
    )
    cases = load_cases(f)
    assert [(c.id, c.role) for c in cases] == [("x1", "ci-owner-operator"), ("line 3", None), ("d1", None)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"question": "Who?", "role": "astronaut"}\n', r":1: field 'role': 'astronaut' is not one of"),
        ('{"role": "ai-developer"}\n', r":1: field 'question' must be a non-empty string"),
        ("not json\n", r":1: not valid JSON"),
        ("\n", r"no questions"),
        ('{"question": "Who?", "roel": "ai-developer"}\n', r":1: field 'role' is missing"),
    ],
)
def test_a_bad_line_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text(text)
    with pytest.raises(RoleSetError, match=message):
        load_cases(f)
