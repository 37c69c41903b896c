"""Statements rebuilt from sentence units: lists with their items, wrapped titles, sentences
over a page break, table rows; and what is not a statement at all."""

from __future__ import annotations

from core.types import Page, Span
from ingest.chunk import sentence_units
from ingest.units import statements, trim, unit_kind


def _statements(*texts: str) -> list[tuple[str, list[str]]]:
    pages = {n: t for n, t in enumerate(texts, start=1)}
    units = [
        Span(u.page, u.start, u.end)
        for n, t in pages.items()
        for u in sentence_units(Page("d", n, str(n), t))
    ]
    out, owner = statements("d", units, pages)
    assert len(owner) == len(units) and max(owner) == len(out) - 1
    return [
        (s.kind, [" ".join(pages[p.page][p.start : p.end].split()) for p, _ in s.pieces(pages)]) for s in out
    ]


def test_unit_kinds() -> None:
    assert unit_kind("Suggested Actions") == "heading"
    assert unit_kind("Introduction ........................ 5") == "toc"
    assert unit_kind("Data Privacy; Information Integrity; Confabulation") == "residue"
    assert unit_kind("AI Actor Tasks: AI Deployment, TEVV") == "residue"
    assert unit_kind("• Establish policies for incident response.") == "item"
    assert unit_kind("GV-1.3-007 Devise a plan to halt development.") == "item"
    assert unit_kind("The documentation should include the following:") == "lead_in"
    assert unit_kind("3.") == "marker"
    assert unit_kind("Risk refers to the composite measure of an event's probability.") == "prose"


def test_lead_in_keeps_its_items_and_markers_join_their_text() -> None:
    page = (
        "Recommendations to implement Practice 7.3:\n\n1.\n\nDefine the category of misuse events to report."
        "\n\n2.\n\nCollate verified reports of misuse.\n\nThis sentence stands alone after the list ends."
    )
    got = _statements(page)
    assert got[0][0] == "list"
    assert "Collate verified reports of misuse." in got[0][1][0]
    assert got[1] == ("sentence", ["This sentence stands alone after the list ends."])


def test_wrapped_title_and_page_break_are_one_statement() -> None:
    got = _statements(
        "GOVERN 2.2: The organization's personnel and partners receive\nAI risk management training.\n"
        "Risk may change over time, which can affect decisions",
        "about fairness in certain domains.\nA new sentence starts here on the page.",
    )
    assert got[0] == (
        "sentence",
        ["GOVERN 2.2: The organization's personnel and partners receive AI risk management training."],
    )
    kind, pieces = got[1]
    assert kind == "sentence" and pieces == [
        "Risk may change over time, which can affect decisions",
        "about fairness in certain domains.",
    ]


def test_table_row_with_notes_and_risk_tags() -> None:
    got = _statements(
        "PW.1.1: Use forms of risk modeling to assess the security risk.\n"
        "High R1: Incorporate AI threat types.\nC1: Consider data poisoning.\n"
        "GV-1.4-001 Establish policies to prevent CSAM.\nData Privacy; Information Integrity"
    )
    assert got[0][0] == "row" and "C1: Consider data poisoning." in got[0][1][0]
    assert got[1] == (
        "item",
        ["GV-1.4-001 Establish policies to prevent CSAM. Data Privacy; Information Integrity"],
    )


def test_footnote_markers_are_trimmed_from_the_ends() -> None:
    text = "Share verified reports with AI incident databases.37"
    a, b = trim(text)
    assert text[a:b] == "Share verified reports with AI incident databases."
    text = "6 Some commenters have noted that the terms anthropomorphize GAI."
    a, b = trim(text)
    assert text[a:b].startswith("Some commenters")
    text = "The AI RMF mapping is Manage 4.1"
    assert trim(text) == (0, len(text))  # a version number is no footnote


def test_heading_labels_its_bullets_and_is_not_quoted() -> None:
    pages = {1: "Suggested Actions\n• Establish policies for testing.\n• Share incident information."}
    units = [Span(u.page, u.start, u.end) for u in sentence_units(Page("d", 1, "1", pages[1]))]
    (st,), _ = statements("d", units, pages)
    assert st.kind == "list" and st.label == "Suggested Actions"
    quoted = " ".join(pages[1][p.start : p.end] for p, _ in st.pieces(pages))
    assert quoted.startswith("• Establish") and "Suggested Actions" not in quoted


def test_numbered_list_without_lead_in() -> None:
    got = _statements(
        "1. Confabulation: The production of false content.\n2. Data Privacy: Leakage of personal data.\n"
        "It includes de-anonymization.\n3. Environmental Impacts: High compute use.\n"
        "A closing sentence is here."
    )
    assert got[0][0] == "list" and "3. Environmental Impacts" in got[0][1][0]
    assert "It includes de-anonymization." in got[0][1][0]  # an item's second sentence
    assert got[1] == ("sentence", ["A closing sentence is here."])


