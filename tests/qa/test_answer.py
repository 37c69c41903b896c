"""Answers over the real corpus with the real embedder: quotes verified on their pages."""

from __future__ import annotations

import pytest

from qa.answer import MAX_ITEMS, AbstainPolicy, Answerer, verify
from tests.quotecheck import on_its_pages

pytestmark = pytest.mark.integration


def test_answer_quotes_are_on_their_pages(engine) -> None:  # type: ignore[no-untyped-def]
    a = engine.answerer.run("What is confabulation in generative AI?")
    assert not a.abstained and a.citations
    pages = engine.retriever.catalog.pages
    for c in a.citations:
        assert c.verified
        second = pages[(c.doc, c.page_end)].text if c.page_end else None
        assert on_its_pages(c.quote, pages[(c.doc, c.page)].text, second)
        assert f"[{c.n}]" in a.answer
    assert any(c.doc == "nist-ai-600-1" for c in a.citations)
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
    assert set(a.timings_ms) >= {"total", "embed", "retrieve"}


def test_identifier_question_cites_its_own_text(engine) -> None:  # type: ignore[no-untyped-def]
    a = engine.answerer.run("What does GOVERN 1.2 say?")
    assert "GOVERN 1.2" in a.citations[0].section


def test_doc_and_section_filters(engine) -> None:  # type: ignore[no-untyped-def]
    a = engine.answerer.run("How should red teams be used?", docs=["nist-ai-800-1-ipd"])
    assert a.citations and all(c.doc == "nist-ai-800-1-ipd" for c in a.citations)
    b = engine.answerer.run("What should be documented?", section="MEASURE 2")
    assert b.citations and all("MEASURE 2" in c.section for c in b.citations)


def test_abstains_when_evidence_is_weak(engine) -> None:  # type: ignore[no-untyped-def]
    strict = Answerer(engine.retriever, policy=AbstainPolicy(threshold=10.0))
    a = strict.run("What is confabulation?")
    assert a.abstained and "do not appear to answer" in a.answer
    assert all(c.verified for c in a.citations)  # the nearest passages, still verified


def test_unverifiable_quote_is_rejected() -> None:
    assert verify("trustworthy AI", "Characteristics of\ntrustworthy   AI systems")
    assert not verify("trustworthy ML", "Characteristics of trustworthy AI systems")
    assert not verify("", "anything")


def test_role_note_says_what_was_assumed(engine) -> None:  # type: ignore[no-untyped-def]
    role_for = engine.answerer.role_for
    role, source, note = role_for("We run a regional water utility. What should we test first?", None)
    assert (role, source) == ("ci-owner-operator", "detected") and "water utility" in note
    role, source, note = role_for("What should we test before deploying?", None)
    assert (role, source) == (None, "none") and note.startswith("No role recognised")
    assert role_for("What is confabulation?", None) == (None, "none", "")  # nobody spoke of themselves


def test_an_action_id_is_answered_by_its_row(engine) -> None:  # type: ignore[no-untyped-def]
    a = engine.answerer.run("What does action GV-1.3-007 call for?")
    assert a.form == "lookup" and not a.abstained
    assert a.citations[0].quote.startswith("GV-1.3-007 ") and "halt development" in a.citations[0].quote


def test_answers_are_whole_statements_in_the_form_asked(engine) -> None:  # type: ignore[no-untyped-def]
    from eval.hygiene import junk_reason

    questions = {
        "What are the four functions of the AI RMF Core?": "enumeration",
        "What should we do to protect model weights from theft?": "actions",
        "Does the GenAI profile cover speculative risks from future AI systems?": "yes_no",
        "How does the AI RMF define risk?": "definition",
        "How do the AI RMF and the GenAI profile differ on third-party risk?": "comparison",
    }
    for question, form in questions.items():
        a = engine.answerer.run(question)
        assert a.form == form, (question, a.form)
        assert not a.abstained and 1 <= len(a.citations) <= 5
        assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))
        for c in a.citations:
            assert f"[{c.n}]" in a.answer  # quoted, or listed as "Also relevant"
            assert junk_reason(c.quote) is None, (question, c.quote)
    # A list the question asked for is shown as bullets, one per item.
    actions = engine.answerer.run("What should we do to protect model weights from theft?")
    assert actions.answer.startswith("Recommended actions") and "\n- " in actions.answer


def test_where_questions_are_answered_with_the_place(engine) -> None:  # type: ignore[no-untyped-def]
    a = engine.answerer.run(
        'Where does it say "The inability to appropriately measure AI risks does not imply" a high risk?'
    )
    first = a.citations[0]
    assert (first.doc, first.page, first.page_label) == ("nist-ai-100-1", 10, "5")
    assert a.answer.startswith("AI RMF 1.0, p. 5 (PDF page 10), ")
    assert a.answer.split("\n")[1].startswith("- ") and "[1]" in a.answer.split("\n")[1]
    # A printed page number is the printed page first; the PDF's page of that number after.
    page = engine.answerer.run("What is on page 20 of the AI RMF?")
    assert (page.citations[0].page, page.citations[0].page_label) == (25, "20")
    assert page.answer.startswith("AI RMF 1.0, p. 20 (PDF page 25)")


