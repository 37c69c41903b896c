"""Pooled judgements: what gets pooled, what stops a judgement, how gold grows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import Gold, Question, dump, load
from eval.pooling import Judgement, JudgementError, add_to_gold, load_judgements, pool, problems
from eval.systems import Output

PAGES = {
    ("d", 1): "Risk is a composite measure of an event's probability and magnitude.",
    ("d", 2): "Organizations should docu-\nment their residual risk.",
    ("e", 5): "Unrelated text about glossaries.",
}


def q(qid: str, gold: list[Gold], kind: str = "fact") -> Question:
    facts = [] if kind == "unanswerable" else ["x"]
    return Question(id=qid, question=f"Question {qid}?", kind=kind, gold=gold, facts=facts)


class Fixed:
    """A system whose ranking is given: deterministic, no index."""

    def __init__(self, name: str, retrieved: list[list[tuple[str, int]]], cited: list[tuple[str, int]]):
        self.name, self.retrieved, self.cited = name, retrieved, cited

    def run(self, question: str) -> Output:
        return Output(answer="", abstained=False, retrieved=self.retrieved, cited=self.cited)


def test_pool_takes_top_k_and_citations_minus_gold() -> None:
    qs = [q("a", [Gold(doc="d", pages=[1])]), q("u", [], kind="unanswerable")]
    one = Fixed("one", [[("d", 1)], [("d", 2), ("e", 5)], [("e", 9)]], cited=[("e", 7)])
    two = Fixed("two", [[("d", 2)]], cited=[])
    items = pool(qs, [one, two], k=2)
    assert [(i.id, i.doc, i.page, i.systems) for i in items] == [
        ("a", "d", 2, ("one", "two")),
        ("a", "e", 5, ("one",)),
        ("a", "e", 7, ("one",)),
    ]


def test_problems_name_each_bad_judgement() -> None:
    qs = [q("a", [Gold(doc="d", pages=[1])])]
    js = [
        Judgement(id="a", doc="d", page=2, verdict="answers", quote="should document their residual risk"),
        Judgement(id="a", doc="d", page=1, verdict="answers", quote="Risk is … probability and magnitude."),
        Judgement(id="zz", doc="d", page=2, verdict="no"),
        Judgement(id="a", doc="d", page=99, verdict="related"),
        Judgement(id="a", doc="e", page=5, verdict="answers"),
        Judgement(id="a", doc="d", page=1, verdict="answers", quote="probability and likelihood"),
        Judgement(id="a", doc="d", page=2, verdict="no"),
    ]
    found = problems(qs, js, PAGES)
    assert len(found) == 5
    assert "zz d p.2: no question" in found[0]
    assert "p.99: no such page" in found[1]
    assert "e p.5: 'answers' needs a quote" in found[2]
    assert "the quote is not on the page" in found[3]
    assert "judged both 'answers' and 'no'" in found[4]


def test_add_to_gold_adds_only_answers_and_keeps_the_rest() -> None:
    qs = [
        q("a", [Gold(doc="d", pages=[1])]),
        q("b", [Gold(doc="e", pages=[5])]),
        q("c", [Gold(doc="d", pages=[1])], kind="citation"),
    ]
    js = [
        Judgement(id="a", doc="d", page=2, verdict="answers", quote="residual risk"),
        Judgement(id="a", doc="e", page=5, verdict="answers", quote="glossaries"),
        Judgement(id="a", doc="d", page=1, verdict="answers", quote="composite measure"),  # already gold
        Judgement(id="b", doc="d", page=1, verdict="related"),
        Judgement(id="c", doc="d", page=2, verdict="answers", quote="residual risk"),
    ]
    assert problems(qs, js, PAGES) == []
    done = add_to_gold(qs, js)
    assert (done.pages, done.kept_out) == (2, 1)
    assert done.questions[0].gold == [Gold(doc="d", pages=[1, 2]), Gold(doc="e", pages=[5])]
    assert done.questions[1:] == qs[1:]  # nothing judged to answer b; c points at one place


def test_add_to_gold_keeps_every_page_of_a_doc_listed_twice() -> None:
    qs = [q("a", [Gold(doc="d", pages=[1]), Gold(doc="d", pages=[3])])]
    js = [Judgement(id="a", doc="d", page=2, verdict="answers", quote="residual risk")]
    assert add_to_gold(qs, js).questions[0].gold == [Gold(doc="d", pages=[1, 3, 2])]


def test_an_unanswerable_question_takes_no_gold() -> None:
    qs = [q("u", [], kind="unanswerable")]
    js = [Judgement(id="u", doc="d", page=2, verdict="answers", quote="residual risk", line=7)]
    assert problems(qs, js, PAGES) == [
        "line 7: u d p.2: the question is unanswerable, so no page answers it; judge it 'related'"
    ]


def test_judgements_file_errors_name_line_and_field(tmp_path: Path) -> None:
    p = tmp_path / "j.jsonl"
    p.write_text('{"id": "a", "doc": "d", "page": 2, "verdict": "answers", "quote": "x"}\n{"id": "a"}\n')
    with pytest.raises(JudgementError, match=r"j.jsonl:2: field 'doc'"):
        load_judgements(p)
    p.write_text('{"id": "a", "doc": "d", "page": 2, "verdict": "maybe"}\n')
    with pytest.raises(JudgementError, match=r"j.jsonl:1: field 'verdict'"):
        load_judgements(p)
    p.write_text("\n")
    with pytest.raises(JudgementError, match="no judgements"):
        load_judgements(p)
    p.write_bytes(b"\xff\xfe")
    with pytest.raises(JudgementError, match="not UTF-8 text"):
        load_judgements(p)


def test_a_pool_line_with_a_verdict_added_reads_as_a_judgement(tmp_path: Path) -> None:
    p = tmp_path / "pool.jsonl"
    row = {"id": "a", "question": "Q?", "doc": "d", "page": 2, "systems": ["airq"], "label": "2", "text": "…"}
    p.write_text("\n" + json.dumps(row | {"verdict": "answers", "quote": "residual risk"}) + "\n")
    (j,) = load_judgements(p)
    assert (j.id, j.doc, j.page, j.verdict, j.line) == ("a", "d", 2, "answers", 2)
    assert "line" not in j.model_dump()


def test_dump_writes_what_load_reads(tmp_path: Path) -> None:
    qs = [q("a", [Gold(doc="d", pages=[1, 2])]), q("u", [], kind="unanswerable")]
    p = tmp_path / "set.jsonl"
    dump(qs, p)
    assert load(p) == qs
    assert json.loads(p.read_text().splitlines()[0])["gold"] == [{"doc": "d", "pages": [1, 2]}]
    assert not (tmp_path / "set.jsonl.tmp").exists()
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(OSError):
        dump(qs, tmp_path / "dir.jsonl")  # cannot replace a folder: nothing is left behind
    assert not (tmp_path / "dir.jsonl.tmp").exists()
