from __future__ import annotations

from pathlib import Path

import pytest

from corpus.thesaurus import Thesaurus, ThesaurusError, load_thesaurus

T = Thesaurus(
    [
        ("third-party", ["vendor", "outside supplier"]),
        ("confabulation", ["hallucination", "makes things up"]),
        ("model theft", ["steal the model"]),
    ]
)


def test_plain_words_name_the_documents_terms() -> None:
    ex = T.expand("Our vendor's chatbot makes things up. What should we ask the vendor?")
    assert [(x.term, x.said) for x in ex] == [
        ("third-party", "vendor's"),
        ("confabulation", "makes things up"),
    ]
    assert [x.term for x in T.expand("Hallucinations in summaries")] == ["confabulation"]


def test_whole_words_only_and_not_when_the_term_is_already_used() -> None:
    assert T.expand("a convendor of steal-the-model-ish tools") == ()
    assert T.expand("How do we vet a third-party vendor?") == ()  # it already says "third-party"
    assert T.expand("What is model theft? Can someone steal the model?") == ()


def test_bad_file_names_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text('[[term]]\nterm = "x-ray"\nlay = []\n', encoding="utf-8")
    with pytest.raises(ThesaurusError, match=r"\[\[term\]\] #1 .*lay"):
        Thesaurus.load(bad)
    bad.write_text("[[term]\n", encoding="utf-8")
    with pytest.raises(ThesaurusError, match="cannot read"):
        Thesaurus.load(bad)


def test_shipped_thesaurus_loads_and_its_terms_are_distinct() -> None:
    t = load_thesaurus()
    assert len(t) > 150
    assert [x.term for x in t.expand("We fine-tune open-weight models; how do we stop model theft?")] == [
        "widely available"
    ]
