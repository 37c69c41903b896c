import pytest

pytestmark = pytest.mark.integration


def test_identifier_lookup(engine) -> None:  # type: ignore[no-untyped-def]
    res = engine.citer.run("GOVERN 1.2")
    assert res.kind == "identifier"
    assert {m.doc for m in res.matches} >= {"nist-ai-100-1", "nist-ai-rmf-playbook"}
    assert all("GOVERN 1.2" in m.section for m in res.matches)


def test_page_lookup_by_printed_label(engine) -> None:  # type: ignore[no-untyped-def]
    res = engine.citer.run("nist-ai-600-1 p.35")
    assert res.kind == "page" and res.matches[0].page_label == "35" and res.matches[0].page == 39
    phys = engine.citer.run("nist-ai-600-1 PDF page 35")
    assert phys.matches[0].page == 35


def test_sentence_lookup(engine) -> None:  # type: ignore[no-untyped-def]
    res = engine.citer.run("Risk refers to the composite measure of an event's probability of occurring")
    assert res.kind == "quote"
    assert ("nist-ai-100-1", 9) in {(m.doc, m.page) for m in res.matches}


def test_empty_query_is_an_error(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="empty"):
        engine.citer.run("  ")