def test_provenance_label_and_title_line_are_left_out() -> None:
    page = (
        "PS.1.3: Protect all model weights from unauthorized access.\n"
        "[Not part of SSDF 1.1] High R1: Keep model weights separate from training data.\n"
        "State of AI Incident Tracking and Disclosure\n"
        "Formal channels do not currently exist to report incidents.\n"
        "About\nHighly accurate and optimized systems can cause harm."
    )
    pages = {1: page}
    units = [Span(u.page, u.start, u.end) for u in sentence_units(Page("d", 1, "1", page))]
    sts, _ = statements("d", units, pages)
    row = sts[0]
    assert row.kind == "row"
    joins = [(page[p.start : p.end], sep) for p, sep in row.pieces(pages)]
    assert joins[0][1] == "" and joins[1] == (
        "High R1: Keep model weights separate from training data.",
        " … ",
    )
    formal, about = sts[-2:]
    assert (
        page[formal.units[0].start : formal.units[0].end]
        == "Formal channels do not currently exist to report incidents."
    )
    # A one-word section label ("About") is no part of the sentence below it.
    label_left_out = page[about.units[0].start : about.units[0].end]
    assert label_left_out == "Highly accurate and optimized systems can cause harm."


def test_trim_cuts_footnote_numbers_and_with_glyph_a_bullet() -> None:
    text = "• Share verified reports with AI incident databases.37"
    a, b = trim(text)
    assert text[a:b] == "• Share verified reports with AI incident databases."
    a, b = trim(text, glyph=True)
    assert text[a:b] == "Share verified reports with AI incident databases."


def test_the_rest_of_a_sentence_is_not_a_statement() -> None:
    assert unit_kind("– and details about test methodology; these should be documented.") == "fragment"
    assert unit_kind("purposes, and mitigate the risks as necessary.") == "fragment"


def _list(page: str):  # type: ignore[no-untyped-def]
    pages = {1: page}
    units = [Span(u.page, u.start, u.end) for u in sentence_units(Page("d", 1, "1", page))]
    out, _ = statements("d", units, pages)
    return out[0], pages


def _texts(st, pages) -> list[str]:  # type: ignore[no-untyped-def]
    return [" ".join(pages[p.page][p.start : p.end].split()) for p, _ in st.pieces(pages)]


def test_headlines_keep_each_items_first_sentence() -> None:
    st, pages = _list(
        "The AI RMF strives to:\n\n1.\n\nBe risk-based and voluntary.\n\n2.\n\nBe consensus-driven. "
        "All stakeholders should have the opportunity to contribute.\n\n3.\n\nBe a living document."
    )
    assert st.kind == "list" and len(st.parts) == 4
    short = st.headlines(pages)
    assert len(short.parts) == 4
    shown = " ".join(_texts(short, pages))
    assert "Be consensus-driven." in shown and "Be a living document." in shown
    assert "All stakeholders" not in shown  # the item's elaboration is left on the page
    # What is left is still slices of the page, gaps between them.
    assert len(short.pieces(pages)) == 2
    # An item kept whole keeps its elaboration.
    kept = " ".join(_texts(st.headlines(pages, keep=[2]), pages))
    assert "All stakeholders should have the opportunity to contribute." in kept


def test_only_keeps_the_lead_and_the_items_named() -> None:
    st, pages = _list(
        "These challenges include:\n\n• Foundation models are broadly applicable.\n\n"
        "• Capabilities do not clearly translate across domains.\n\n• Scale is hard to predict."
    )
    one = st.only([2])
    assert len(one.parts) == 2
    assert _texts(one, pages) == [
        "These challenges include:",
        "• Capabilities do not clearly translate across domains.",
    ]
    assert st.part_of(0) == 0 and st.part_of(len(st.units) - 1) == 3


def test_a_glossary_term_labels_its_definition() -> None:
    page = (
        "Appendix A. Glossary\nCapability of Concern\nA capability of an AI model that poses a risk of "
        "enabling malicious behavior.\nDistribution Channel\nThe various ways in which a model could be "
        "distributed.\n"
    )
    pages = {1: page}
    sts, _ = statements(
        "d", [Span(u.page, u.start, u.end) for u in sentence_units(Page("d", 1, "1", page))], pages
    )
    labelled = [(s.label, _texts(s, pages)[0]) for s in sts if s.label]
    assert labelled == [
        (
            "Capability of Concern",
            "A capability of an AI model that poses a risk of enabling malicious behavior.",
        ),
        ("Distribution Channel", "The various ways in which a model could be distributed."),
    ]
    assert all(s.kind == "sentence" for s in sts if s.label)