def test_a_long_list_reads_as_its_items_first_sentences(engine) -> None:  # type: ignore[no-untyped-def]
    from qa.answer import Candidate

    answerer = engine.answerer
    pages = answerer.catalog.pages
    cut = 0
    for sts in answerer._statements.values():
        for st in sts:
            if not answerer._long(st):
                continue
            short = st.headlines({u.page: pages[(st.doc, u.page)].text for u in st.units})
            q = answerer.quote(st)
            assert len(q.items) == min(len(st.parts) - 1, MAX_ITEMS)
            if short.units == st.units:
                continue
            cut += 1
            # Each item shown is its first sentence: the elaboration is left on the page.
            whole = " ".join(pages[(st.doc, u.page)].text[u.start : u.end] for u in st.units)
            assert len(q.text) < len(" ".join(whole.split()))
            chunk = next(c for c in answerer.catalog.chunks.values() if c.doc == st.doc)
            cite, _ = answerer.citation(1, Candidate(chunk, st, 1.0, ""))
            assert cite.verified, cite.quote
    assert cut >= 5  # the corpus has long lists whose items run to several sentences


def test_an_inline_list_is_followed_to_the_sentences_on_its_items(engine) -> None:  # type: ignore[no-untyped-def]
    from qa.answer import Candidate, inline_items
    from qa.lexical import terms

    answerer = engine.answerer
    pages = answerer.catalog.pages
    spelled = 0
    for doc, sts in answerer._statements.items():
        chunk = next(c for c in answerer.catalog.chunks.values() if c.doc == doc)
        for st in sts:
            text = answerer.quote(st).text if st.kind == "sentence" else ""
            heads = inline_items(text)
            if len(heads) < 3:
                continue
            c = answerer.spelled_out(Candidate(chunk, st, 1.0, text))
            if not c.follow:
                continue
            spelled += 1
            for f in c.follow:  # each sentence added takes up an item of the list (or all of them)
                said = answerer.quote(f).text
                assert said.split()[0] in ("Each", "These", "All", "Both", "Such", "Any") or set(
                    terms(" ".join(said.split()[:6]))
                ) & set(heads), said
            cite, _ = answerer.citation(1, c)
            second = pages[(cite.doc, cite.page_end)].text if cite.page_end else None
            assert cite.verified and on_its_pages(cite.quote, pages[(cite.doc, cite.page)].text, second)
    assert spelled >= 3

    a = answerer.run("Which kinds of bias does the AI RMF distinguish, and what is each about?")
    assert "Systemic bias can be present" in a.answer and "Human-cognitive biases relate" in a.answer


def test_a_restated_quote_is_one_line_with_every_place_cited() -> None:
    from core.types import Citation
    from qa.answer import Quote, _restated

    def shown(n: int, text: str) -> tuple[str, Citation, Quote]:
        fields = {"doc": "d", "title": "t", "section": "s", "verified": True, "score": 1.0}
        cite = Citation(n=n, page=n, page_label=str(n), quote=text, **fields)
        return "", cite, Quote(text, "", (), 0, (), ())

    short = "Risk refers to the composite measure of an event's probability of occurring."
    full = short + " Some risks can be assessed as likely to materialize in a given context."
    other = "Bias exists in many forms and can become ingrained in automated systems."
    out, also = _restated([shown(1, short), shown(2, other), shown(3, full)])
    assert [(c.n, q.text) for _, c, q in out] == [(1, full), (2, short), (3, other)]
    assert also == {1: [2]}  # the fuller wording stands where the first of them stood
    assert [c.page for _, c, _ in out] == [3, 1, 2]  # each citation keeps its own page


def test_one_outlying_statement_does_not_crowd_out_listed_actions(engine) -> None:  # type: ignore[no-untyped-def]
    """Every action of a recommendations list or table that is evidence on its own (above
    the abstention threshold) is listed, however far the best statement stands above it;
    in its group the practice or task itself comes before what implements it."""
    from dataclasses import replace

    from qa.answer import MAX_ACTIONS, _is_action, _titled
    from qa.question import read

    a = engine.answerer
    question = "We fine-tune open-weight models from public hubs: what should we check before using them?"
    r = read(question, a.taxonomy, a.retriever.analyzer, a.vocab)
    qvec = a.retriever.embed_query(question)
    cands = a.candidates(r, qvec, a._retrieve(r, qvec, [], a.k, "hybrid", None))
    listed = [
        c.statement
        for c in cands[1:]
        if _is_action(c) and c.statement.kind != "sentence" and c.score >= a.policy.threshold
    ]
    assert r.form == "actions" and listed
    # The best statement made an outlier: far above every other, as a shared rare word makes it.
    outlier = replace(cands[0], score=cands[0].score + 0.5)
    chosen = a._select(r, [outlier, *cands[1:]])
    assert set(listed[: MAX_ACTIONS - 1]) <= {c.statement for c in chosen}
    groups: dict[tuple[str, str], list[bool]] = {}
    for c in chosen:
        groups.setdefault((c.chunk.doc, c.chunk.section), []).append(_titled(c))
    for titled in groups.values():
        assert titled == sorted(titled, reverse=True)  # the titled one first
