"""What each text unit of a page is, and the whole statements they form.

Chunking cuts a page into sentence units (a sentence, a list item, a heading line). A reader
needs more than a unit: a list's lead-in is empty without its items, a heading wrapped over
two lines is two units, "3." is a unit of its own in AI 800-1, and a sentence that runs over
a page break is two. ``statements`` rebuilds the statements a person would quote — a full
sentence, a lead-in with its items, an SSDF task with its R/C/N notes, a GenAI-profile
action with its risk tags — and ``unit_kind`` says which units are not statements at all
(headings, contents lines, table residue, footnotes). Everything stays an offset into the
cleaned page text, so every quote remains a verbatim slice of its page.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from core.text import collapse_ws
from core.types import Chunk, Span

UnitKind = Literal["prose", "lead_in", "item", "heading", "toc", "residue", "footnote", "marker", "fragment"]
StatementKind = Literal["sentence", "list", "row", "item", "heading", "toc", "residue", "footnote"]

# A list item: a bullet or "1." / "a)" / "(b)" marker, an SSDF note "R1:" (after an optional
# priority), a GenAI-profile action id "GV-1.3-007".
_BULLET_P = r"[•▪◦●■–-]\s*|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s"
_NOTE_P = r"(?:(?:High|Medium|Low)\s+)?[RCN]\d{1,2}:\s"
_BULLET = re.compile(rf"^(?:{_BULLET_P})")
_NOTE = re.compile(rf"^{_NOTE_P}")
_ITEM = re.compile(rf"^(?:{_BULLET_P}|{_NOTE_P}|(?:GV|MP|MS|MG)-\d+\.\d+-\d{{3}}\b)")
_CAPTION = re.compile(r"^(?:Fig\.|Figure|Table)\s*\d+[.:]?\s+[A-Z]")
_FIGURE_LABEL = re.compile(r"^(?:Fig\.|Figure|Table)\s+\d+\.?$")
_FIRST_NUMBER = re.compile(r"^\(?(?:1|a)[.)]\s")
_NUMBERED = re.compile(r"^\(?(\d{1,2}|[a-z])[.)]\s")
# "– and details about …": the rest of a sentence whose start is elsewhere.
_DASH_CONTINUES = re.compile(r"^[–—]\s+[a-z]")
# What a unit can start with that is not part of its statement: an SSDF table's provenance
# label ("[Not part of SSDF 1.1]") or a title line run into the text below it ("State of AI
# Incident Tracking and Disclosure" / "Formal channels do not …").
_LABEL = re.compile(r"^\[(?:Not part of|Modified from|New)[^\]]{0,40}\]\s*")
_TITLE_LINE = re.compile(r"^((?:[ivx]{1,4}|\d{1,2}(?:\.\d{1,2})*\.?)\s+)?([A-Z][^\n.:;?!]{2,80})\n(?=[A-Z•])")
_MARKER_ONLY = re.compile(r"^(?:[•▪◦●■–-]|\(?\d{1,2}[.)]|\(?[a-z][.)]|\d{1,2})$")
# SSDF task titles ("PW.1.1: …") and AI RMF / AI 800-1 statement titles.
_TASK = re.compile(r"^(?:(?:PO|PS|PW|RV)\.\d+\.\d+|(?:GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+)\s*:")
_OBJECTIVE = re.compile(r"^(?:Objective|Practice) \d+(?:\.\d+)?:")
_TOC = re.compile(r"\.{4,}|…{2,}|(?:\. ){4,}|^(?:table of )?contents$", re.I)
_TERMINAL = re.compile(r"[.!?:;][\"”’)\]]*\s*$")
# A footnote number glued to a word or to a sentence's end ("databases.37", "models”5"),
# never the last digit of "4.1".
_FOOTNOTE_TAIL = re.compile(r"(?:(?<=[a-z)”’\"])|(?<=[a-z)”’\"][.!?,;:]))\d{1,3}$")
_FOOTNOTE_HEAD = re.compile(r"^\d{1,3}\s+(?=[A-Z“\"])")
# Table residue: column headers, continuation notes, reference columns, risk-tag lists.
_RESIDUE = re.compile(
    r"^(?:\(Continued\)|Continued on next page|Categories Subcategories|Action ID Suggested Action|"
    r"Practice Task Priority|AI RMF:|OWASP:|MITRE ATLAS|Adv ML|NIST AI 100-2|AI Actor Tasks:|"
    r"\[(?:Modified|New|Not)[^\]]*\]\s*(?:High|Medium|Low)?\s*$|(?:Fig\.|Figure|Table)\s+\d+\.?$|"
    r"(?:Govern|Map|Measure|Manage) \d+\.\d+[,;])",
    re.IGNORECASE,
)
_FRONT = re.compile(
    r"^Acknowledg(?:e)?ments?\b|available free of charge|https?://doi\.org|"
    r"U\.S\. Department of Commerce|Secretary$|"
    r"^NIST (?:AI|SP) [\d-]+[A-Za-z]*$|^(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December) \d{4}$",
    re.IGNORECASE,
)


# A lead-in printed without its colon: "Organizations can document the following".
_OPEN_LEAD = re.compile(r"\b(?:the following|include|includes|including|such as|as follows)$", re.I)


def _is_caption(text: str) -> bool:
    """ "Fig. 4 Characteristics of trustworthy AI systems.": a figure's or table's caption (or
    its line in a list of figures) names what is shown; it states nothing."""
    return bool(_CAPTION.match(text)) and len(text.split()) <= 16


def _is_label_list(text: str) -> bool:
    """ "Data Privacy; Information Integrity; Confabulation": the GenAI profile's risk tags."""
    parts = [p.strip() for p in text.split(";")]
    return len(parts) >= 2 and all(
        len(p.split()) <= 7 and p[:1].isupper() and not re.search(r"\d", p) for p in parts if p
    )


