"""Text normalisation shared by cleaning, verification and evaluation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = re.compile(r"\s+")
_SOFT = str.maketrans({"\u00ad": None, "\u200b": None, "\ufeff": None})
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def collapse_ws(text: str) -> str:
    """One space for every run of whitespace: PDF line breaks carry no meaning in a quote."""
    return _WS.sub(" ", text).strip()


def verify_form(text: str) -> str:
    """The form in which a quote is compared with its page: whitespace-normalised, NFKC.

    Case and punctuation are kept, so a quote that verifies is the page's own wording.
    """
    return collapse_ws(unicodedata.normalize("NFKC", text).translate(_SOFT))


# A footnote reference number glued to a word or to the punctuation after it ("attacks.22",
# "capabilities,1 and", "misuse12"): never a version ("1.1"), an identifier ("R1", "GV-1.2")
# or a number standing alone ("EO 14110").
_FOOTNOTE_MARK = re.compile(
    r"(?:(?<=[a-z]{3}[.,;:”’\")\]])|(?<=[a-z]{3}[.,;:”’\")\]]{2})|(?<=[a-z]{4}))\d{1,2}(?=[\s,;:]|$)"
)


def strip_footnotes(text: str) -> str:
    """``text`` without footnote reference numbers: how quotes are shown."""
    return _FOOTNOTE_MARK.sub("", text)


def quote_form(text: str) -> str:
    """The one normalisation under which a shown quote must be a contiguous span of its
    page: ``verify_form`` (whitespace collapsed, NFKC, soft hyphens dropped) and footnote
    reference numbers dropped (``strip_footnotes``), applied alike to quote and page."""
    return strip_footnotes(verify_form(text))


def loose_form(text: str) -> str:
    """Lower-case, quotes/dashes unified, hyphen breaks and punctuation dropped.

    For matching *facts* in answers, where "trade-off" and "tradeoff" must agree; never
    for verifying quotes.
    """
    text = unicodedata.normalize("NFKC", text).translate(_SOFT).translate(_QUOTES).lower()
    text = re.sub(r"(\w)-\s*(\w)", r"\1\2", text)
    return collapse_ws(re.sub(r"[^\w\s]|_", " ", text))


@lru_cache(maxsize=1)
def english_stemmer():  # type: ignore[no-untyped-def]
    """The one Snowball stemmer BM25, answer scoring and role cues share, so all see the
    same terms."""
    import Stemmer

    return Stemmer.Stemmer("english")
