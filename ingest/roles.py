"""Tag passages with the roles they address and the responsibility areas they concern.

Three sources, all from ``corpus/roles.toml``: the document's own actor vocabulary in the
passage ("AI system acquirers", "deployers"), explicit actor lines that govern a whole
section (the GenAI profile's "AI Actor Tasks: …" under each action table), and section
headings that name a role or area (the DHS Framework's "C. The Framework > AI Developers").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from core.types import Chunk
from corpus.roles import ROLE_IDS, Taxonomy, phrase_pattern, stems

# "AI Actor Tasks: AI Deployment, Governance and Oversight" (may wrap after a comma).
ACTOR_LINE = re.compile(r"\bAI Actor(?:s| Tasks)\s*:\s*([^\n]*(?:,\s*\n[^\n]*)*)")
AREA_MIN_CUES = 2  # distinct area cues a passage needs to count as about that area


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

    def section_roles(self, doc: str, chunks: Sequence[Chunk]) -> dict[str, set[str]]:
        """Roles a whole section is addressed to: its actor lines, a heading naming one, or
        the document's own audience statement."""
        by_section: dict[str, set[str]] = {}
        whole = set(self.taxonomy.audience.get(doc, ()))
        for c in chunks:
            found = by_section.setdefault(c.section, self.heading_roles(c.section) | whole)
            for m in ACTOR_LINE.finditer(c.text):
                found.update(self.taxonomy.addressed(doc, m.group(1)))
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
            roles = set(self.taxonomy.addressed(doc, c.text)) | by_section[c.section]
            areas = self.areas(c.section, c.text, named)
            out.append(replace(c, roles=tuple(r for r in ROLE_IDS if r in roles), areas=areas))
        return out
