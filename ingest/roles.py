"""Tag passages with the roles they address and the responsibility areas they concern.

All from ``corpus/roles.toml``: the document's own actor vocabulary in the passage ("AI
system acquirers", "deployers"); for a whole section, its explicit actor lines (the GenAI
profile's "AI Actor Tasks: …" under each action table), the actor tasks given for the AI RMF
subcategory it sits under (the Playbook prints none of its own), headings that name a role
or area (the DHS Framework's "C. The Framework > AI Developers"), and the document's own
audience statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from core.types import Chunk
from corpus.asker import stems
from corpus.roles import ROLE_IDS, Taxonomy, phrase_pattern

# "AI Actor Tasks: AI Deployment, Governance and Oversight"; continued on the next line
# when a line ends in a comma, a word broken at a hyphen ("End-" / "Users") or "and".
ACTOR_LINE = re.compile(r"\bAI Actor(?:s| Tasks)\s*:\s*")
_CONTINUED = re.compile(r"(?:,|\w-|\band)$")
_SUBCATEGORY_ID = re.compile(r"\b(?:GOVERN|MAP|MEASURE|MANAGE) \d{1,2}\.\d{1,2}\b")
AREA_MIN_CUES = 2  # distinct area cues a passage needs to count as about that area


def actor_lines(text: str) -> list[str]:
    """The actor lists of a text's "AI Actor Tasks:" lines, wrapped lines joined."""
    out = []
    for m in ACTOR_LINE.finditer(text):
        lines = text[m.end() :].split("\n")
        got = lines[0].strip()
        for nxt in lines[1:]:
            if not _CONTINUED.search(got) or not nxt.strip():
                break
            got += ("" if got.endswith("-") else " ") + nxt.strip()
        out.append(got)
    return out


def subcategory_of(section: str) -> str | None:
    """The AI RMF subcategory a section path sits under ("… > MAP 1.1: … > Suggested
    Actions" → "MAP 1.1"), innermost first."""
    for part in reversed(section.split(" > ")):
        m = _SUBCATEGORY_ID.match(part.strip())
        if m:
            return m.group(0)
    return None


class RoleTagger:
    """Built once per taxonomy; ``run(chunks)`` returns the chunks with roles and areas."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self._role_names = {
            r.id: phrase_pattern([r.name, *r.cues.get("synonyms", ())]) for r in taxonomy.roles.values()
        }
        self._area_names = {a.id: phrase_pattern([a.name]) for a in taxonomy.areas.values()}
        self._area_cues = {a.id: phrase_pattern(a.cues) for a in taxonomy.areas.values()}
        self._area_lines = {a.id: phrase_pattern([a.name, *a.cues]) for a in taxonomy.areas.values()}
        self._area_stems = {a.id: set(stems(a.name)) for a in taxonomy.areas.values()}

    def heading_roles(self, section: str) -> set[str]:
        return {r for r, pat in self._role_names.items() if pat is not None and pat.search(section)}

    def area_heading(self, line: str) -> str | None:
        """The area a short stand-alone line names ("Securing Environments"): the DHS
        Framework groups each role's duties under such lines, worded its own way."""
        line = line.strip()
        if not line or len(line.split()) > 8 or line.endswith((".", ",", ";", ":")):
            return None
        words = set(stems(line))
        for a in self.taxonomy.areas.values():
            name = self._area_stems[a.id]
            if len(words) >= 2 and words <= name and len(words) >= 0.6 * len(name):
                return a.id  # "Responsible Model and System Design" for "Driving responsible …"
            pat = self._area_lines[a.id]
            m = pat.search(line) if pat is not None else None
            if m and len(m.group(0)) >= 0.6 * len(line):
                return a.id
        return None

    def areas(self, section: str, text: str, named: Sequence[str] = ()) -> tuple[str, ...]:
        found = set(named)
        for a in self.taxonomy.areas:
            name, cues = self._area_names[a], self._area_cues[a]
            if (name is not None and name.search(section)) or (
                cues is not None and len({m.group(0).lower() for m in cues.finditer(text)}) >= AREA_MIN_CUES
            ):
                found.add(a)
        return tuple(a for a in self.taxonomy.areas if a in found)

    def section_roles(self, doc: str, chunks: Sequence[Chunk]) -> dict[str, dict[str, str]]:
        """Roles a whole section is addressed to, each with the reason: its own actor line,
        the AI Actor Tasks the GenAI profile gives for the subcategory it sits under (the
        Playbook PDF prints none of its own), a heading naming the role, or the document's
        own audience statement."""
        by_section: dict[str, dict[str, str]] = {}
        for c in chunks:
            if c.section not in by_section:
                found: dict[str, str] = {}
                for r in self.taxonomy.audience.get(doc, ()):
                    found[r] = "the document's stated audience"
                for r in self.heading_roles(c.section):
                    found[r] = "its heading names the role"
                sub = self.taxonomy.subcategories.get(subcategory_of(c.section) or "")
                if sub is not None:
                    for r, given in sub.tasks_by_role.items():
                        found[r] = f"{sub.id}: AI Actor Tasks in {sub.doc}: {', '.join(given)}"
                by_section[c.section] = found
            for line in actor_lines(c.text):
                listed = [t.strip() for t in line.split(",") if t.strip()]
                for r, mine in self.taxonomy.tasks_by_role(doc, listed).items():
                    by_section[c.section][r] = f"AI Actor Tasks: {', '.join(mine)}"
        return by_section

    def run(self, doc: str, chunks: Sequence[Chunk]) -> list[Chunk]:
        by_section = self.section_roles(doc, chunks)
        out = []
        section: str | None = None
        current: str | None = None  # the area line in force, within one section
        for c in chunks:
            if c.section != section:
                section, current = c.section, None
            named = [current] if current else []  # the area in force, then any this passage opens
            for line in c.text.splitlines():
                area = self.area_heading(line)
                if area:
                    current = area
                    named.append(area)
            roles = set(self.taxonomy.addressed(doc, c.text)) | set(by_section[c.section])
            areas = self.areas(c.section, c.text, named)
            out.append(replace(c, roles=tuple(r for r in ROLE_IDS if r in roles), areas=areas))
        return out
