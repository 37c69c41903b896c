"""Plain words → the documents' own terms (``thesaurus.toml``).

Askers say "vendor", "makes things up", "dangerous abilities"; the documents say
"third-party", "confabulation", "capabilities of concern". Keyword search cannot bridge
that, and the small embedder bridges it only sometimes, so the question's lexical query is
widened with the document terms its plain words stand for. The file is data, drafted from
the documents' vocabulary; this module only matches phrases against it.
"""

from __future__ import annotations

import hashlib
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
        self._entries = []
        for term, lay in entries:
            said = phrase_pattern(lay)
            own = phrase_pattern([term])
            if said is not None and own is not None:
                self._entries.append((term, said, own))

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def load(cls, path: Path = THESAURUS_PATH) -> Thesaurus:
        text, raw = read_toml(path, "the thesaurus", ThesaurusError)
        terms = entries(raw, "term", _Term, path, ThesaurusError)
        return cls([(t.term, t.lay) for t in terms], hashlib.sha256(text.encode()).hexdigest()[:12])

    def expand(self, question: str) -> tuple[Expansion, ...]:
        out: dict[str, Expansion] = {}
        for term, said, own in self._entries:
            if term in out or own.search(question):
                continue
            m = said.search(question)
            if m:
                out[term] = Expansion(term, m.group(0))
        return tuple(out.values())


@lru_cache(maxsize=1)
def load_thesaurus() -> Thesaurus:
    return Thesaurus.load()
