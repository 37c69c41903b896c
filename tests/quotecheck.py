"""How tests check a shown quote against its pages, independently of the code that made it."""

from __future__ import annotations

from core.text import quote_form


def on_its_pages(quote: str, first: str, second: str | None = None) -> bool:
    """Whether every part of ``quote`` (parts are separated by " … ", where the quote leaves
    text out) is a contiguous span of its page under ``quote_form`` — or, for a quote running
    over a page break, a tail of ``first`` followed by a head of ``second``."""
    a = quote_form(first)
    b = quote_form(second) if second is not None else ""
    for part in quote.split(" … "):
        q = quote_form(part)
        if not q:
            return False
        if q in a or (b and q in b):
            continue
        words = q.split(" ")
        if not (
            b and any(" ".join(words[:i]) in a and " ".join(words[i:]) in b for i in range(1, len(words)))
        ):
            return False
    return True
