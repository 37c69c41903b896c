"""The question is read once: its form and the documents it names, indexed or not."""

from __future__ import annotations

import pytest

from index.analyze import Analysis, QueryAnalyzer
from qa.question import asks_where, form_of

NAMES = {
    "nist-ai-100-1": ["AI RMF", "AI Risk Management Framework"],
    "nist-ai-600-1": ["GenAI profile", "AI 600-1"],
    "nist-ai-rmf-playbook": ["Playbook"],
}
ABSENT = {
    "dhs-ai-roles-framework": ["Roles and Responsibilities Framework", "DHS framework"],
    "csi-ai-data-security": ["AI Data Security"],
}
PUBLISHERS = {
    "nist-ai-100-1": "NIST",
    "nist-ai-600-1": "NIST",
    "nist-ai-rmf-playbook": "NIST",
    "dhs-ai-roles-framework": "DHS",
    "csi-ai-data-security": "NSA AISC, CISA, FBI",
}
ANALYZER = QueryAnalyzer(NAMES, absent=ABSENT, publishers=PUBLISHERS)


def _form(q: str) -> str:
    a = ANALYZER.run(q)
    from ingest.identifiers import find_identifiers

    return form_of(q, a, tuple(find_identifiers(q)))


@pytest.mark.parametrize(
    ("question", "form"),
    [
        ("What does GOVERN 1.2 say?", "lookup"),
        ("What's on page 19 of the AI RMF?", "lookup"),
        ("How do the AI RMF and the GenAI profile differ on third-party risk?", "comparison"),
        ("Which document says model weights must be protected from insiders?", "which_document"),
        ("What are the seven characteristics of trustworthy AI?", "enumeration"),
        ("List the risks unique to generative AI.", "enumeration"),
        ("We run a water utility. What should we do before deploying an AI model?", "actions"),
        ("What are my responsibilities as a deployer?", "actions"),
        ("Does the GenAI profile cover speculative risks?", "yes_no"),
        ("How does the AI RMF define risk?", "definition"),
        ("What does the AI RMF mean by 'residual risk'?", "definition"),  # a quoted term
        ('Where is "risk tolerance reflects the level and type of risk" said?', "lookup"),
        ("Why is measuring AI risk hard?", "fact"),
    ],
)
def test_form_of(question: str, form: str) -> None:
    assert _form(question) == form


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("What does the DHS framework ask of cloud providers?", ["dhs-ai-roles-framework"]),
        ("Under DHS's AI roles framework, who monitors models?", ["dhs-ai-roles-framework"]),
        ("What does the Roles and Responsibilities Framework say?", ["dhs-ai-roles-framework"]),
        ("What does DHS expect of utilities?", ["dhs-ai-roles-framework"]),  # publisher only
        ("What does CISA recommend for training data?", ["csi-ai-data-security"]),
        ("What does the AI RMF say about DHS?", []),  # an indexed document is named
        ("What does the framework say about risk tolerance?", []),  # the indexed one
        ("What is confabulation?", []),
    ],
)
def test_documents_that_are_not_indexed(question: str, absent: list[str]) -> None:
    assert list(ANALYZER.run(question).not_indexed) == absent


def test_a_publisher_with_an_indexed_document_names_none() -> None:
    both = QueryAnalyzer(
        {**NAMES, "dhs-ai-roles-framework": ["DHS framework"]},
        absent={"dhs-guidelines": ["DHS guidelines"]},
        publishers={**PUBLISHERS, "dhs-guidelines": "DHS"},
    )
    assert both.run("What does DHS expect of utilities?").not_indexed == ()
    assert isinstance(both.run("x"), Analysis)


def test_numbers_a_question_hinges_on() -> None:
    from qa.question import _numbers

    assert _numbers("Which ISO/IEC 42001 clauses map to GOVERN 1.1?", ("GOVERN 1.1",)) == ("42001",)
    assert _numbers("Is the four-fifths rule the threshold, or 80% of the top rate?", ()) == (
        "four-fifths",
        "80%",
    )
    assert _numbers("What's on page 59 of the Playbook?", ()) == ()


@pytest.mark.parametrize(
    ("question", "where"),
    [
        ("Where does the AI RMF say that risk tolerance is contextual?", True),
        ("Where in the Playbook is red-teaming discussed?", True),
        ("Which page of the GenAI profile lists the risks?", True),
        ('Where is this sentence: "the system shall respect the privacy of its users"?', True),
        ('Is "trustworthiness is a social concept that ranges across a spectrum" in the AI RMF?', True),
        ("What's on page 19 of the AI RMF?", True),
        ("Where do we fit in the framework as a cloud provider?", False),
        ("Where could we report the AI failures we run into?", False),
        ("What is an 'AI system inventory'?", False),  # a term, not a passage looked up
    ],
)
def test_asks_where(question: str, where: bool) -> None:
    assert asks_where(question, ANALYZER.run(question)) is where