# A line that stops mid-phrase cannot be a title: "Accountable &", "Risks of".
_OPEN_END = re.compile(r"(?:[&,]|\b(?:and|or|of|the|to|in|for|with|on|by|a|an|as|that|from))$", re.I)


def _is_title(line: str) -> bool:
    """A short line in title case: "State of AI Incident Tracking and Disclosure"."""
    words = line.split()
    long = [w for w in words if len(w) > 3]
    if not words or _OPEN_END.search(line.rstrip()):
        return False  # "Accountable &" / "Transparent is shown …" is one sentence wrapped
    return 2 <= len(words) <= 12 and bool(long) and sum(w[0].isupper() for w in long) >= 0.75 * len(long)


def lead_trim(text: str) -> int:
    """How many characters at the start of a unit's text are not its statement: a provenance
    label, or title lines run into the text below them ("Glossary" / "Capability of Concern"
    / "A capability of …"). 0 when none."""
    m = _LABEL.match(text)
    if m:
        return m.end()
    at = 0
    while (n := _title_end(text[at:])) and len(text[at + n :].split()) >= 4:
        at += n
    return at


def _title_end(text: str) -> int:
    """The end of a title line at the start of ``text``, or 0."""
    m = _TITLE_LINE.match(text)
    # A numbered title may be one word ("ii Audience"), as may a section label ("About",
    # "References").
    titled = m is not None and (
        _is_title(m.group(2))
        or (bool(m.group(1)) and len(m.group(2).split()) <= 3)
        or bool(re.fullmatch(r"[A-Z][a-z]{3,}", m.group(2)))
    )
    return m.end() if m is not None and titled else 0


# A table's column header or continuation note run onto the end of a row's text
# ("… construct validation" / "Action ID Suggested Action GAI Risks").
_RESIDUE_TAIL = re.compile(
    r"\s+(?:Action ID\s+Suggested Action\s+GAI Risks|Categories\s+Subcategories|Continued on next page)\s*$"
)


def tail_trim(text: str) -> int:
    """Where a unit's statement ends: before table residue run onto its end."""
    m = _RESIDUE_TAIL.search(text)
    return m.start() if m and m.start() > 0 else len(text)


