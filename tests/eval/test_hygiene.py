from __future__ import annotations

import pytest

from eval.hygiene import hygiene, junk_reason


@pytest.mark.parametrize(
    ("quote", "reason"),
    [
        ("foundation models and future versions.", "fragment"),
        ("– and details about test methodology; these should be documented.", "fragment"),
        ("Objective 3: Manage the risks of model theft", "heading"),
        ("SSDF Community Profile for AI Model Development ........................ 8", "toc"),
        ("Share verified reports of misuse with AI incident databases.37", "footnote residue"),
        ("6 Some commenters have noted that the terms anthropomorphize GAI.", "footnote residue"),
        ("[Modified from SSDF 1.1] Medium R1:", "table residue"),
        (
            "This publication is available free of charge from: https://doi.org/10.6028/NIST.AI.100-1",
            "front matter",
        ),
        ("The main kinds of risk include the following:", "lead-in without items"),
        ("Raimondo, Secretary National Institute of Standards and Technology Laurie E.", "title line"),
    ],
)
def test_junk_is_named(quote: str, reason: str) -> None:
    assert junk_reason(quote) == reason


@pytest.mark.parametrize(
    "quote",
    [
        "Risk refers to the composite measure of an event's probability of occurring.",
        "GOVERN 1.2: The characteristics of trustworthy AI are integrated into organizational policies.",
        "Recommended uses: • Establish policies for incident response • Share information",
        "R1: Scan and test AI models frequently to identify vulnerabilities.",
        "Practice 3.3 lists what to do (see Appendix B).",
        "NIST released the AI RMF in January 2023.",  # one verb in lower case makes a statement
    ],
)
def test_statements_are_not_junk(quote: str) -> None:
    assert junk_reason(quote) is None


def test_hygiene_counts() -> None:
    assert hygiene(["A whole sentence that reads well.", "cut off mid"]) == (1, ["fragment"])
