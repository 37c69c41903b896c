"""Signals that the documents do not answer a question, beyond weak similarity.

Two kinds of unanswerable question are common and look on-topic to an embedder:
questions after a quantity the documents never give ("how many hours", "what dollar
fine"), and questions about something the documents never mention (a state law, another
standard). Both are checked against the text itself, not guessed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

_QUANTITY = re.compile(
    r"\bhow (?:many|much|long|often|soon)\b"
    r"|\b(?:what|which)\s+(?:[\w-]+\s+){0,2}?(?:dollar|date|year|percentage|percent|number|"
    r"amount|ratio|deadline|threshold|key length)s?\b"
    r"|\bby what date\b|\b(?:maximum|minimum)\s+(?:[\w-]+\s+){0,2}?(?:fine|penalty|length|amount|"
    r"number)s?\b|\bclosing date\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|"
    r"thousand|million|billion|tens|hundreds|thousands|millions|billions|trillions|dozens|percent|half|"
    r"annual(?:ly)?|daily|weekly|monthly|quarterly|yearly)\b",
    re.IGNORECASE,
)
_SALIENT = re.compile(
    r"\b(?:[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]+(?:'s)?|[A-Z]{2,}[a-z]*s?|[A-Za-z]*\d[\w/-]*)\b"
)  # "FedRAMP", "Colorado's", "SBOMs", "42001"
_COMMON = frozenset(
    [
        "i",
        "we",
        "our",
        "my",
        "us",
        "you",
        "what",
        "which",
        "who",
        "how",
        "does",
        "do",
        "is",
        "are",
        "can",
        "should",
        "would",
        "could",
        "when",
        "where",
        "why",
        "if",
        "the",
        "a",
        "an",
        "in",
        "on",
        "for",
        "of",
        "to",
        "and",
        "or",
        "does",
        "my",
        "our",
        "their",
        "nist",
        "ai",
        "genai",  # generative AI, as the documents' "GAI"
        # Job titles say who asks ("I'm the CISO at …"), not what the question is about.
        "ciso",
        "cio",
        "cto",
        "ceo",
        "cfo",
        "coo",
        "cdo",
        "it",
        "hr",
        "vp",
    ]
)


_ACTION_Q = re.compile(
    r"\b(?:what|how)\s+(?:should|must|do|can|could)\s+(?:we|i|an? \w+|organizations?|companies|developers?)\b"
    r"|\bwhat (?:steps|actions|measures|controls|practices)\b|\bwhat do we (?:need|have) to\b"
    r"|\bhow (?:do|can|should) (?:we|i)\b|\brecommend"
    # "what does the draft tell us to do", "… say we should do", "… say developers should do"
    r"|\b(?:tells?|wants?|expects?|asks?|advises?|urges?)\s+(?:us|me|them|you|\w+s)\s+to\s+(?:do|take)\b"
    r"|\b(?:we|i|you|they|\w+s)\s+(?:should|must|ought to|need to)\s+(?:do|put in place|have in place)\b",
    re.IGNORECASE,
)
_DIRECTIVE_SECTION = re.compile(r"suggested action|recommendation|practice|\b(?:PO|PS|PW|RV)\.\d", re.I)
_DIRECTIVE_TEXT = re.compile(
    r"^\W*[A-Z][a-z]+(?:\s|,)"  # "Establish …"
    r"|\b(?:should|recommend(?:s|ed)?|are encouraged to)\b",
)
# The label a table row or note opens with: "MS-2.5-003 Review …", "PS.1.3: Protect …",
# "High R1: Keep …", "C1: Consider …".
_ROW_LABEL = re.compile(
    r"^\W*(?:(?:GV|MP|MS|MG)-\d+\.\d+-\d{3}\s+|(?:PO|PS|PW|RV)\.\d+\.\d+:\s+"
    r"|(?:(?:High|Medium|Low)\s+)?[RCN]\d+:\s+)"
)
_NOT_IMPERATIVE = re.compile(
    r"^\W*(?:The|This|These|That|Those|It|AI|A|An|In|For|Some|Many|Such|When|If|As|[A-Z][a-z]+ing)\b"
)


def asks_for_actions(question: str) -> bool:
    """ "What should we do …", "how can we …", "what steps …": the asker wants guidance."""
    return bool(_ACTION_Q.search(question))


def is_directive(text: str, section: str) -> bool:
    """A sentence of a suggested-action, recommendation or practice section that tells
    someone to do something: an imperative ("Establish policies …") or a "should".
    Elsewhere "should" is too often about the framework itself to count."""
    if not _DIRECTIVE_SECTION.search(section):
        return False
    if re.search(r"\b(?:should|recommend(?:s|ed)?|are encouraged to)\b", text):
        return True
    text = _ROW_LABEL.sub("", text, count=1)
    return not _NOT_IMPERATIVE.match(text) and bool(_DIRECTIVE_TEXT.search(text))


# "fine" but not "fine-tune" / "fine tuning": the hyphen is a word boundary.
_PENALTY_Q = re.compile(
    r"\b(?:fines?(?![\s\-‐‑]*tun)|penalt(?:y|ies)|sanctions?|punish\w*|sued|lawsuits?|liable)\b", re.I
)
_PENALTY_TEXT = re.compile(
    r"\b(?:fines?d?(?![\s\-‐‑]*tun)|penalt(?:y|ies)|sanctions?|punish\w*|liab(?:le|ility)|enforcement|lawsuits?|sue[ds]?"
    r"|legal action|litigation|safe harbors?)\b",
    re.I,
)


def asks_penalty(question: str) -> bool:
    """ "What fines can a developer face …": the answer must speak of consequences."""
    return bool(_PENALTY_Q.search(question))


def mentions_penalty(texts: Iterable[str]) -> bool:
    return any(_PENALTY_TEXT.search(t) for t in texts)


# "Which SLSA build level", "what FedRAMP impact level": a named scheme's level is a figure.
_LEVEL_Q = re.compile(
    r"\b[Ww](?:hat|hich)\s+(?:[A-Z]{2,}[\w-]*|[A-Z][a-z]+[A-Z][\w-]*)\s+(?:[a-z-]+\s+)?(?:level|tier)s?\b"
)


def asks_quantity(question: str) -> bool:
    return bool(_QUANTITY.search(question) or _LEVEL_Q.search(question))


_IDENT_NUMBER = re.compile(
    r"\b[A-Z]{2,}[- .]?\d+(?:[.-]\d+)*\b|\b[A-Z]\d+\b|\b\d+(?:\.\d+)+\b|^\s*\d{1,2}[.)]\s"
    r"|\S+@\S+"  # identifiers (GV-1.2, R4, 2.1.3), list markers, e-mail addresses
)
_MONEY_Q = re.compile(
    r"\b(?:dollars?|how much money|how much does it cost|fines?(?![\s\-‐‑]*tun))\b|\$", re.IGNORECASE
)
_MONEY = re.compile(r"\$\s?\d|\b\d[\d,.]*\s*(?:dollars|USD|million|billion)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_MONTH = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_DATE_Q = re.compile(
    r"\b(?:date|deadline|by when|what year|which year|when (?:is|was|will|do|does|did|must))\b", re.I
)
_UNIT_AFTER = re.compile(
    r"\bhow (?:many|much)\s+(?:\w+\s+){0,2}?(\w+)|\bwhat (?:dollar|percentage|percent|ratio)\b",
    re.IGNORECASE,
)


# "What threshold, in FLOPs, …": the unit a figure must come with.
_UNIT_IN = re.compile(
    r"\bin\s+(flops|hours|days|weeks|months|years|dollars|parameters|bits|bytes|seconds|minutes)\b",
    re.IGNORECASE,
)


def has_number(texts: Iterable[str], question: str = "") -> bool:
    """Whether the texts give a quantity: a number that is not an identifier or list marker,
    near the unit the question asks about ("how many *hours*") when it names one."""
    m = _UNIT_AFTER.search(question) or _UNIT_IN.search(question)
    unit = (m.group(1) or "").lower().rstrip("s") if m and m.lastindex else ""
    if _MONEY_Q.search(question):  # an amount of money is a currency figure
        return any(_MONEY.search(t) for t in texts)
    if _DATE_Q.search(question):  # a date is a month or a year, not any number
        return any(_MONTH.search(t) or _YEAR.search(_IDENT_NUMBER.sub(" ", t)) for t in texts)
    for t in texts:
        body = _YEAR.sub(" ", _IDENT_NUMBER.sub(" ", t))  # a year is not an amount
        for n in _NUMBER.finditer(body):
            if not unit:
                return True
            window = body[max(0, n.start() - 40) : n.end() + 40].lower()
            if unit in window:
                return True
    return False


_NAME_WORD = r"(?:[A-Z][a-z]+[A-Z]\w*|[A-Z][a-z]+|[A-Z]{2,}s?)"
# A name of several capitalised words: "Colorado AI Act", "NERC CIP", "Local Law 144".
_NAME_RUN = re.compile(rf"\b{_NAME_WORD}(?:\s+{_NAME_WORD})+\b")


def vocabulary(texts: Iterable[str]) -> set[str]:
    """The words of ``texts``, lower-cased, and each pair of capitalised words that stand
    together in them ("ai act"), so that a name is known only as the texts write it."""
    vocab: set[str] = set()
    for t in texts:
        vocab.update(w.lower() for w in re.findall(r"[A-Za-z0-9][\w/-]*", t))
        for m in _NAME_RUN.finditer(" ".join(t.split())):
            words = m.group(0).lower().split()
            vocab.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    return vocab


def specific_unknowns(names: Sequence[str]) -> int:
    """How much the question's ``unknown_names`` weigh: proper names count one each,
    numbers two (a standard, clause or statute number no document contains is what the
    question is about); bare acronyms only when two or more are unknown (a single one,
    "GPU", is more often a generic term than the subject of the question)."""
    numbers = [n for n in names if any(ch.isdigit() for ch in n)]
    acronyms = [n for n in names if n.isupper() and " " not in n and n not in numbers]
    rest = len(names) - len(numbers) - len(acronyms)
    return rest + 2 * len(numbers) + (len(acronyms) if len(acronyms) >= 2 else 0)


# A law, rule or standard by name ("the Colorado AI Act", "Local Law 144").
_INSTRUMENT = re.compile(
    r"\b(?:Act|Law|Regulation|Directive|Statute|Bill|Ordinance|Rule|Order|Standard)s?\b(?:\s+\d[\w.-]*)?$"
)


def unknown_instruments(names: Sequence[str]) -> list[str]:
    """The laws, rules and standards among the question's ``unknown_names``: what such a
    question hinges on, so the documents cannot answer it whatever else they say."""
    return [n for n in names if " " in n and _INSTRUMENT.search(n)]


def unknown_names(question: str, vocab: set[str]) -> list[str]:
    """Proper names, acronyms and numbers of the question that no passage contains, and
    names of several words no passage writes together ("Colorado AI Act", though passages
    say "Colorado" and "AI Act")."""
    out = []
    inside: list[tuple[int, int]] = []  # the words of a name already counted
    for m in _NAME_RUN.finditer(question):
        words = m.group(0).split()
        if m.start() == 0 or question[: m.start()].rstrip().endswith((".", "?", "!", ":")):
            words = words[1:]  # capitalised for starting the sentence
        if sum(w.lower() not in _COMMON for w in words) < 2:
            continue
        low = [w.lower() for w in words]
        if any(f"{a} {b}" not in vocab for a, b in itertools.pairwise(low)):
            out.append(" ".join(words))
            inside.append((m.start(), m.end()))
    words = question.split()
    for m in _SALIENT.finditer(question):
        if any(a <= m.start() < b for a, b in inside):
            continue
        token = m.group(0)
        base = re.sub(r"'s$", "", token).lower()
        if base in _COMMON or len(base) < 2:
            continue
        # A capitalised first word is just the start of the sentence.
        if words and m.start() == 0 and token[0].isupper() and not token.isupper():
            continue
        # "SLA" is known when the passages say "SLAs", and "SLAs" when they say "SLA".
        if not {base, base.rstrip("s"), base + "s"} & vocab:
            out.append(token)
    return list(dict.fromkeys(out))
