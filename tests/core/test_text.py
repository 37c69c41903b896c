from core.text import collapse_ws, loose_form, quote_form, strip_footnotes, verify_form


def test_collapse_ws_joins_lines() -> None:
    assert collapse_ws("  a\n b\t\tc  ") == "a b c"


def test_verify_form_keeps_case_and_punctuation() -> None:
    assert verify_form("Risk\nrefers to the “composite”") == "Risk refers to the “composite”"
    assert verify_form("ﬁne") == "fine"  # NFKC folds ligatures


def test_loose_form_unifies_hyphens_quotes_and_case() -> None:
    assert loose_form("Trade-off") == loose_form("tradeoff")
    assert loose_form("end-\nof-line") == loose_form("endofline")
    assert loose_form("“Secure and Resilient,”") == "secure and resilient"


def test_footnote_numbers_are_dropped_alike_from_quote_and_page() -> None:
    assert strip_footnotes("extraction attacks.22 3. Increase") == "extraction attacks. 3. Increase"
    assert strip_footnotes("misuse risks,1 and this") == "misuse risks, and this"
    assert strip_footnotes("“hallucinations”)6 by") == "“hallucinations”) by"
    # versions, identifiers and numbers standing alone are kept
    for kept in ("version 1.1 of", "EO 14110", "R1: Scan", "GV-1.2-001", "fp16 and int8", "Figure 3."):
        assert strip_footnotes(kept) == kept
    page = "Share verified reports with AI incident\ndatabases.37 Then review them."
    assert quote_form("Share verified reports with AI incident databases. Then review") in quote_form(page)
