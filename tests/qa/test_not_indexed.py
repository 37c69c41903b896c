"""Questions about a manifest document: answered from it when indexed, and an honest
abstention naming it (with the command that adds it) when it is not.

The DHS Framework cannot be downloaded here, so both states use the SYNTHETIC stand-in of
``tests/ingest/test_dhs_structure.py`` (its documented outline, invented sentences) beside
a small synthetic document under another id.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index.build import ingest
from index.embed import HashEmbedder
from index.retrieve import Retriever
from ingest.pipeline import Source
from qa.answer import AbstainPolicy, Answerer
from tests.ingest.test_dhs_structure import HEADER, OUTLINE, PAGES
from tests.pdfmaker import make_pdf

OTHER = [
    [
        "Managing AI Risk",
        "Organizations should inventory the AI systems they operate and review them yearly.",
    ],
    ["Cloud Services", "Cloud providers should log administrative access to the systems that host models."],
]
QUESTION = "We run a cloud platform. What does the DHS framework ask cloud providers to do?"


def _engine(folder: Path, with_dhs: bool) -> Answerer:
    sources = [Source("nist-ai-100-1", "Synthetic stand-in", make_pdf(folder / "nist-ai-100-1.pdf", OTHER))]
    if with_dhs:
        pdf = make_pdf(
            folder / "dhs-ai-roles-framework.pdf",
            [[HEADER, *p, str(n)] for n, p in enumerate(PAGES, 1)],
            outline=OUTLINE,
        )
        sources.append(Source("dhs-ai-roles-framework", "DHS Roles and Responsibilities Framework", pdf))
    report = ingest(sources, folder / "data", HashEmbedder())
    assert not report.failures
    # The hashing encoder's scores are not what the dev-set threshold was fitted on.
    return Answerer(Retriever(folder / "data", HashEmbedder()), policy=AbstainPolicy(float("-inf")))


def test_absent_framework_is_named_and_the_answer_abstains(tmp_path: Path) -> None:
    a = _engine(tmp_path, with_dhs=False).run(QUESTION)
    assert a.not_indexed == ["dhs-ai-roles-framework"]
    assert a.abstained
    assert a.answer.startswith("Not indexed: Roles and Responsibilities Framework")
    assert "airq corpus fetch dhs-ai-roles-framework" in a.answer
    # Whatever is shown comes from the other document and is labelled as such.
    assert a.citations and all(c.doc == "nist-ai-100-1" and c.verified for c in a.citations)
    assert "Passages from other, indexed documents" in a.answer


def test_indexed_framework_answers_from_itself(tmp_path: Path) -> None:
    a = _engine(tmp_path, with_dhs=True).run(QUESTION)
    assert a.not_indexed == []
    assert not a.abstained
    assert a.citations[0].doc == "dhs-ai-roles-framework"
    assert all(c.verified for c in a.citations)


@pytest.mark.parametrize(
    "question",
    [
        "What does DHS's AI roles and responsibilities framework say about data governance?",
        "Under the Roles and Responsibilities Framework for AI in Critical Infrastructure, who does what?",
        "What does DHS expect from cloud providers?",  # the publisher, none of whose documents is indexed
    ],
)
def test_ways_of_naming_the_absent_framework(tmp_path: Path, question: str) -> None:
    a = _engine(tmp_path, with_dhs=False).run(question)
    assert a.not_indexed == ["dhs-ai-roles-framework"] and a.abstained


def test_a_restated_passage_shares_its_line_and_leaves_no_empty_one(tmp_path: Path) -> None:
    """The same sentence in two documents is one line with both markers, never a second line
    that names a document and quotes nothing."""
    sources = [
        Source(doc, "Synthetic stand-in", make_pdf(tmp_path / f"{doc}.pdf", OTHER))
        for doc in ("nist-ai-100-1", "nist-ai-rmf-playbook")
    ]
    assert not ingest(sources, tmp_path / "data", HashEmbedder()).failures
    answerer = Answerer(Retriever(tmp_path / "data", HashEmbedder()), policy=AbstainPolicy(float("-inf")))
    a = answerer.run(QUESTION)
    assert a.not_indexed == ["dhs-ai-roles-framework"] and len(a.citations) >= 2
    lines = a.answer.split("\n")[2:]
    assert lines and all(line.split(": ", 1)[1].strip() for line in lines), lines
    assert any(re.search(r"\[\d+\]\[\d+\]$", line) for line in lines), lines