def _ends(text: str) -> bool:
    return bool(_TERMINAL.search(_FOOTNOTE_TAIL.sub("", text)))


def unit_kind(text: str) -> UnitKind:
    """What one unit's text is, from the text alone (collapsed whitespace)."""
    t = collapse_ws(text)
    if not t:
        return "residue"
    if _MARKER_ONLY.match(t):
        return "marker"
    if _TOC.search(t):
        return "toc"
    if _DASH_CONTINUES.match(t) or t[:1].islower():
        return "fragment"  # the rest of a sentence whose start is elsewhere
    if _RESIDUE.match(t) or _is_label_list(t) or _FRONT.search(t) or _is_caption(t):
        return "residue"
    if _ITEM.match(t):
        return "item"
    if _FOOTNOTE_HEAD.match(t) and len(t.split()) > 4:
        return "footnote"
    if t.endswith(":") and len(t.split()) < 3:
        return "heading"  # "Appendix B:"
    if (t.endswith(":") and not _TASK.match(t)) or _OPEN_LEAD.search(t):
        return "lead_in"
    if not _ends(t) and not _TASK.match(t) and not _OBJECTIVE.match(t):
        return "heading"
    return "prose"


@dataclass(frozen=True, slots=True)
class Statement:
    """A quotable whole: ``units`` are (page, start, end) in reading order, possibly over a
    page break. ``parts`` splits a list or table row into its lead and items for display."""

    doc: str
    units: tuple[Span, ...]
    kind: StatementKind
    parts: tuple[tuple[int, int], ...] = ()  # index ranges of units: [lead], then each item
    label: str = ""  # a list's heading ("Suggested Actions"): its lead, shown but not quoted

    @property
    def page(self) -> int:
        return self.units[0].page

    @property
    def page_end(self) -> int:
        return self.units[-1].page

    def headlines(self, texts: Mapping[int, str], keep: Sequence[int] = ()) -> Statement:
        """The list with each item cut after its first sentence: a long list reads as its
        items' headlines ("Be a living document."), the elaboration left on the page — but
        for the items in ``keep`` (part numbers, 1 = first), which stay whole."""
        units: list[Span] = list(self.units[: self.parts[0][1]]) if self.parts else []
        parts = list(self.parts[:1])
        for n, (lo, hi) in enumerate(self.parts[1:], start=1):
            start = len(units)
            if n in keep:
                units.extend(self.units[lo:hi])
                parts.append((start, len(units)))
                continue
            for u in self.units[lo:hi]:
                units.append(u)
                text = collapse_ws(texts[u.page][u.start : u.end])
                if _ends(text) and unit_kind(text) != "marker":
                    break
            parts.append((start, len(units)))
        return replace(self, units=tuple(units), parts=tuple(parts))

    def part_of(self, unit: int) -> int:
        """The part (0 the lead, then each item) holding the statement's ``unit``-th unit."""
        return next((n for n, (lo, hi) in enumerate(self.parts) if lo <= unit < hi), 0)

    def only(self, items: Sequence[int]) -> Statement:
        """The list with its lead and only the ``items`` named (part numbers, 1 = first)."""
        units: list[Span] = list(self.units[: self.parts[0][1]])
        parts = [self.parts[0]]
        for n in sorted(set(items)):
            lo, hi = self.parts[n]
            parts.append((len(units), len(units) + hi - lo))
            units.extend(self.units[lo:hi])
        return replace(self, units=tuple(units), parts=tuple(parts))

    def pieces(self, texts: Mapping[int, str], upto: int | None = None) -> list[tuple[Span, str]]:
        """The quote, page by page: contiguous spans of the page texts, each with what joins
        it to the one before ("" first, " " over a page break, " … " over text left out on
        the same page, such as an SSDF provenance label)."""
        return pieces(self.units[:upto], texts)


