"""Passage and section role tags: actor lines, subcategory actor tasks, headings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.types import Chunk, Span
from corpus.roles import ROLES_PATH, RolesError, Taxonomy, load_taxonomy
from ingest.roles import RoleTagger, actor_lines, subcategory_of


@pytest.fixture(scope="module")
def tagger() -> RoleTagger:
    return RoleTagger(load_taxonomy())


def _chunk(doc: str, section: str, text: str, n: int = 0) -> Chunk:
    return Chunk(id=f"{doc}#{n}", doc=doc, text=text, spans=(Span(1, 0, len(text)),), section=section)


def test_actor_lines_join_wrapped_lines() -> None:
    text = (
        "MP-5.1-001 Apply TEVV practices.\n"
        "AI Actor Tasks: AI Deployment, AI Design, Affected Individuals and Communities, End-\n"
        "Users, Operation and\nMonitoring\n\nMAP 5.2: Practices …"
    )
    assert actor_lines(text) == [
        "AI Deployment, AI Design, Affected Individuals and Communities, End-Users, Operation and Monitoring"
    ]
    assert actor_lines("AI Actor Tasks: TEVV\nNext paragraph, unrelated.") == ["TEVV"]
    assert actor_lines("AI Actor Tasks:\nAI Deployment, TEVV\n") == ["AI Deployment, TEVV"]
    assert actor_lines("AI Actors: AI Design -\nsee Appendix A") == ["AI Design -"]


def test_subcategory_of_a_section_path() -> None:
    assert subcategory_of("Map > MAP 1.1: Intended purpose … > Suggested Actions") == "MAP 1.1"
    assert subcategory_of("3. Suggested Actions > MEASURE 2.10: Privacy risk …") == "MEASURE 2.10"
    assert subcategory_of("Appendix A > Roles") is None


def test_playbook_sections_take_the_subcategory_actor_tasks(tagger: RoleTagger) -> None:
    """The Playbook PDF prints no actor lines: "MAP 1.1 … > Suggested Actions" is addressed to
    the roles of MAP 1.1's AI Actor Tasks in the GenAI profile (AI Deployment)."""
    sub = tagger.taxonomy.subcategories["MAP 1.1"]
    assert "AI Deployment" in sub.tasks and "ci-owner-operator" in sub.roles
    chunks = [
        _chunk("nist-ai-rmf-playbook", "Map > MAP 1.1: Intended purpose … > Suggested Actions", "• Do x.", 0),
        _chunk("nist-ai-rmf-playbook", "Map > About the Map function", "The Map function …", 1),
    ]
    by_section = tagger.section_roles("nist-ai-rmf-playbook", chunks)
    reasons = by_section[chunks[0].section]
    assert set(reasons) == set(sub.roles)
    assert reasons["ci-owner-operator"] == "MAP 1.1: AI Actor Tasks in nist-ai-600-1: AI Deployment"
    assert by_section[chunks[1].section] == {}
    tagged = tagger.run("nist-ai-rmf-playbook", chunks)
    assert set(tagged[0].roles) == set(sub.roles)


def test_a_sections_own_actor_line_is_the_stated_reason(tagger: RoleTagger) -> None:
    section = "3. Suggested Actions > GOVERN 1.1: Legal and regulatory requirements …"
    chunks = [_chunk("nist-ai-600-1", section, "GV-1.1-001 Align.\nAI Actor Tasks: AI Deployment\n")]
    reasons = tagger.section_roles("nist-ai-600-1", chunks)[section]
    assert reasons["ci-owner-operator"] == "AI Actor Tasks: AI Deployment"


def test_subcategory_tasks_must_name_known_actors(tmp_path: Path) -> None:
    base = ROLES_PATH.read_text()
    bad = tmp_path / "roles.toml"
    entry = '\n[[subcategory]]\nid = "{}"\ndoc = "nist-ai-600-1"\ntasks = ["{}"]\n'
    cases = [
        ("MAP 9.9", "Astronauts", r"\[\[subcategory\]\] 'MAP 9\.9' field 'tasks': 'Astronauts'"),
        ("MAP 1.1", "TEVV", r"'MAP 1\.1' is listed twice"),
        ("Map one", "TEVV", r"field 'id'"),
    ]
    bad.write_text(base + '\n[[subcategory]]\nid = "MAP 9.8"\ndoc = "nist-ai-600-l"\ntasks = ["TEVV"]\n')
    with pytest.raises(
        RolesError, match=r"'MAP 9\.8' field 'doc': 'nist-ai-600-l' has no \[\[actor\]\] entries"
    ):
        Taxonomy.load(bad)
    for sid, task, message in cases:
        bad.write_text(base + entry.format(sid, task))
        with pytest.raises(RolesError, match=message):
            Taxonomy.load(bad)


@pytest.mark.integration
def test_subcategory_data_matches_the_genai_profiles_actor_lines(engine: Any) -> None:
    """roles.toml's [[subcategory]] tasks are exactly the GenAI profile's own lines, read
    from the ingested text: a changed or missed line fails here."""
    cat = engine.retriever.catalog
    found: dict[str, list[str]] = {}
    for c in cat.chunks.values():
        sub = subcategory_of(c.section)
        if c.doc == "nist-ai-600-1" and sub:
            for line in actor_lines(c.text):
                found.setdefault(sub, []).extend(t.strip() for t in line.split(",") if t.strip())
    data = load_taxonomy().subcategories
    assert sorted(found) == sorted(data)
    for sid, tasks in found.items():
        assert set(tasks) == set(data[sid].tasks), sid
