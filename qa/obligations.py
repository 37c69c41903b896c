"""What a role is asked to do: the recommendations addressed to one kind of actor.

A sentence is listed when it tells someone to do something (a "should", a suggested action,
a practice) *and* is addressed to the role: either its section is (an actor line such as
the GenAI profile's "AI Actor Tasks: AI Deployment", the actor tasks of the AI RMF
subcategory it sits under, a heading naming the role, or the document's audience), or the
sentence's own subject is that actor ("AI system acquirers should …"). Merely mentioning
an actor is not enough: "ask developers for documentation" is addressed to the acquirer.
Front matter (before a document's first heading) is not searched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from core.text import collapse_ws, strip_footnotes
from corpus.roles import Taxonomy, phrase_pattern
from index.build import sentence_id
from index.retrieve import Retriever
from ingest.roles import RoleTagger
from qa.answer import verify
from qa.lexical import Idf, overlap, terms

LEXICAL_WEIGHT = 0.35
# "Recommend" is left out: these documents use it to describe themselves ("items that
# recommend what to do"), not to tell the reader.
_MODALS = r"should|must|shall|are encouraged to"
_SHOULD = re.compile(rf"\b(?:{_MODALS})\b", re.IGNORECASE)
TOPIC_LIMIT = 20  # with a topic, the best this many unless --limit says otherwise


# What an action in these documents starts with, after its identifier ("GV-1.2-001",
# "R2:", "•"): a verb telling the reader to do something. A closed list, so that headings
# ("Objective 4: …"), notes ("Using automated methods lowers …") and legends are not actions.
_ACTION_VERBS = frozenset(
    """adapt add address adjust adopt align allocate analyze analyse apply assess assign audit
    avoid benchmark build calibrate capture check clarify collect communicate compare compile
    conduct configure confirm consider continue coordinate create curate decommission define
    delineate demonstrate deploy design detect determine develop devise disclose document
    educate elicit employ enable encourage enforce engage ensure enumerate establish estimate
    evaluate examine explore filter follow gather harden identify implement include incorporate
    inform integrate inventory investigate isolate keep label leverage limit log maintain manage
    map measure minimize mitigate monitor notify obtain offer perform pilot plan prepare prevent
    prioritize prohibit promote protect provide publish quantify re-evaluate reassess record
    reduce refine reinforce release remove replace report require research respond restrict
    retain review revise run scan screen secure seek select separate set share sign solicit
    specify standardize store strengthen structure supplement support survey tailor take test
    trace track train update use utilize validate verify watch work""".split()  # noqa: SIM905
)
_LEAD = re.compile(r"^\W*(?:(?:GV|MP|MS|MG)-\d+\.\d+-\d{3}|R\d+:|\[[^\]]*\]|Medium|High|Low|\s)*")
# "MANAGE 3.2: Pre-trained models … are monitored": an AI RMF outcome, not an action, though
# "manage" and "map" are verbs.
_STATEMENT = re.compile(r"^\W*(?:GOVERN|MAP|MEASURE|MANAGE) \d{1,2}(?:\.\d{1,2})?:")


def _is_action(text: str) -> bool:
    if _STATEMENT.match(text):
        return False
    words = _LEAD.sub("", text).split()
    return bool(words) and words[0].lower().strip(",;:") in _ACTION_VERBS and text.rstrip().endswith(".")


def _is_label_list(text: str) -> bool:
    """ "Data Privacy; Information Integrity; Confabulation": the GenAI profile's risk tags
    under an action, not an action."""
    parts = [p.strip() for p in text.split(";")]
    return len(parts) >= 2 and all(len(p.split()) <= 6 and p[:1].isupper() for p in parts if p)


@dataclass(frozen=True)
class Obligation:
    doc: str
    title: str
    section: str
    page: int
    page_label: str
    quote: str
    verified: bool
    why: str  # "section addressed to … (AI Actor Tasks: AI Deployment)", "its subject: “…”"
    score: float = 0.0


class Obligations:
    """``run(role, topic, docs, limit)`` → verified, role-addressed recommendations."""

    def __init__(self, retriever: Retriever, taxonomy: Taxonomy):
        self.retriever = retriever
        self.taxonomy = taxonomy
        cat = retriever.catalog
        tagger = RoleTagger(taxonomy)
        # (document, section) → role → why the section is addressed to it.
        self._sections: dict[tuple[str, str], dict[str, str]] = {}
        for doc in cat.doc_ids:
            chunks = [c for c in cat.chunks.values() if c.doc == doc]
            for section, roles in tagger.section_roles(doc, chunks).items():
                self._sections[(doc, section)] = roles
        self._subjects: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        for a in taxonomy.actors:
            pat = phrase_pattern([a.term])
            assert pat is not None
            subject = re.compile(
                pat.pattern + rf"(?:\s*\([^)]*\))?\s+(?:{_MODALS}|are expected to)\b",
                re.IGNORECASE,
            )
            for r in a.roles:
                self._subjects.setdefault(r, []).append((a.doc, subject))
        self._idf: Idf | None = None

    def _subject(self, role: str, doc: str, text: str) -> str | None:
        for d, pat in self._subjects.get(role, []):
            if d in (doc, "*"):
                m = pat.search(text)
                if m:
                    return m.group(0)
        return None

    def run(
        self, role: str, topic: str | None = None, docs: Sequence[str] = (), limit: int | None = None
    ) -> list[Obligation]:
        if role not in self.taxonomy.roles:
            raise ValueError(f"role: {role!r} is not one of {', '.join(self.taxonomy.roles)}")
        cat = self.retriever.catalog
        found: list[tuple[Obligation, str]] = []
        seen: set[str] = set()
        for c in cat.chunks.values():
            if (docs and c.doc not in docs) or c.kind != "text" or role not in c.roles:
                continue
            if not c.section:  # before the first heading: title page, notices, abstract
                continue
            reason = self._sections.get((c.doc, c.section), {}).get(role)
            by_section = reason is not None
            for i, s in enumerate(c.sentences):
                page = cat.pages[(c.doc, s.page)]
                quote = strip_footnotes(collapse_ws(page.text[s.start : s.end]))
                if len(quote.split()) < 5 or quote.endswith(("?", ":")) or _is_label_list(quote):
                    continue
                if quote[:1].islower() or "@" in quote:  # a fragment; "comments should be sent to …"
                    continue
                # In a section addressed to the role, a suggested action or a "should" is
                # for that role; elsewhere only a sentence whose subject is the actor.
                subject = None if by_section else self._subject(role, c.doc, quote)
                if by_section and not (_SHOULD.search(quote) or _is_action(quote)):
                    continue
                if not by_section and subject is None:
                    continue
                key = quote.lower()
                if key in seen:
                    continue
                seen.add(key)
                why = (
                    f"section addressed to {self.taxonomy.roles[role].name} ({reason})"
                    if by_section
                    else f"its subject: “{subject}”"
                )
                ob = Obligation(
                    c.doc,
                    cat.title(c.doc),
                    c.section,
                    s.page,
                    page.label,
                    quote,
                    verify(quote, page.text),
                    why,
                )
                found.append((ob, sentence_id(c.id, i)))
        found = [(o, sid) for o, sid in found if o.verified]  # an unverified quote is never shown
        if topic:
            found = self._rank(topic, found)[: limit or TOPIC_LIMIT]
        else:
            order = {d: n for n, d in enumerate(cat.doc_ids)}
            found.sort(key=lambda x: (order[x[0].doc], x[0].page))
            found = found[:limit] if limit else found
        return [o for o, _ in found]

    def _rank(self, topic: str, found: list[tuple[Obligation, str]]) -> list[tuple[Obligation, str]]:
        """By similarity to the topic: sentence cosine plus weighted word overlap."""
        if self._idf is None:
            self._idf = Idf(c.text for c in self.retriever.catalog.chunks.values())
        qvec = self.retriever.embed_query(topic)
        qterms = set(terms(topic))
        vecs = self.retriever.sentence_vectors([sid for _, sid in found])
        scored = []
        for o, sid in found:
            v = vecs.get(sid)
            cos = float(v @ qvec) if v is not None else 0.0
            score = cos + LEXICAL_WEIGHT * overlap(qterms, o.quote, self._idf)
            scored.append((replace(o, score=round(score, 4)), sid))
        return sorted(scored, key=lambda x: -x[0].score)


def group(obligations: Sequence[Obligation]) -> dict[str, dict[str, list[Obligation]]]:
    """Document title → section → items, in the order given."""
    out: dict[str, dict[str, list[Obligation]]] = {}
    for o in obligations:
        out.setdefault(o.title, {}).setdefault(o.section or "(no section)", []).append(o)
    return out


def as_json(
    taxonomy: Taxonomy, role: str, topic: str | None, items: Sequence[Obligation]
) -> dict[str, object]:
    """The listing as other tools read it (CLI ``--json`` and the HTTP endpoint)."""
    return {
        "role": role,
        "role_name": taxonomy.roles[role].name,
        "topic": topic,
        "count": len(items),
        "items": [o.__dict__ for o in items],
    }


def as_markdown(taxonomy: Taxonomy, role: str, topic: str | None, items: Sequence[Obligation]) -> str:
    head = f"# What the guidance asks of {taxonomy.roles[role].name}"
    lines = [head + (f" — {topic}" if topic else ""), ""]
    for title, sections in group(items).items():
        lines += [f"## {title}", ""]
        for section, obs in sections.items():
            lines += [f"### {section}", ""]
            lines += [f"- “{o.quote}” — p. {o.page_label} (PDF page {o.page})" for o in obs]
            lines.append("")
    return "\n".join(lines)