def pieces(units: Sequence[Span], texts: Mapping[int, str]) -> list[tuple[Span, str]]:
    """Units merged into the fewest contiguous spans (see ``Statement.pieces``)."""
    out: list[tuple[Span, str]] = []
    for u in units:
        if out and out[-1][0].page == u.page and not texts[u.page][out[-1][0].end : u.start].strip():
            prev, sep = out[-1]
            out[-1] = (Span(u.page, prev.start, u.end), sep)
        else:
            sep = "" if not out else (" " if out[-1][0].page != u.page else " … ")
            out.append((Span(u.page, u.start, u.end), sep))
    return out


def item_text(text: str) -> str:
    """An item as a bullet shows it (collapsed text): its marker ("•", "3.") and a trailing
    footnote number cut; what is left is still a verbatim slice."""
    text = _BULLET.sub("", text, count=1)
    a, b = trim(text)
    return text[a:b]


def trim(text: str, glyph: bool = False) -> tuple[int, int]:
    """Offsets inside ``text`` with footnote markers cut from its ends ("databases.37" →
    "databases."; "6 Some commenters …" → "Some commenters …"), and with ``glyph`` a
    leading bullet glyph (an item quoted alone): still a verbatim slice."""
    start, end = 0, len(text.rstrip())
    bullet = re.match(r"[•▪◦●■]\s*", text) if glyph else None  # a bullet quoted alone
    if bullet:
        start = bullet.end()
    m = _FOOTNOTE_HEAD.match(text, start)
    if m and len(text[m.end() :].split()) > 4:
        start = m.end()
    m = _FOOTNOTE_TAIL.search(text[:end])
    if m and not re.search(r"\d[.,]?$", text[: m.start()]):
        end = m.start()
    return start, end


MAX_ITEMS = 12  # a list longer than this is cut, with "… and N more"
_TERM = re.compile(r"^[A-Z][\w()/-]*(?:\s+[\w()/-]+){0,5}$")  # a short term on its own line
_DEFINITION_START = re.compile(r"^(?:A|An|The)\s+[a-z]")


