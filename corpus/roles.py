"""The role taxonomy (``roles.toml``): who is asking, and whom a passage addresses.

The five roles are the DHS Framework's actors along the AI supply chain. Users describe
themselves ("I run a water utility", "we fine-tune models for clients") and each document
names its actors its own way ("AI Deployment", "AI system acquirers"), so the file holds
both vocabularies, read from the documents; this module loads them and matches a
document's phrases, and ``corpus/asker.py`` reads a question for the asker's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from corpus.asker import CUE_WEIGHTS, MAX_GAP, PAIR_GAP, CueMatch, compile_cues, self_descriptions, sentences
from corpus.asker import cues as read_cues
from corpus.tomlfile import entries, read_toml

ROLES_PATH = Path(__file__).with_name("roles.toml")
RoleId = Literal[
    "cloud-compute-provider", "ai-developer", "ci-owner-operator", "civil-society", "public-sector"
]
ROLE_IDS: tuple[str, ...] = get_args(RoleId)

MIN_LEAD = 0.3  # the best role must beat the runner-up by this much to be called


class RolesError(ValueError):
    """``roles.toml`` is unreadable or an entry is malformed (the message names the field)."""


class _Role(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    description: str
    synonyms: list[str] = []
    organisations: list[str] = []
    titles: list[str] = []
    activities: list[str] = []
    # Doing words and the things they make: every pair is an activity too ("make" + "sdk":
    # "we make a chatbot SDK"), so the list need not spell out each combination.
    activity_verbs: list[str] = []
    activity_objects: list[str] = []


class _Area(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    cues: list[str] = []


class _Audience(BaseModel):
    """A document written for one kind of actor as a whole (its own audience statement)."""

    model_config = ConfigDict(extra="forbid")
    doc: str
    roles: list[str] = Field(min_length=1)
    source: str = ""


class _Subcategory(BaseModel):
    """The AI Actor Tasks a document gives for one AI RMF subcategory."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^(?:GOVERN|MAP|MEASURE|MANAGE) \d{1,2}\.\d{1,2}$")
    doc: str  # whose actor vocabulary names the tasks
    tasks: list[str] = Field(min_length=1)
    source: str = ""


class _Actor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    doc: str
    term: str = Field(min_length=2)
    roles: list[str] = Field(min_length=1)
    source: str = ""
    why: str = ""


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    description: str
    cues: dict[str, tuple[str, ...]]  # list name (synonyms, organisations, …) → phrases
    pairs: tuple[str, ...] = ()  # activities from a doing word and its object, read tighter


def _role(e: _Role, path: Path) -> Role:
    if bool(e.activity_verbs) != bool(e.activity_objects):
        raise RolesError(f"{path}: [[role]] {e.id!r}: give 'activity_verbs' and 'activity_objects' together")
    pairs = tuple(f"{v} {o}" for v in e.activity_verbs for o in e.activity_objects)
    return Role(e.id, e.name, e.description, {k: tuple(getattr(e, k)) for k in CUE_WEIGHTS}, pairs)


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Actor:
    """A document's own name for an actor, and the roles it maps onto."""

    doc: str  # a document id, or "*" for any document
    term: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Subcategory:
    """An AI RMF subcategory, the AI Actor Tasks given for it, and the roles they map onto:
    the same subcategory's text in the AI RMF or the Playbook is addressed to those roles."""

    id: str  # "MAP 1.1"
    doc: str  # the document that gives the tasks
    tasks: tuple[str, ...]
    roles: tuple[str, ...]
    tasks_by_role: dict[str, tuple[str, ...]]  # role → the tasks that map onto it


