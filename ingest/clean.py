"""Repair the real defects of text extracted from these PDFs, page by page.

Each cleaner is a small pure function so it can be tested on the exact defect it fixes.
Cleaning happens once, before anything else: every offset, chunk and quote downstream
refers to the cleaned page text, so a quote can be verified against it.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
        "\u00a0": " ",
        "\u00ad": None,
        "\u200b": None,
        "\ufeff": None,
        "\r": None,
        "\t": " ",
    }
)
_TRAILING_NUM = re.compile(r"^(.*?)(?:^|\s)(\d{1,3})\s*$")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_PAGE_NUM = re.compile(r"^(?:page\s+)?(\d{1,4})(?:\s+of\s+\d{1,4})?$", re.IGNORECASE)
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.IGNORECASE)


def fix_characters(text: str) -> str:
    """Ligatures (ﬁ → fi), soft hyphens, NBSP, tabs; trailing spaces per line."""
    text = text.translate(_LIGATURES)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def strip_line_numbers(text: str) -> str:
    """Remove margin line numbers (1, 2, 3 … at the end or start of each line).

    Only when most lines carry a number and the numbers climb one by one, so a year or a
    count that merely ends a line is never touched.
    """
    lines = text.split("\n")
    for side in ("end", "start"):
        nums: list[int | None] = []
        for line in lines:
            m = (
                re.search(r"(?:^|\s|-)(\d{1,3})\s*$", line)
                if side == "end"
                else re.match(r"^\s*(\d{1,3})(?:\s|$)", line)
            )
            nums.append(int(m.group(1)) if m else None)
        seq = [n for n in nums if n is not None]
        content = sum(1 for x in lines if x.strip())
        if len(seq) < 5 or len(seq) < 0.5 * content:
            continue
        # Leading numbers that continue from an earlier page (35, 36, … on an endnotes page)
        # are note numbers, not margin line numbers, which restart on every page.
        if side == "start" and seq[0] > 2 and len(seq) < 0.8 * content:
            continue
        steps = sum(1 for a, b in itertools.pairwise(seq) if b == a + 1)
        if steps < 0.8 * (len(seq) - 1):
            continue
        numbered = [(i, n) for i, n in enumerate(nums) if n is not None]
        fits: set[int] = set()
        for k, (i, n) in enumerate(numbered):
            before = numbered[k - 1][1] if k > 0 else None
            after = numbered[k + 1][1] if k + 1 < len(numbered) else None
            if before == n - 1 or after == n + 1:
                fits.add(i)
        out: list[str] = []
        for i, line in enumerate(lines):
            if i in fits:
                line = (
                    re.sub(r"(?:(?:^|\s)|(?<=-))\d{1,3}\s*$", "", line)
                    if side == "end"
                    else re.sub(r"^\s*\d{1,3}(?:\s|$)", "", line, count=1)
                )
            out.append(line.rstrip())
        return "\n".join(out)
    return text


def undouble(text: str) -> str:
    """Bold faked by printing twice: "PLAYBOOKPLAYBOOK", "GGOOVVEERRNN", "Map Map"."""
    out = []
    for line in text.split("\n"):
        s = line.strip()
        half = len(s) // 2
        if (
            len(s) >= 6
            and len(s) % 2 == 0
            and s[:half] == s[half:]
            and sum(ch.isalpha() for ch in s[:half]) >= 3
        ):
            line = s[:half]
        else:
            line = re.sub(
                r"\b((?:([A-Za-z])\2){3,})\b",
                lambda m: m.group(1)[::2],
                line,
            )
        out.append(line)
    return "\n".join(out)


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip().lower()))


@dataclass(frozen=True)
class Margins:
    """Lines that repeat at the top or bottom of most pages (running headers/footers)."""

    keys: frozenset[str]
    zone_top: int = 4
    zone_bottom: int = 3


def find_margins(pages: list[str], min_share: float = 0.4) -> Margins:
    if len(pages) < 4:
        return Margins(frozenset())
    counts: Counter[str] = Counter()
    m = Margins(frozenset())
    for text in pages:
        lines = [x for x in text.split("\n") if x.strip()]
        zone = lines[: m.zone_top] + lines[-m.zone_bottom :]
        counts.update({_key(x) for x in zone})
    need = max(3, int(min_share * len(pages)))
    return Margins(frozenset(k for k, n in counts.items() if n >= need and k))


def strip_margins(text: str, margins: Margins) -> tuple[str, list[str]]:
    """Drop running-header/footer lines; return the text and the lines dropped."""
    lines = text.split("\n")
    idx = [i for i, x in enumerate(lines) if x.strip()]
    zone = set(idx[: margins.zone_top] + idx[-margins.zone_bottom :])
    dropped = [lines[i].strip() for i in sorted(zone) if _key(lines[i]) in margins.keys]
    kept = [x for i, x in enumerate(lines) if not (i in zone and _key(x) in margins.keys)]
    return "\n".join(kept), dropped


def printed_number(lines: list[str]) -> str | None:
    """The printed page number among margin lines: "7", "Page 7", "7 of 142", "iv"."""
    for line in lines:
        s = line.strip()
        m = _PAGE_NUM.match(s)
        if m:
            return m.group(1)
        if s and _ROMAN.match(s):
            return s.lower()
    return None


def _bare_number_lines(text: str, margins: Margins) -> list[str]:
    lines = [x for x in text.split("\n") if x.strip()]
    return lines[: margins.zone_top] + lines[-margins.zone_bottom :]


def vocabulary(pages: list[str]) -> tuple[set[str], set[str]]:
    """Words and hyphenated compounds seen inside lines (not at a line break)."""
    words: set[str] = set()
    compounds: set[str] = set()
    for text in pages:
        for line in text.split("\n"):
            body = line[:-1] if line.endswith("-") else line
            words.update(w.lower() for w in _WORD.findall(body))
            compounds.update(m.lower() for m in re.findall(r"[A-Za-z]+-[A-Za-z]+", body))
    return words, compounds


def dehyphenate(text: str, words: set[str], compounds: set[str]) -> str:
    """Join words broken at a line end.

    These documents hyphenate compounds ("risk-based"), not syllables, so the hyphen is
    kept unless the document itself spells the joined word without it elsewhere.
    """

    def join(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        whole = (left + right).lower()
        if whole in words and f"{left}-{right}".lower() not in compounds:
            return left + right
        return f"{left}-{right}"

    return re.sub(r"([A-Za-z]+)-\n\s*([a-z][A-Za-z]*)", join, text)


def tidy(text: str) -> str:
    text = re.sub(r"[ ]{2,}", " ", text)
    text = re.sub(r"\n[ ]+", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


@dataclass(frozen=True)
class CleanPage:
    text: str
    printed: str | None  # page number printed on the page, if one was found


def clean_document(raw_pages: list[str]) -> list[CleanPage]:
    """Clean every page of one document; document-wide passes see all pages at once."""
    pages = [undouble(strip_line_numbers(fix_characters(t))) for t in raw_pages]
    margins = find_margins(pages)
    stripped: list[tuple[str, str | None]] = []
    for text in pages:
        body, dropped = strip_margins(text, margins)
        number = printed_number(dropped) or printed_number(
            [x for x in _bare_number_lines(text, margins) if _PAGE_NUM.match(x.strip())]
        )
        stripped.append((body, number))
    words, compounds = vocabulary([b for b, _ in stripped])
    return [CleanPage(tidy(dehyphenate(b, words, compounds)), n) for b, n in stripped]


def resolve_labels(physical_count: int, printed: list[str | None]) -> list[str | None]:
    """Keep only printed numbers consistent with the document's dominant page offset.

    A stray number in a margin (a table cell, a year) would otherwise become a label.
    """
    offsets = Counter(i - int(p) for i, p in enumerate(printed, start=1) if p is not None and p.isdigit())
    if not offsets:
        return [p if p and not p.isdigit() else None for p in printed]
    out: list[str | None] = []
    for i, p in enumerate(printed, start=1):
        if p is None:
            out.append(None)
        elif p.isdigit():
            out.append(p if offsets[i - int(p)] >= 2 else None)
        else:
            out.append(p)
    assert len(out) == physical_count
    return out


def is_toc_page(text: str) -> bool:
    """A table of contents: most lines end in a page number (and it usually says so)."""
    lines = [x.strip() for x in text.split("\n") if x.strip()]
    if not lines:
        return False
    n = sum(1 for x in lines if re.search(r"\S.*?(?:\s|\.)\d{1,3}$", x))
    share = n / len(lines)
    return n >= 6 and (share >= 0.9 or (share >= 0.4 and "contents" in text.lower()))