def statements(
    doc: str, units: Sequence[Span], pages: Mapping[int, str]
) -> tuple[list[Statement], list[int]]:
    """The statements of one document's units (in reading order), and for each unit the
    index of the statement that holds it.

    Rules, in order: a bare marker ("3.") joins the text after it; a unit that does not end
    a sentence continues into a following unit that starts in lower case (wrapped titles,
    sentences over a page break); a lead-in ending in ":" takes the items after it; an SSDF
    task or AI RMF subcategory title takes the R/C/N notes after it; an item takes the risk
    tags after it (GenAI-profile rows).
    """
    cuts = [lead_trim(pages[u.page][u.start : u.end]) if u.end > u.start else 0 for u in units]
    # The last title line cut from a unit's start: a glossary entry's term ("Capability of Concern").
    titles = [
        collapse_ws(pages[u.page][u.start : u.start + c].rstrip().rpartition("\n")[2])
        for u, c in zip(units, cuts, strict=True)
    ]
    units = [
        Span(u.page, u.start + c, u.start + tail_trim(pages[u.page][u.start : u.end]))
        if u.end > u.start
        else u
        for u, c in zip(units, cuts, strict=True)
    ]
    texts = [collapse_ws(pages[u.page][u.start : u.end]) for u in units]
    kinds = [unit_kind(t) for t in texts]
    # 1. Runs: a marker with its text, a unit with its lower-case continuation.
    runs: list[list[int]] = []
    i = 0
    while i < len(units):
        run = [i]
        while True:
            j = run[-1]
            nxt = j + 1
            if nxt >= len(units) or units[nxt].page - units[j].page > 1:
                break
            open_end = not _ends(texts[j]) and kinds[j] not in ("toc", "residue")
            # A title wrapped over lines goes on until it ends ("GOVERN 2.2: … receive" /
            # "AI risk management training …"); any other open line only into lower case.
            titled = bool(_TASK.match(texts[run[0]]) or _OBJECTIVE.match(texts[run[0]]))
            if (kinds[j] == "marker" and len(run) <= 2) or (
                open_end
                and (
                    texts[nxt][:1].islower()
                    or kinds[nxt] == "fragment"
                    or (titled and kinds[nxt] in ("prose", "heading", "lead_in"))
                )
            ):
                run.append(nxt)
                continue
            break
        runs.append(run)
        i = run[-1] + 1
    run_text = [collapse_ws(" ".join(texts[k] for k in r)) for r in runs]
    run_kind: list[UnitKind] = []
    for r, t in zip(runs, run_text, strict=True):
        k = unit_kind(t)
        if kinds[r[0]] == "marker" and k != "marker":
            k = "item"
        run_kind.append(k)
    # 2. Group runs into statements.
    out: list[Statement] = []
    owner = [0] * len(units)
    skipped: set[int] = set()
    attached: set[int] = set()
    i = 0
    while i < len(runs):
        if i in skipped:
            out.append(Statement(doc, tuple(units[u] for u in runs[i]), "residue", ((0, len(runs[i])),)))
            for u in runs[i]:
                owner[u] = len(out) - 1
            i += 1
            continue
        k = run_kind[i]
        head = run_text[i]
        members = [i]
        if k == "prose" and i > 0 and _FIGURE_LABEL.match(run_text[i - 1]) and len(head.split()) <= 12:
            k = "residue"  # "Fig. 4." / "Characteristics of trustworthy AI systems.": a caption
        bare = False  # a list without a lead-in
        kind: StatementKind
        if k in ("lead_in", "heading") or (k == "prose" and _TASK.match(head)):
            j = i + 1
            while j < len(runs) and len(members) <= 60:
                if run_kind[j] == "prose" and k != "prose" and run_kind[members[-1]] in ("item", "prose"):
                    # An item's second sentence ("• The data … context. Additionally, …"):
                    # part of the item when more items follow it.
                    after = next((x for x in range(j, min(j + 3, len(runs))) if run_kind[x] != "prose"), None)
                    if after is not None and run_kind[after] == "item" and len(members) > 1:
                        attached.add(j)
                        members.append(j)
                        j += 1
                        continue
                    break
                if run_kind[j] not in ("item", "residue"):
                    break
                if k == "prose" and run_kind[j] == "item" and not _NOTE.match(run_text[j]):
                    break  # a task's row holds its R/C/N notes, not the next table's items
                if run_kind[j] == "residue" and not _is_label_list(run_text[j]):
                    # A table's header repeated at the top of the next page does not end the
                    # list; it is left out of the quote.
                    if units[runs[j][0]].page != units[runs[members[-1]][-1]].page:
                        skipped.add(j)
                        j += 1
                        continue
                    break
                members.append(j)
                j += 1
            items = [m for m in members[1:] if run_kind[m] == "item"]
            # A heading leads a list only when two bullets or numbered items or more follow
            # ("Suggested Actions"); a GenAI risk tag above an action row is no list heading.
            if k == "heading" and (len(items) < 2 or not all(_BULLET.match(run_text[m]) for m in items)):
                items = []
            # A lead-in whose items never came is no statement: quoted alone it promises a list.
            kind = "sentence" if k == "prose" else "heading"
            if items:
                kind = "list" if k != "prose" else "row"
            else:
                members = [i]
        elif k == "item" and _FIRST_NUMBER.match(head):
            # A numbered list with no lead-in ("1. CBRN Information …", "2. Confabulation …"):
            # its items in order, an item's second sentence with it; the section names it.
            j, expect = i + 1, 2
            while j < len(runs) and len(members) <= 60:
                number = _NUMBERED.match(run_text[j])
                if run_kind[j] == "item" and number and number.group(1) in (str(expect), chr(96 + expect)):
                    members.append(j)
                    expect += 1
                elif run_kind[j] == "prose" and j + 1 < len(runs) and _NUMBERED.match(run_text[j + 1]):
                    attached.add(j)
                    members.append(j)
                else:
                    break
                j += 1
            kind = "list" if expect > 3 else "item"
            if kind == "item":
                members = [i]
            else:
                bare = True
        elif k == "item":
            j = i + 1
            while j < len(runs) and run_kind[j] == "residue" and _is_label_list(run_text[j]):
                members.append(j)
                j += 1
            kind = "item"
        elif k == "prose":
            kind = "sentence"
        elif k == "heading" or k == "toc" or k == "footnote" or k == "residue":
            kind = k
        else:  # a marker with nothing after it, or the rest of a sentence begun elsewhere
            kind = "residue"
        label = ""
        if kind == "list" and k == "heading":
            # The heading labels the list; the quote is the items.
            label = head
            members = members[1:]
        elif kind == "sentence" and _DEFINITION_START.match(head):
            # A glossary entry: the term on its line, its definition below ("Capability of
            # Concern" / "A capability of an AI model that …"): the term labels the definition.
            term = titles[runs[i][0]] or (run_text[i - 1] if i > 0 and run_kind[i - 1] == "heading" else "")
            if _TERM.match(term) and (
                titles[runs[i][0]] or units[runs[i - 1][-1]].page == units[runs[i][0]].page
            ):
                label = term
        # Trailing residue (risk tags) is shown with its row but is not an item.
        parts: list[tuple[int, int]] = []
        flat: list[int] = []
        for m in members:
            if m in attached and parts:
                parts[-1] = (parts[-1][0], len(flat) + len(runs[m]))  # the item's own sentence
            elif run_kind[m] != "residue" or m == members[0]:
                parts.append((len(flat), len(flat) + len(runs[m])))
            flat += runs[m]
        if (label and kind == "list") or bare:
            # Every part is an item: an empty lead keeps parts[0] the lead for all lists.
            parts.insert(0, (0, 0))
        out.append(Statement(doc, tuple(units[u] for u in flat), kind, tuple(parts), label))
        if label:
            for u in runs[i]:
                owner[u] = len(out) - 1
        for u in flat:
            owner[u] = len(out) - 1
        i = members[-1] + 1
    return out, owner