@dataclass(frozen=True)
class RoleGuess:
    role: str
    cue: str  # the words of the question that gave it away, as written
    score: float


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One regex for many phrases: whole words, case-insensitive, spaces or hyphens between
    words, either apostrophe, and the common English endings tolerated on the last word."""
    alts = []
    for p in sorted({p.strip().lower() for p in phrases if p.strip()}, key=len, reverse=True):
        words = [re.escape(w).replace("'", "['’]") for w in re.split(r"[\s-]+", p)]
        last = words[-1]
        if len(last) > 3 and last.endswith("e"):  # hallucinate → hallucinating
            words[-1] = last[:-1] + r"(?:e(?:s|d|['’]s)?|ing)"
        else:
            words[-1] = last + r"(?:s|es|ed|d|ing|['’]s)?"
        alts.append(r"[\s-]+".join(words))
    if not alts:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w-])", re.IGNORECASE)


class Taxonomy:
    """Roles, responsibility areas and per-document actor vocabulary, compiled once."""

    def __init__(
        self,
        roles: Sequence[Role],
        areas: Sequence[Area],
        actors: Sequence[Actor],
        digest: str = "",
        audience: dict[str, tuple[str, ...]] | None = None,
        subcategories: Sequence[tuple[str, str, Sequence[str]]] = (),
    ):
        """``subcategories``: (id, document whose vocabulary names the tasks, tasks)."""
        self.digest = digest  # of the file: passages are re-tagged when it changes
        self.audience = audience or {}  # document → the roles it is written for as a whole
        self.roles = {r.id: r for r in roles}
        self.areas = {a.id: a for a in areas}
        self.actors = tuple(actors)
        # A doing word and its object take at most one word between them ("build AI agents"),
        # not two ("make sure our chatbot …").
        self._seqs = compile_cues(
            [(r.id, kind, phrases, MAX_GAP) for r in roles for kind, phrases in r.cues.items()]
            + [(r.id, "activities", r.pairs, PAIR_GAP) for r in roles]
        )
        self._actors: dict[str, list[tuple[re.Pattern[str], tuple[str, ...]]]] = {}
        for a in self.actors:
            pat = phrase_pattern([a.term])
            assert pat is not None
            self._actors.setdefault(a.doc, []).append((pat, a.roles))
        self.subcategories: dict[str, Subcategory] = {}
        for sid, doc, tasks in subcategories:
            got = self.tasks_by_role(doc, tasks)
            by_role = {r: tuple(got[r]) for r in ROLE_IDS if r in got}
            self.subcategories[sid] = Subcategory(sid, doc, tuple(tasks), tuple(by_role), by_role)
        # An answer asks for the role (``detect``) and for the question without identity
        # words (``without_identity``): both read the same cues, so they are read once.
        self._cues = lru_cache(maxsize=128)(self._read_cues)

    def tasks_by_role(self, doc: str, tasks: Iterable[str]) -> dict[str, list[str]]:
        """Role → those of a document's actor tasks ("AI Deployment", "TEVV") that map onto
        it: a section is addressed to a role for some of its listed tasks, not all."""
        out: dict[str, list[str]] = {}
        for task in tasks:
            for r in self.addressed(doc, task):
                out.setdefault(r, []).append(task)
        return out

    @classmethod
    def load(cls, path: Path = ROLES_PATH) -> Taxonomy:
        text, raw = read_toml(path, "the role taxonomy", RolesError)
        roles = [_role(e, path) for e in entries(raw, "role", _Role, path, RolesError)]
        areas = [Area(e.id, e.name, tuple(e.cues)) for e in entries(raw, "area", _Area, path, RolesError)]
        actors = [
            Actor(e.doc, e.term, tuple(e.roles)) for e in entries(raw, "actor", _Actor, path, RolesError)
        ]
        audience = {e.doc: tuple(e.roles) for e in entries(raw, "audience", _Audience, path, RolesError)}
        ids = [r.id for r in roles]
        if sorted(ids) != sorted(ROLE_IDS):
            raise RolesError(f"{path}: [[role]] ids must be exactly {', '.join(ROLE_IDS)}; found {ids}")
        named = [(f"[[actor]] {a.term!r}", a.roles) for a in actors]
        named += [(f"[[audience]] {doc!r}", rs) for doc, rs in audience.items()]
        for what, rs in named:
            bad = [r for r in rs if r not in ROLE_IDS]
            if bad:
                raise RolesError(f"{path}: {what} field 'roles': unknown role {bad[0]!r}")
        subs = [(e.id, e.doc, e.tasks) for e in entries(raw, "subcategory", _Subcategory, path, RolesError)]
        twice = sorted({sid for sid, _, _ in subs if [s[0] for s in subs].count(sid) > 1})
        if twice:
            raise RolesError(f"{path}: [[subcategory]] {twice[0]!r} is listed twice; keep one entry")
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        terms = {(a.doc, a.term.lower()) for a in actors}
        for sid, doc, tasks in subs:
            if not any(d == doc for d, _ in terms):
                raise RolesError(
                    f"{path}: [[subcategory]] {sid!r} field 'doc': {doc!r} has no [[actor]] entries"
                )
            for task in tasks:
                if (doc, task.lower()) not in terms:
                    raise RolesError(
                        f"{path}: [[subcategory]] {sid!r} field 'tasks': {task!r} is not an [[actor]] "
                        f"term of {doc}; add it or correct the name"
                    )
        return cls(roles, areas, actors, digest, audience, subs)

    def _read_cues(self, text: str) -> tuple[CueMatch, ...]:
        return tuple(read_cues(text, self._seqs))

    def cues(self, text: str) -> list[CueMatch]:
        """Every cue in the asker's self-descriptions that counts towards a role, weighted
        (``corpus.asker.cues``)."""
        return list(self._cues(text))

    def without_identity(self, text: str) -> str:
        """The question without the words that say who the asker is ("I run IT at a water
        utility" loses "water utility"; the question sentence itself is kept whole): evidence
        should match what is asked, and a passage need not mention hospitals to answer a
        hospital's question."""
        asked = [(a, b) for a, b in sentences(text) if text[a:b].rstrip().endswith("?")]
        for m in sorted(self.cues(text), key=lambda m: -m.start):
            if m.kind != "activities" and not any(a <= m.start < b for a, b in asked):
                text = text[: m.start] + text[m.end :]
        return text

    def speaks_of_self(self, text: str) -> bool:
        """Whether the asker says anything about themselves ("we", "I", "Hospital CISO
        here"), whether or not it names a role."""
        return bool(self_descriptions(text))

    def detect(self, text: str) -> RoleGuess | None:
        """The asker's role from how they describe themselves, or None when nothing (or a
        near-tie) says so.

        Only self-descriptions count: first-person sentences ("we run a water utility",
        "I'm a procurement officer"), "As an AI developer …", and bare descriptions that lead
        into the question ("Hospital CISO here.", "PhD student: …"); a question *about* banks
        or government is not asked *by* one. Who the asker is (organisation, title) weighs
        more than what they do; a name that is another party's ("models downloaded from model
        hubs", "we sell to hospitals", "our AI vendor", "the DHS framework") is not the
        asker's; and the first self-description counts most, since later ones tend to be
        customers or suppliers.
        """
        score: dict[str, float] = {}
        cue: dict[str, str] = {}
        for m in self.cues(text):
            score[m.role] = score.get(m.role, 0.0) + m.weight
            cue.setdefault(m.role, text[m.start : m.end])
        if not score:
            return None
        ranked = sorted(score.items(), key=lambda kv: -kv[1])
        best, top = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top - runner_up < MIN_LEAD:
            return None
        return RoleGuess(best, cue[best], round(top, 3))

    def addressed(self, doc: str, text: str) -> tuple[str, ...]:
        """The roles a passage of ``doc`` addresses, from that document's actor vocabulary
        and the generic one (``doc = "*"``)."""
        found: list[str] = []
        for pat, roles in (*self._actors.get(doc, ()), *self._actors.get("*", ())):
            if pat.search(text):
                found += roles
        return tuple(r for r in ROLE_IDS if r in found)


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    return Taxonomy.load()
