"""The claim checker: how texts are split, how specifics are read, and verdicts on the real
corpus for sentences written here (none taken from the claims sets)."""

from __future__ import annotations

from typing import Any

import pytest

from qa.check import (
    InputError,
    modality,
    negations,
    numbers,
    polarity_differs,
    read_text,
    split_sentences,
)
from tests.conftest import needs_corpus
from tests.pdfmaker import make_pdf
from tests.quotecheck import on_its_pages


def test_a_blank_line_bullets_and_numbers_end_a_sentence() -> None:
    text = (
        "# Our AI policy\n\nWe follow the NIST AI RMF\nin every project\n\n"
        "- Models are red-teamed before release.\n* Incidents are reported\n"
        "1. Weights are kept secret\n\nOK.\n"
        "Tests run monthly. They cover bias, e.g. gender bias."
    )
    assert split_sentences(text) == [
        "We follow the NIST AI RMF in every project",
        "Models are red-teamed before release.",
        "Incidents are reported",
        "Weights are kept secret",
        "Tests run monthly.",
        "They cover bias, e.g. gender bias.",
    ]


def test_numbers_in_words_and_figures_not_identifiers() -> None:
    assert numbers("The profile lists twelve risks and 25 percent of 1,000 cases.") == {"12", "25%", "1000"}
    assert numbers("GOVERN 1.2 and SP 800-218A and NIST AI 600-1 and EO 14110") == set()
    assert numbers("one of the actions") == set()
    assert numbers("tens of billions") == {"tens", "billions"}


def test_modality_orders_must_should_may() -> None:
    assert modality("Developers must document it.") == 3
    assert modality("The framework requires organizations to document it.") == 3
    assert modality("Organizations should document it.") == 2
    assert modality("Organizations may consider documenting it.") == 1
    assert modality("Organizations document it.") == 0
    assert modality("the material that is required for implementation") == 0


@pytest.mark.parametrize(
    ("claim", "source", "differs"),
    [
        ("The AI RMF is not voluntary.", "The AI RMF is voluntary.", True),
        (
            "The practices guarantee that actors will not misuse a model.",
            "The practices cannot guarantee that actors will not misuse a model.",
            True,
        ),
        (
            "The draft addresses bias and hallucination.",
            "The draft does not address bias and hallucination.",
            True,
        ),
        (
            "No formal channels currently exist to report incidents.",
            "Formal channels do not currently exist to report incidents.",
            False,
        ),
        (
            "Teams often lack full visibility into other parts.",
            "Teams often do not have full visibility into other parts.",
            False,
        ),
        ("It should not be used without it.", "It should not be used without SP 800-218.", False),
        ("Risks include, but are not limited to, bias.", "Risks include bias.", False),
    ],
)
def test_polarity(claim: str, source: str, differs: bool) -> None:
    assert (polarity_differs(claim, source) is not None) is differs, negations(claim)


def test_read_text_takes_utf8_and_pdfs_and_names_what_it_cannot_read(tmp_path: Any) -> None:
    assert read_text("memo.md", "\ufeffThe AI RMF is voluntary.".encode()) == "The AI RMF is voluntary."
    pdf = tmp_path / "memo.pdf"
    make_pdf(pdf, [["Our policy says the AI RMF is voluntary."]])
    assert "AI RMF is voluntary" in read_text("memo.pdf", pdf.read_bytes())
    with pytest.raises(InputError, match=r"memo\.txt: not UTF-8 text \(byte 0\)"):
        read_text("memo.txt", b"\xff\xfe bad")
    with pytest.raises(InputError, match=r"broken\.pdf"):
        read_text("broken.pdf", b"%PDF-1.4 truncated")


# ----------------------------------------------------------------- on the real corpus


@pytest.fixture(scope="module")
def checker(engine: Any) -> Any:
    return engine.checker


@needs_corpus
@pytest.mark.integration
def test_a_paraphrase_is_supported_by_a_verified_quote_on_its_page(checker: Any, engine: Any) -> None:
    r = checker.run(
        "According to the AI RMF, its Core is made up of four functions: Govern, Map, Measure and Manage."
    )
    assert r.verdict == "supported" and not r.unmatched
    cite = r.citations[0]
    assert cite.verified and cite.doc in ("nist-ai-100-1", "nist-ai-rmf-playbook")
    assert on_its_pages(cite.quote, engine.retriever.catalog.pages[(cite.doc, cite.page)].text)


@needs_corpus
@pytest.mark.integration
@pytest.mark.parametrize(
    ("claim", "named"),
    [
        (
            "According to the AI RMF, its Core is made up of six functions: Govern, Map, Measure and Manage.",
            "number: 6",
        ),
        (
            "The AI RMF says AI systems must be tested before their deployment and regularly while "
            "in operation.",
            "obligation",
        ),
        (
            "SP 800-218A says that the AI RMF Core is composed of four functions: GOVERN, MAP, MEASURE, "
            "and MANAGE.",
            "document: SP 800-218A",
        ),
        ("The AI RMF is not intended for voluntary use.", "negation"),
    ],
)
def test_an_altered_claim_is_partly_supported_naming_what_is_wrong(
    checker: Any, claim: str, named: str
) -> None:
    r = checker.run(claim)
    assert r.verdict == "partly", r
    assert any(u.startswith(named) for u in r.unmatched), r.unmatched
    assert r.citations and r.citations[0].verified


@needs_corpus
@pytest.mark.integration
def test_what_the_documents_never_say_is_not_found(checker: Any) -> None:
    r = checker.run(
        "Water utilities must file quarterly AI audit reports with the EPA or pay a $50,000 fine."
    )
    assert r.verdict == "not_found" and not r.citations
    dhs = checker.run(
        "The DHS Roles and Responsibilities Framework asks cloud providers to monitor for anomalous activity."
    )
    assert dhs.verdict == "not_found" and "not indexed" in dhs.unmatched[0]


@needs_corpus
@pytest.mark.integration
def test_a_memo_gets_one_verdict_per_sentence_and_a_summary(checker: Any) -> None:
    memo = (
        "# Memo\n\nThe NIST AI RMF is intended for voluntary use.\n\n"
        "NIST requires every utility to red-team its models each quarter.\n"
        "Confabulation is one of the risks the Generative AI Profile describes."
    )
    report = checker.check(memo)
    assert [s.verdict for s in report.sentences] == ["supported", "not_found", "supported"] or [
        s.verdict for s in report.sentences
    ][1] != "supported"
    assert report.summary.endswith("not found") and sum(report.counts.values()) == 3
