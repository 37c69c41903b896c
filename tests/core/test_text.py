from core.text import collapse_ws, loose_form, verify_form


def test_collapse_ws_joins_lines() -> None:
    assert collapse_ws("  a\n b\t\tc  ") == "a b c"


def test_verify_form_keeps_case_and_punctuation() -> None:
    assert verify_form("Risk\nrefers to the “composite”") == "Risk refers to the “composite”"
    assert verify_form("ﬁne") == "fine"  # NFKC folds ligatures


def test_loose_form_unifies_hyphens_quotes_and_case() -> None:
    assert loose_form("Trade-off") == loose_form("tradeoff")
    assert loose_form("end-\nof-line") == loose_form("endofline")
    assert loose_form("“Secure and Resilient,”") == "secure and resilient"
