"""How askers describe themselves: which sentences are about the asker, and which words in
them are the asker's own rather than a customer's, a supplier's or a document's.

Separate from the taxonomy (``corpus/roles.py``), which says *what* the cues are; this
module reads a question for them. Rules here are about English, not about any role.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Who the asker *is* says more than what they do: a hospital building an assistant on a
# vendor's model is an owner-operator, not a developer.
CUE_WEIGHTS = {"synonyms": 3.0, "organisations": 3.0, "titles": 2.0, "activities": 1.0}
ORDER_DECAY = 0.85  # each further cue in a sentence counts this much less than the one before
LATER_SENTENCE = 0.5  # the first sentence where askers speak of themselves is who they are


@dataclass(frozen=True)
class CueMatch:
    """Words of a self-description that point at a role."""

    role: str
    kind: str  # synonyms | organisations | titles | activities
    start: int  # character offsets in the question
    end: int
    weight: float


# (role, kind, stem sequence, small words of its own phrase, words allowed between its words)
Cue = tuple[str, str, tuple[str, ...], frozenset[str], int]


def compile_cues(groups: Iterable[tuple[str, str, Iterable[str], int]]) -> list[Cue]:
    """(role, kind, phrases, gap) → the stem sequences ``cues`` looks for, each with the small
    words its phrase has of its own ("department of the treasury") and how many other words
    may come between its words."""
    seqs: dict[tuple[str, str, tuple[str, ...]], tuple[set[str], int]] = {}
    for role, kind, ps, gap in groups:
        for p in ps:
            seq = stems(p)
            if seq and seq not in _TOO_COMMON:
                small = {w.lower() for w in _WORD.findall(p) if w.lower() in _SKIP}
                had, had_gap = seqs.get((role, kind, seq), (set(), 0))
                seqs[(role, kind, seq)] = (had | small, max(had_gap, gap))
    return [(role, kind, seq, frozenset(small), gap) for (role, kind, seq), (small, gap) in seqs.items()]


def cues(text: str, compiled: Sequence[Cue]) -> list[CueMatch]:
    """Every cue in the asker's self-descriptions that counts towards a role, with its
    weight after the order and sentence discounts (see ``Taxonomy.detect``)."""
    found: list[CueMatch] = []
    for nth, (start, end) in enumerate(self_descriptions(text)):
        toks = _tokens(text, start, end)
        # "As the union steward, …" says outright who is asking, wherever it comes; so do
        # "I'm a nurse at …" and a closing "(research scientist, foundation model lab)" when
        # nothing before them has said it ("I'm a journalist. I'm in the middle of a story
        # about a GPU cloud" is a journalist).
        said = text[start:end].strip()
        outright = _AS_A.search(said) or (
            not found and (_IDENTITY.search(said) or _signs_off(text, start, end))
        )
        discount = 1.0 if outright else LATER_SENTENCE**nth
        matches: list[tuple[int, int, str, float, str]] = []  # (first, last, role, weight, kind)
        present = {t.stem for t in toks}
        for role, kind, seq, small, gap in compiled:
            if seq[0] not in present:
                continue
            for pos, last in _find(toks, seq, gap):
                if gap < MAX_GAP and last > pos and toks[pos + 1].stem in _IDIOM_OBJECTS:
                    continue  # "make sure the app …", "build trust in the AI system"
                # A name ("water utility") takes at most two words inside it, small ones
                # included, and no preposition or article of its own: "water and
                # wastewater utility", not "AI RMF tell the companies" or "pipeline for
                # a company".
                inside = _WORD.findall(text[toks[pos].start : toks[last].end])
                if kind != "activities" and (
                    len(inside) - len(seq) > MAX_GAP
                    or any(w.lower() in _SKIP - small - {"and", "or"} for w in inside)
                ):
                    continue
                # Only the sentence's own words say whose it is: "… machine? Our county"
                # is not "to … county".
                before = text[start : toks[pos].start]
                if _negated(before):
                    continue  # "we don't build models"
                # The second of a pair shares the first's standing: "to startups and a couple
                # of university labs", "that grid operators and airlines consume".
                heads = [before, *_conjuncts(before)]
                if any(_other_party(b) for b in heads) and (kind != "activities" or _relative(before)):
                    continue  # "we rent GPUs to labs that train models": the labs train
                if kind == "activities" and _THEIRS.search(before[-25:]):
                    continue  # "customers upload their fine-tuned checkpoints"
                if kind == "activities" and _LETS.search(before[-40:]):
                    continue  # "we let people deploy models": the people deploy
                name = text[toks[pos].start : toks[last].end]
                if kind != "activities" and any(
                    _not_the_asker(kind, name, b, text[toks[last].end : end], seq) for b in heads
                ):
                    continue
                matches.append((pos, last, role, CUE_WEIGHTS[kind], kind))
        # One cue per stretch of words, the strongest: "university researcher" is a
        # university (organisation) before it is a researcher (title).
        matches.sort(key=lambda m: (-m[3], m[0] - m[1], m[0]))
        taken: set[int] = set()
        kept = []
        for m in matches:
            span = set(range(m[0], m[1] + 1))
            if not span & taken:
                taken |= span
                kept.append(m)
        # A cue right before another one only modifies it: a "banking regulator" is a
        # regulator, a "utility commission" a commission.
        nouns = {m[0] for m in kept if m[3] > CUE_WEIGHTS["activities"]}
        kept = [
            m
            for m in kept
            if not (m[1] + 1 in nouns and not text[toks[m[1]].end : toks[m[1] + 1].start].strip(" -"))
        ]
        for n, (first, last, role, weight, kind) in enumerate(sorted(kept)):
            w = weight * ORDER_DECAY**n * discount
            found.append(CueMatch(role, kind, toks[first].start, toks[last].end, w))
    return found


_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?", re.IGNORECASE)
# First person; "us" only in lower case ("US banks" is the country).
_FIRST_PERSON = re.compile(
    r"\b(?:[Ii]|[Ii]['’]m|[Ii]['’]ve|[Ww]e|[Ww]e['’](?:re|ve)|[Oo]urs?|us|[Mm]y|[Mm]e)\b"
)
_IMPERATIVE = re.compile(
    r"^\W*(?:explain|list|compare|describe|summari[sz]e|tell|give|show|find|name|outline|define|"
    r"identify|quote|cite|what|which|who|how|why|when|where|does|do|is|are|can|should)\b",
    re.IGNORECASE,
)
# "As CTO of …", "Asking as the head of …", "Asking for the safety team at …", "Staffer here."
_AS_A = re.compile(
    r"^\W*(?:(?:asking|writing|speaking)\s+)?as\b|^\W*asking\s+(?:for|on behalf of)\b(?!\s+a\s+friend)"
    r"|\bhere\W*$",
    re.IGNORECASE,
)
# "I'm a …", "I am in data analytics at …", "we're the model vendor", "I work for …": who the
# asker is, said outright ("we're building …" is what they do, not who they are).
_IDENTITY = re.compile(
    r"\b(?:i['’]m|i\s+am|we['’]re|we\s+are)\s+(?:a|an|the|in|with|at|on|part\s+of|one\s+of)\b"
    r"|\bi\s+work\s+(?:at|for|in|on|with)\b",
    re.IGNORECASE,
)
# A doing word whose object does the next thing: "we let people deploy models", "we help
# utilities adopt AI".
_LETS = re.compile(
    r"\b(?:let|lets|allow|allows|help|helps|enable|enables)\s+(?!(?:us|me)\b)(?:\w+\s+){0,2}\w+\s*$", re.I
)
# Words that open a closing remark about the topic, not about the asker: "Especially
# frontier labs.", "Water utilities, mainly.", "Hospital-focused answer please."
_REMARK_WORDS = frozenset(
    [
        "especially",
        "mainly",
        "mostly",
        "specifically",
        "particularly",
        "primarily",
        "e",
        "g",
        "eg",
        "ie",
        "example",
        "instance",
        "please",
        "thanks",
        "thank",
        "focus",
        "assume",
        "consider",
        "note",
        "keep",
        "include",
        "also",
        "too",
        "only",
        "just",
        "answer",
        "asking",
        "need",
        "want",
    ]
)
_CLAUSE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|could|should|may|might|must|does|do|did)\b",
    re.IGNORECASE,
)
# A sentence ends at . ? ! or ; but not at the dot of "2.7" or "800-1.1".
_SENTENCE = re.compile(r"(?:[^.?!;]|\.(?=\d))+[.?!;]?")
_LABEL = re.compile(r"^\W*(?:context|background|about (?:me|us)|for context|fyi)\W*$", re.IGNORECASE)
_TOPIC_WORDS = frozenset(["for", "about", "vs", "versus", "and", "or", "question", "questions"])
_LEAD_IN = re.compile(r":\s|\s[-–—]+\s")
LEAD_IN_WORDS = 10
# Words a cue sequence skips on both sides, and heads that name the same kind of body.
# ("our"/"my" stay: a cue such as "our vendor" must not shrink to "vendor".)
_SKIP = frozenset(
    ["a", "an", "the", "your", "their", "its", "of", "and", "or", "to", "for", "in", "on", "at"]
)
_HEADS = {"organization": "org", "organisation": "org", "group": "org", "association": "org"}
# Words before a cue that make it someone else: "models from model hubs", "we sell to
# hospitals", "tenants include utilities", "customers who are mostly frontier labs".
_OTHER_PARTY = frozenset(
    [
        "from",
        "to",
        "with",
        "like",
        "by",
        "via",
        "than",
        "into",
        "customer",
        "customers",
        "client",
        "clients",
        "tenant",
        "tenants",
        "users",
        "vendor",
        "vendors",
        "supplier",
        "suppliers",
        "covering",
        "represent",
        "represents",
        "representing",
        "regulate",
        "regulates",
        "regulating",
        "require",
        "requires",
        "requiring",
        "oversee",
        "oversees",
        "supervise",
        "supervises",
        "fund",
        "funds",
        "serve",
        "serves",
        "their",
        "ask",
        "let",
        "lets",
        "allow",
        "allows",
        "enable",
        "enables",
    ]
)
_POSSESSIVE = re.compile(r"['’]s?$")
_NEGATIONS = frozenset(["not", "don't", "don’t", "doesn't", "doesn’t", "never", "aren't", "aren’t", "isn't"])
_QUANTIFIERS = frozenset(["a", "an", "the", "few", "couple", "of", "some", "several", "many", "mostly"])
_THEIRS = re.compile(r"\btheir\b(?:\s+\w+)?\s*$", re.IGNORECASE)
# Places, not employers, after "in our": "landlords in our city".
_PLACES = frozenset(["city", "county", "town", "state", "region", "area", "country", "community"])
_MEMBER_OF = frozenset(["i'm", "i’m", "am", "we're", "we’re", "are", "i've", "been"])
_BECAUSE = (["because"], ["since"], ["as"])
# Words right after a name that make it someone else: "our hospital clients", "bank customers".
_PARTY_AFTER = frozenset(
    ["client", "clients", "customer", "customers", "tenant", "tenants", "partner", "partners"]
)
# A name followed by one of these is a document's: "the DHS framework", "CISA's guidance".
_DOCUMENT_NOUNS = frozenset(
    [
        "framework",
        "guidance",
        "guidelines",
        "profile",
        "playbook",
        "draft",
        "document",
        "roles",
        "paper",
    ]
)
# What a maker makes: "<product> for <organisation>" names a customer.
_PRODUCTS = frozenset(
    [
        "model",
        "tool",
        "product",
        "system",
        "agent",
        "app",
        "chatbot",
        "software",
        "service",
        "solution",
        "platform",
        "api",
        "controller",
        "assistant",
        "node",
        "cluster",
    ]
)
_NUMBERS = frozenset(["one", "two", "three", "four", "five", "dozen", "dozens", "hundreds", "thousands"])
# "our cloud provider", "my AI vendor": the asker buys from them.
_SUPPLIER_HEADS = frozenset(["vendor", "supplier", "provider", "contractor", "partner", "host"])
_TOO_COMMON = {("model",), ("ai",), ("data",), ("system",), ("our",), ("my",)}  # cues that say nothing alone
MAX_GAP = 2  # words allowed between a cue's words: "train large models" is "train models"
_HYPHENS = re.compile(r"-(?:[a-z]+-)*", re.IGNORECASE)  # "speech-to-text" is one word
PAIR_GAP = 1  # between a doing word and its object: "build AI agents", not "make sure our app"


@dataclass(frozen=True)
class _Tok:
    stem: str
    raw: str
    start: int
    end: int
    word: int = 0  # which word it is: "speech-to-text" is one word of three tokens


def _stem(word: str) -> str:
    """A light stemmer: plural and verb endings only. Snowball is too eager here: it makes
    "reporter" into "report", and a journalist cue would fire on "who reported it"."""
    w = word.lower().replace("’", "'").removesuffix("'s")
    if w in ("we're", "we've", "we'd", "we'll"):
        return "we"  # "the model we're building" is "the model we build"
    if w in _HEADS:
        return _HEADS[w]
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # running → run, but not install → instal
            break
    return w.removesuffix("e") if len(w) > 3 else w


# After a doing word, these make an idiom, not a thing made: "make sure", "build trust".
_IDIOM_OBJECTS = frozenset(
    _stem(w) for w in ["sure", "certain", "trust", "confidence", "sense", "use", "decision", "capacity"]
)


def stems(phrase: str) -> tuple[str, ...]:
    return tuple(_stem(w) for w in _WORD.findall(phrase) if w.lower() not in _SKIP)


def _tokens(text: str, start: int, end: int) -> list[_Tok]:
    out: list[_Tok] = []
    for m in _WORD.finditer(text[start:end]):
        if m.group(0).lower() in _SKIP:
            continue
        a, b = m.start() + start, m.end() + start
        joined = _HYPHENS.fullmatch(text[out[-1].end : a]) if out else None
        word = out[-1].word + (not joined) if out else 0
        out.append(_Tok(_stem(m.group(0)), m.group(0).lower(), a, b, word))
    return out


def _find(toks: Sequence[_Tok], seq: tuple[str, ...], gap: int = MAX_GAP) -> Iterable[tuple[int, int]]:
    """(first, last) token positions where ``seq`` occurs in order, at most ``gap`` words apart."""
    for i, t in enumerate(toks):
        if t.stem != seq[0]:
            continue
        at, ok = i, True
        for s in seq[1:]:
            reach = toks[at].word + 1 + gap  # "make a speech-to-text SDK": one word between
            nxt = None
            for j in range(at + 1, len(toks)):
                if toks[j].word > reach:
                    break
                if toks[j].stem == s:
                    nxt = j
                    break
            if nxt is None:
                ok = False
                break
            at = nxt
        if ok:
            yield i, at


def _negated(before: str) -> bool:
    """ "We don't build models", "we never train": the cue is what the asker does not do."""
    return any(w.lower() in _NEGATIONS for w in _WORD.findall(before[-30:])[-3:])


def _conjuncts(before: str) -> list[str]:
    """For a cue that is the second of a pair ("… to startups and a couple of university
    labs"), the text before each possible first member, so that it is judged as the first
    one is; empty when the cue follows no "and"/"or"."""
    words = list(_WORD.finditer(before))
    k = len(words)
    while k and words[k - 1].group(0).lower() in _QUANTIFIERS:
        k -= 1
    if not k or words[k - 1].group(0).lower() not in ("and", "or"):
        return []
    return [before[: words[j].start()] for j in range(max(0, k - 5), k - 1)]


def _other_party(before: str) -> bool:
    """Whether the last words of ``before`` (up to a cue) make the cue someone else's; "I'm
    with a nonprofit" is membership, not company, and "to our platform" is ours."""
    words = [w.lower() for w in _WORD.findall(before[-60:])[-5:]]
    if words[-1:] in (["our"], ["my"]):
        return False  # "upload models to our platform": ours whatever came before
    return any(
        w in _OTHER_PARTY
        and not (w == "with" and k and words[k - 1] in _MEMBER_OF)
        # "require us as a hospital", "let me, a hospital CISO, ask": the asker is the object
        and words[k + 1 : k + 2] not in (["us"], ["me"])
        # "I ask because we're …" is the asker asking; "we ask hospitals to …" and "I ask
        # because hospitals …" are not
        and not (
            w == "ask"
            and words[k - 1 : k] in (["i"], ["we"])
            and words[k + 1 : k + 2] in _BECAUSE
            and bool(_FIRST_PERSON.fullmatch(words[k + 2] if k + 2 < len(words) else ""))
        )
        for k, w in enumerate(words)
        if k >= len(words) - 4
    )


def _not_the_asker(kind: str, name: str, before: str, after: str, seq: tuple[str, ...]) -> bool:
    """A name that is someone else's by the words around it: "our hospital clients", "the
    DHS framework" (a document's name), "our AI vendor" (whom the asker buys from), "models
    for grid operators" and "notes for doctors" (whom a product serves), "an API that banks
    plug into" (a customer)."""
    nxt = [_POSSESSIVE.sub("", w.lower()) for w in _WORD.findall(after[:40])[:3]]
    if nxt and nxt[0] in _PARTY_AFTER | _DOCUMENT_NOUNS:
        return True  # "our hospital clients", "the DHS framework('s)"
    ahead = list(itertools.takewhile(lambda w: not w.endswith(("ing", "ed")), nxt))
    if _POSSESSIVE.sub("", name).isupper() and _DOCUMENT_NOUNS & set(ahead):
        return True  # an agency as a document's author: "the DHS critical infrastructure framework"
    words = [w.lower() for w in _WORD.findall(before[-60:]) if w.lower() not in ("a", "an", "the")]
    if words[-2:] in (["in", "our"], ["in", "my"]) and name.lower() in _PLACES:
        return True  # "landlords in our city": a place
    while len(words) > 1 and (words[-1] in _QUANTIFIERS or words[-1] in _NUMBERS or words[-1].isdigit()):
        words.pop()  # "nodes for two mobile carriers" is "nodes for … carriers"
    if words[-1:] == ["for"] and (
        kind == "titles" or (len(words) > 1 and words[-2].removesuffix("s") in _PRODUCTS)
    ):
        return True
    if words[-1:] in (["that"], ["which"]):
        return True
    return bool(words) and words[-1] in ("our", "my") and seq[-1] in _SUPPLIER_HEADS


def _relative(before: str) -> bool:
    """Whether a relative clause ("… labs that train models", "a service where customers
    deploy models") opens at the end of ``before``."""
    return any(
        w.lower() in ("that", "who", "which", "whose", "where") for w in _WORD.findall(before[-30:])[-2:]
    )


def self_descriptions(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences where the asker speaks of themselves: first person, "As the
    CISO of …", or a statement that leads into the question ("Network engineer at a CDN
    here. …") — not a request ("Compare the duties of AI developers and cloud providers")."""
    spans = sentences(text)
    said = [text[a:b] for a, b in spans]
    # A statement without "I" or "we" describes the asker when it leads into the question
    # and is a bare description ("Hospital CISO.", "Trucking company, 2,000 tractors."), not
    # a clause about others ("Hospitals are deploying AI staffing tools.": a helper verb
    # among its first words), or when a label introduces it ("Context: regional hosting
    # company that just added GPU instances").
    return [
        span
        for k, (span, x) in enumerate(zip(spans, said, strict=True))
        if _FIRST_PERSON.search(x)
        or _AS_A.search(x.strip())
        or (k > 0 and _LABEL.match(said[k - 1]))
        or (k < len(said) - 1 and not x.rstrip().endswith("?") and not _request_or_clause(x))
        or _signs_off(text, *span)
    ]


def _request_or_clause(x: str) -> bool:
    """ "Compare the duties of …" or "Hospitals are deploying …" (a helper verb among its
    first words): not a bare description of the asker."""
    return bool(_IMPERATIVE.match(x) or _CLAUSE.search(" ".join(x.split()[:4])))


def _signs_off(text: str, start: int, end: int) -> bool:
    """A short description of the asker that closes the question after it has been asked:
    "… don't release? (research scientist, foundation model lab)", "PhD student working on
    algorithmic fairness." — not a remark about the topic ("Especially frontier labs.",
    "Versus hospitals.", "Water utilities, mainly.", "The deployer or the developer.")."""
    x = text[start:end].strip()
    bare = x.strip("().")
    words = [w.lower() for w in _WORD.findall(bare)]
    if (
        text[end:].strip()
        or "?" not in text[:start]
        or "?" in x
        or not 0 < len(words) <= LEAD_IN_WORDS
        or _request_or_clause(bare)
        or _TOPIC_WORDS & set(words)
        or _REMARK_WORDS & set(words)
    ):
        return False
    if x.startswith("(") and x.rstrip(".").endswith(")"):
        return True  # "(patient advocacy org)": an aside about who asks
    # Otherwise a person or a body, named first: "PhD student working on …", not a list
    # ("Cloud, developers, operators, …") or a plural topic ("Local news.").
    head = re.split(r",|\s(?:\w+ing|at|in|on|with|from|of)\s", bare + " ", maxsplit=1)[0].split()
    last = head[-1].lower() if head else ""
    return bare.count(",") <= 1 and not _plural(last)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (not broken inside "MEASURE 2.7"); a short lead-in before a colon or a
    spaced dash is one of its own when it describes someone ("PhD student studying AI
    governance: how does …", "consumer advocacy group here - are …"), not when it is a topic
    ("AI developers: what must they disclose?", "Question for banks: …")."""
    out = []
    for m in _SENTENCE.finditer(text):
        if not m.group(0).strip():
            continue
        a, b = m.span()
        cut = _LEAD_IN.search(m.group(0))
        if cut and _describes_someone(m.group(0)[: cut.start()]):
            out += [(a, a + cut.end()), (a + cut.end(), b)]
        else:
            out.append((a, b))
    return out


def _describes_someone(lead: str) -> bool:
    """ "School district tech director", "Edge CDN company here", "As a county CIO", or a
    label ("Context"): yes. A topic ("Banks", "Question for AI developers"), a question
    ("What does MAP 1.1 mean for a water utility") or a long clause: no."""
    words = _WORD.findall(lead)
    if not words or len(words) > LEAD_IN_WORDS or "?" in lead:
        return False
    if _AS_A.search(lead.strip()) or _LABEL.match(lead):
        return True
    if _IMPERATIVE.match(lead) or any(w.lower() in _TOPIC_WORDS for w in words):
        return False
    head = words[-1].lower()
    return not _plural(head)  # a plural is a topic


def _plural(word: str) -> bool:
    """ "Banks", "labs" — not "business", "status", "analysis"."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))
