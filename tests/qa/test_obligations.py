"""`airq obligations` over the real corpus: verified, role-addressed recommendations."""

from __future__ import annotations

import re
from typing import Any

import pytest

from qa.obligations import as_markdown
from tests.quotecheck import on_its_pages

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("role", ["ai-developer", "ci-owner-operator"])
def test_every_item_is_a_verified_addressed_action(engine: Any, role: str) -> None:
    items = engine.obligations.run(role)
    assert len(items) > 50
    cat = engine.retriever.catalog
    for o in items:
        assert o.verified and on_its_pages(o.quote, cat.pages[(o.doc, o.page)].text)
        assert not o.quote.endswith((":", "?")) and o.why
        assert not re.match(r"\W*(?:GOVERN|MAP|MEASURE|MANAGE) \d", o.quote)  # outcomes, not actions
        assert o.section  # not the front matter ("… review all draft publications …")
    if role == "ai-developer":  # AI 800-1 is written for foundation-model developers
        assert any(o.doc == "nist-ai-800-1-ipd" for o in items)
    # The Playbook's suggested actions, through their subcategory's AI Actor Tasks.
    playbook = [o for o in items if o.doc == "nist-ai-rmf-playbook"]
    assert len(playbook) > 50 and all("AI Actor Tasks in nist-ai-600-1" in o.why for o in playbook)


def test_topic_ranks_and_limits(engine: Any) -> None:
    items = engine.obligations.run("ai-developer", topic="incident reporting", limit=5)
    assert len(items) == 5 and "incident" in items[0].quote.lower()
    assert items[0].score >= items[-1].score


def test_scoped_to_a_document_and_rendered(engine: Any) -> None:
    items = engine.obligations.run("ci-owner-operator", docs=["nist-ai-600-1"])
    assert items and {o.doc for o in items} == {"nist-ai-600-1"}
    md = as_markdown(engine.answerer.taxonomy, "ci-owner-operator", None, items)
    assert md.startswith("# What the guidance asks of Critical") and "PDF page" in md


def test_unknown_role(engine: Any) -> None:
    with pytest.raises(ValueError, match="not one of"):
        engine.obligations.run("astronaut")
