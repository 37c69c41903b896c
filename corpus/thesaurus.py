"""Plain words → the documents' own terms (``thesaurus.toml``).

Askers say "vendor", "makes things up", "dangerous abilities"; the documents say
"third-party", "confabulation", "capabilities of concern". Keyword search cannot bridge
that, and the small embedder bridges it only sometimes, so the question's lexical query is
widened with the document terms its plain words stand for. The file is data, drafted from
the documents' vocabulary; this module only matches phrases against it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from corpus.roles import phrase_pattern
from corpus.tomlfile import entries, read_toml

THESAURUS_PATH = Path(__file__).with_name("thesaurus.toml")


class ThesaurusError(ValueError):
    """``thesaurus.toml`` is unreadable or an entry is malformed (the message names it)."""


class _Term(BaseModel):
    model_config = ConfigDict(extra="forbid")
    term: str = Field(min_length=2)
    lay: list[str] = Field(min_length=1)
    source: str = ""


@dataclass(frozen=True)
class Expansion:
    term: str  # the documents' word for it
    said: str  # the asker's words, as written


class Thesaurus:
    """Compiled once; ``expand(question)`` names the document terms the question's plain
    words stand for, unless the question already uses the term itself."""

    def __init__(self, entries: Sequence[tuple[str, Sequence[str]]], digest: str = ""):
        self.digest = digest
        # Compiling ~600 patterns took 0.9 s of every cold start; an entry's patterns are
        # compiled the first time a question holds one of its phrases' first words.
        self._entries = [
            (term, tuple(p for p in lay if p.strip()), _keys([term, *lay]))
            for term, lay in entries
            if term.strip() and any(p.strip() for p in lay)
        ]
        self._compiled: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def _patterns(self, term: str, lay: Sequence[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
        if term not in self._compiled:
            said, own = phrase_pattern(lay), phrase_pattern([term])
            assert said is not None and own is not None  # both have a phrase (__init__)
            self._compiled[term] = (said, own)
        return self._compiled[term]

    @classmethod
    def load(cls, path: Path = THESAURUS_PATH) -> Thesaurus:
        text, raw = read_toml(path, "the thesaurus", ThesaurusError)
        terms = entries(raw, "term", _Term, path, ThesaurusError)
        return cls([(t.term, t.lay) for t in terms], hashlib.sha256(text.encode()).hexdigest()[:12])

    def expand(self, question: str) -> tuple[Expansion, ...]:
        out: dict[str, Expansion] = {}
        low = question.lower()
        for term, lay, keys in self._entries:
            if term in out or not any(k in low for k in keys):
                continue
            said, own = self._patterns(term, lay)
            if own.search(question):
                continue
            m = said.search(question)
            if m:
                out[term] = Expansion(term, m.group(0))
        return tuple(out.values())


def _keys(phrases: Sequence[str]) -> frozenset[str]:
    """A text matching any of ``phrases`` (as ``phrase_pattern`` matches) holds one of these
    lower-cased: each phrase's first word up to an apostrophe, less a final "e" where the
    pattern lets one-word phrases drop it ("hallucinate" → "hallucinating")."""
    keys = set()
    for p in phrases:
        words = re.split(r"[\s-]+", p.strip().lower())
        first = re.split(r"['’]", words[0])[0]
        if len(words) == 1 and len(first) > 3 and first.endswith("e"):
            first = first[:-1]
        keys.add(first)
    return frozenset(keys)


@lru_cache(maxsize=1)
def load_thesaurus() -> Thesaurus:
    return Thesaurus.load()
