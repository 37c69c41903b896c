"""Is a shown quote something a person can read as a statement? Judged from its text alone.

Deliberately independent of ingest's unit classifier (``ingest/units.py``): the eval must
be able to catch what the classifier misses. A quote is junk when it is a fragment
(starts mid-sentence, or stops without ending), a bare heading, a table-of-contents line,
title-page matter, or carries footnote or table residue.
"""

from __future__ import annotations

import re

from core.text import collapse_ws

_TOC = re.compile(r"\.{4,}|…{2,}|(?:\. ){4,}")
_STARTS_MID = re.compile(r"^(?:[a-z]|[,;:)\]’”]|[–—-]\s)")
_ALLOWED_LOWER = re.compile(r"^(?:e\.g\.|i\.e\.|etc\.)")
_ENDS = re.compile(r"[.!?:;][\"”’)\]]*$|[\"”’)]$")
_ITEM_START = re.compile(r"^(?:[•▪◦●■–-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s|[RCN]\d{1,2}:|(?:GV|MP|MS|MG)-\d)")
_LIST_INSIDE = re.compile(r":\s*(?:[•▪◦●■–-]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s")
# A footnote number glued to a word or a sentence's end ("databases.37", "models”5"), or
# leading a footnote's text ("6 Some commenters …").
_FOOTNOTE = re.compile(
    r"(?<=[a-z]{2})[.,;:”’\")]\d{1,3}(?=\s|$)|(?<=[a-z]{3})\d{1,2}(?=\s|$)|^\d{1,3}\s+[A-Z]"
)
_FRONT = re.compile(
    r"available free of charge|doi\.org/10\.6028|^U\.S\. Department of Commerce|Gina M\. Raimondo|"
    r"^(?:NIST (?:AI|SP) [\d-]+[A-Za-z]*)$",
    re.IGNORECASE,
)
_TABLE = re.compile(
    r"\[(?:Modified|New|Not) [^\]]*\]|\b(?:High|Medium|Low)\s+[RCN]\d+:\s*$|\b[RCN]\d+:\s*$|"
    r"Action ID Suggested Action|Categories Subcategories|Continued on next page"
)


def junk_reason(quote: str) -> str | None:
    """Why a quote is junk to a reader ("fragment", "heading", "toc", "front matter",
    "footnote residue", "table residue"), or None when it reads as a statement."""
    q = collapse_ws(quote)
    if not q:
        return "fragment"
    if _TOC.search(q):
        return "toc"
    if _FRONT.search(q):
        return "front matter"
    if _TABLE.search(q):
        return "table residue"
    if _FOOTNOTE.search(q):
        return "footnote residue"
    if _STARTS_MID.match(q) and not _ALLOWED_LOWER.match(q):
        return "fragment"
    words = len(q.split())
    if q.endswith(":"):
        return "lead-in without items"
    if not _ENDS.search(q):
        # A list item may end without a full stop; a line that is neither is a heading or
        # a sentence cut off.
        if _ITEM_START.match(q) or _LIST_INSIDE.search(q):
            return None
        return "heading" if words <= 12 else "fragment"
    if words < 4:
        return "heading"
    if _all_capitalised(q):
        return "title line"  # "National Institute of Standards and Technology Laurie E."
    return None


# Words a title keeps in lower case.
_MINOR = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "vs",
        "via",
        "&",
    ]
)


def _all_capitalised(q: str) -> bool:
    """A line whose every word but the minor ones is capitalised: a title, a name or an
    affiliation, not a statement."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", q) if w.lower() not in _MINOR]
    return len(words) >= 4 and all(w[0].isupper() for w in words)


def hygiene(quotes: list[str]) -> tuple[int, list[str]]:
    """How many of ``quotes`` are junk, and the reasons, in order."""
    reasons = [r for r in (junk_reason(q) for q in quotes) if r]
    return len(reasons), reasons
