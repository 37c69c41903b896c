"""Identifiers that users cite: AI RMF subcategories, GenAI action ids, SSDF tasks, AI 800-1 practices.

Normalised to one spelling so that "Govern 1.2", "GOVERN 1.2:" and "govern 1.2" all find the
same passages.
"""

from __future__ import annotations

import re

_RMF = re.compile(r"\b(GOVERN|MAP|MEASURE|MANAGE)\s+(\d{1,2})(?:\.(\d{1,2}))?\b", re.IGNORECASE)
_GAI = re.compile(r"\b(GV|MP|MS|MG)-(\d{1,2})\.(\d{1,2})-(\d{3})\b", re.IGNORECASE)
_SSDF = re.compile(r"\b(PO|PS|PW|RV)\.(\d{1,2})(?:\.(\d{1,2}))?(?:\.([RCN]\d{1,2}))?\b")
_NIST800 = re.compile(r"\b(Objective|Practice)\s+(\d{1,2}(?:\.\d{1,2})?)\b", re.IGNORECASE)
_ITEM = re.compile(r"(?:^|\n|\s)([RCN]\d{1,2}):")


def _rmf(m: re.Match[str]) -> str:
    fn, cat, sub = m.group(1).upper(), m.group(2), m.group(3)
    return f"{fn} {cat}.{sub}" if sub else f"{fn} {cat}"


def find_identifiers(text: str) -> list[str]:
    """Every identifier mentioned in ``text``, normalised, in order of first mention."""
    found: list[tuple[int, str]] = []
    found += [(m.start(), _rmf(m)) for m in _RMF.finditer(text)]
    found += [(m.start(), m.group(0).upper()) for m in _GAI.finditer(text)]
    found += [(m.start(), m.group(0)) for m in _SSDF.finditer(text)]
    found += [(m.start(), f"{m.group(1).capitalize()} {m.group(2)}") for m in _NIST800.finditer(text)]
    found.sort()
    return list(dict.fromkeys(x for _, x in found))


def normalise(query: str) -> str | None:
    """The identifier a lookup query names, if the whole query is one identifier."""
    q = query.strip().rstrip(":.")
    ids = find_identifiers(q)
    if len(ids) == 1 and len(q) <= len(ids[0]) + 2:
        return ids[0]
    return None


def task_items(section_id: str | None, text: str) -> list[str]:
    """SSDF recommendation/consideration/note ids (``PO.1.2.R1``) inside a task's text."""
    if not section_id or not _SSDF.fullmatch(section_id):
        return []
    return [f"{section_id}.{m.group(1)}" for m in _ITEM.finditer(text)]


def own_identifier(section: str) -> str | None:
    """The identifier a passage belongs to: the deepest one on its section path
    ("Measure > MEASURE 3.3 > About" → "MEASURE 3.3")."""
    for part in reversed(section.split(" > ")):
        ids = find_identifiers(part)
        if ids:
            return ids[0]
    return None