# ------------------------------------------------------------------ computed once, at ingest

# What the statements of a build depend on besides its text: this module's rules and the
# text helpers they use. A build's stored statements are used only while both are unchanged.
STATEMENTS_VERSION = hashlib.sha256(
    Path(__file__).read_bytes() + Path(collapse_ws.__code__.co_filename).read_bytes()
).hexdigest()[:16]


def document_units(chunks: Iterable[Chunk]) -> dict[str, list[tuple[Span, str, int]]]:
    """Each document's sentence units in reading order, with the chunk and sentence index
    holding each: the input of ``statements``, built alike at ingest and at load."""
    units: dict[str, list[tuple[Span, str, int]]] = {}
    for c in chunks:
        for i, s in enumerate(c.sentences):
            units.setdefault(c.doc, []).append((s, c.id, i))
    for us in units.values():
        us.sort(key=lambda u: (u[0].page, u[0].start))
    return units


def units_digest(units: Sequence[Span]) -> str:
    return hashlib.sha256(json.dumps([(u.page, u.start, u.end) for u in units]).encode()).hexdigest()[:16]


def statements_record(doc: str, units: Sequence[Span], pages: Mapping[int, str]) -> dict[str, Any]:
    """``statements`` of one document as JSON, with what they were computed from."""
    stmts, owner = statements(doc, units, pages)
    return {
        "version": STATEMENTS_VERSION,
        "units": units_digest(units),
        "owner": owner,
        "statements": [
            [[(u.page, u.start, u.end) for u in st.units], st.kind, st.parts, st.label] for st in stmts
        ],
    }


def stored_statements(
    record: Mapping[str, Any] | None, doc: str, units: Sequence[Span]
) -> tuple[list[Statement], list[int]] | None:
    """The statements a build stored for ``doc``, or None when the code that makes them or
    the units they came from have changed since (then they are computed again)."""
    made_from = (STATEMENTS_VERSION, units_digest(units))
    if not record or (record.get("version"), record.get("units")) != made_from:
        return None
    stmts = [
        Statement(
            doc,
            tuple(Span(p, a, b) for p, a, b in spans),
            kind,
            tuple((lo, hi) for lo, hi in parts),
            label,
        )
        for spans, kind, parts, label in record["statements"]
    ]
    return stmts, list(record["owner"])
