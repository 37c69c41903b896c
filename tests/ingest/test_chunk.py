"""Chunking: every passage is literally page text at its offsets, and fits the embedder."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.types import Chunk, Heading, Page
from ingest.chunk import MAX_TOKENS, chunk_document, context_text, passage_kind, sentence_units
from ingest.sections import SectionIndex


def words(text: str) -> int:  # a deterministic stand-in for the tokenizer
    return len(text.split())


def _check(chunks: list[Chunk], pages: list[Page]) -> None:
    by = {p.page: p for p in pages}
    for c in chunks:
        parts = [by[s.page].text[s.start : s.end] for s in c.spans]
        assert c.text == Chunk.SPAN_JOIN.join(parts)
        for s in c.sentences:
            assert any(sp.page == s.page and sp.start <= s.start and s.end <= sp.end for sp in c.spans)
        if c.break_at is not None:
            second = c.spans[1]
            assert c.text[c.break_at :].startswith(by[second.page].text[second.start : second.end])


sentence = st.text(alphabet=st.sampled_from("abcdefgh ijk"), min_size=3, max_size=60).map(
    lambda s: (s.strip() or "word").capitalize() + "."
)
page_text = st.lists(
    st.one_of(sentence, st.just("\n"), st.just("• item one"), st.just("\n\n")), max_size=40
).map(lambda xs: " ".join(xs).strip())


@settings(max_examples=80, deadline=None)
@given(st.lists(page_text, min_size=1, max_size=4), st.integers(min_value=40, max_value=120))
def test_chunks_are_page_slices(texts: list[str], budget: int) -> None:
    pages = [Page("d", i, str(i), t) for i, t in enumerate(texts, start=1)]
    heads = [Heading(1, 0, 1, "Top")]
    chunks = chunk_document("d", "Title", pages, SectionIndex(heads), words, max_tokens=budget)
    _check(chunks, pages)
    for c in chunks:
        assert words(context_text("Title", c.section, c.text)) <= budget + 1


def test_passage_runs_over_a_page_break() -> None:
    pages = [
        Page("d", 1, "1", "Intro\nThe first sentence is here. It goes on"),
        Page("d", 2, "2", "over the page break. A final sentence."),
    ]
    chunks = chunk_document("d", "T", pages, SectionIndex([Heading(1, 0, 1, "Intro")]), words, max_tokens=100)
    assert len(chunks) == 1 and chunks[0].pages == (1, 2)
    assert chunks[0].text[chunks[0].break_at :].startswith("over the page")
    _check(chunks, pages)


def test_chunks_never_cross_headings() -> None:
    text = "1. Alpha\nAlpha text is long enough to stand alone as a passage here today.\n2. Beta\nBeta text."
    page = Page("d", 1, "1", text)
    heads = [Heading(1, 0, 1, "1. Alpha"), Heading(1, text.index("2. Beta"), 1, "2. Beta")]
    chunks = chunk_document("d", "T", [page], SectionIndex(heads), words, max_tokens=200, min_tokens=3)
    assert [c.section for c in chunks] == ["1. Alpha", "2. Beta"]


def test_sentence_units_split_bullets_and_abbreviations() -> None:
    text = "Use tools, e.g. scanners. Then stop.\n• first item\n• second item"
    units = [text[u.start : u.end] for u in sentence_units(Page("d", 1, "1", text))]
    assert units == ["Use tools, e.g. scanners.", "Then stop.", "• first item", "• second item"]


def test_a_wrapped_heading_statement_stays_one_sentence() -> None:
    text = (
        "GOVERN 1.2: The characteristics of trustworthy AI are integrated into policies, and\n"
        "practices.\nGOVERN 1.3: Processes are in place.\nAbout\nthe rest."
    )
    cuts = {0, text.index("GOVERN 1.3"), text.index("About")}
    units = [text[u.start : u.end] for u in sentence_units(Page("d", 1, "1", text), cuts)]
    assert units[0].endswith("policies, and\npractices.")
    assert units[1] == "GOVERN 1.3: Processes are in place."
    assert units[2:] == ["About", "the rest."]  # a heading line that ends is still its own block


def test_budget_beyond_window_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="exceeds"):
        chunk_document("d", "T", [], SectionIndex([]), words, max_tokens=MAX_TOKENS)


def test_small_heading_never_lends_its_label_to_a_sibling() -> None:
    text = "GOVERN 1.1: Legal requirements.\nGOVERN 1.2: Trustworthy characteristics are in policy work."
    page = Page("d", 1, "1", text)
    second = text.index("GOVERN 1.2")
    heads = [Heading(1, 0, 1, "GOVERN 1.1"), Heading(1, second, 1, "GOVERN 1.2")]
    chunks = chunk_document("d", "T", [page], SectionIndex(heads), words, max_tokens=200, min_tokens=6)
    for c in chunks:
        assert c.text.startswith(c.section)
    parent = [Heading(1, 0, 1, "Govern"), Heading(1, 7, 2, "GOVERN 1.1")]
    merged = chunk_document(
        "d",
        "T",
        [Page("d", 1, "1", "Govern\nGOVERN 1.1 text follows here now.")],
        SectionIndex(parent),
        words,
        max_tokens=200,
        min_tokens=3,
    )
    assert len(merged) == 1 and merged[0].section == "Govern > GOVERN 1.1"


def test_reading_lists_are_references_at_any_depth() -> None:
    plain = "Assess impacts with affected communities before deployment."
    assert passage_kind("Map > MAP 1.1: Intended purpose > About", plain) == "text"
    # The Playbook files reading lists under topic sub-headings of "References".
    nested = "Map > MAP 1.1: Intended purpose > References > Context mapping"
    resources = "Govern > GOVERN 1.1 > Transparency & Documentation > AI Transparency Resources"
    assert passage_kind(nested, plain) == passage_kind(resources, plain) == "references"
    # A subcategory statement that merely ends in "resources" is guidance.
    statement = "Manage > MANAGE 3.1: AI risks and benefits from third-party resources"
    assert passage_kind(statement, plain) == "text"
    assert passage_kind("Govern > Human Resources", plain) == "text"
