"""Hybrid retrieval: dense (Chroma, passages and sentences) and BM25, fused by score.

Reciprocal rank fusion was the first design; a convex mix of normalised scores found the
gold page in the top 5 for 0.78 of the dev questions against 0.73 for RRF, so scores it is.
What the question points at — a named document, an identifier ("GOVERN 1.2"), a page, a
quoted phrase — adds a bonus, so an exact lookup is not left to similarity alone.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.text import loose_form
from core.types import Chunk
from corpus.manifest import load_manifest
from corpus.thesaurus import load_thesaurus
from index.adapt import build_embedder
from index.analyze import Analysis, QueryAnalyzer
from index.bm25 import BM25Index, LexicalScores
from index.build import (
    SENTENCE_IDS,
    SENTENCE_VECTORS,
    SENTENCES,
    current_dir,
    environment_fault,
    has_index,
    sentence_id,
)
from index.catalog import Catalog
from index.embed import Embedder
from index.store import DenseStore, make_client
from ingest.identifiers import find_identifiers, own_identifier

# Fusion constants: set once from the design (dense is the stronger signal on paraphrased
# questions, BM25 on exact terms), not fitted to individual evaluation questions.
DENSE_WEIGHT = 0.65
NAMED_DOC_BONUS = 0.15  # the question names this document
GLOSSARY_BONUS = 0.15  # a definition question, a glossary passage
_GLOSSARY = re.compile(r"glossary|definitions|key terms|terminology", re.IGNORECASE)
POINTER_BONUS = 1.0  # the passage carries the identifier / page / phrase the question names
POINTER_DEPTH = 10
NON_TEXT_PENALTY = 0.2  # references and question lists
ROLE_BONUS = 0.1  # the passage addresses the asker's role
QUOTE_PAGES = 50  # a quoted phrase is looked for on the pages of its best BM25 passages
LOOSE_KEPT = 50_000  # loose forms of passages and pages kept between questions
_CUE = re.compile(r"refers? to|defined as|means", re.IGNORECASE)
# The word a definition's cue follows: "Risk refers to", "risks (harms) are defined as".
_DEFINED = re.compile(
    r"(\w+)\b[’'”\"]?\s*(?:\([^)]{1,40}\)\s*)?(?:refers? to|is defined as|are defined as|means)",
    re.IGNORECASE,
)


class NoIndexError(RuntimeError):
    """There is no index yet: run ``airq ingest``."""


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused score (higher is better)
    cosine: float | None = None  # dense similarity to the query, when dense saw it
    ranks: dict[str, int] = field(default_factory=dict)  # 1-based rank per retriever


@dataclass(frozen=True)
class Query:
    text: str
    k: int = 5
    docs: tuple[str, ...] = ()
    section: str | None = None  # case-insensitive substring of the section path
    mode: str = "hybrid"  # hybrid | dense | bm25
    role: str | None = None  # the asker's role: passages addressed to it are preferred

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("question: empty; ask something")
        if self.k < 1 or self.k > 100:
            raise ValueError(f"k: {self.k} is out of range 1..100")
        if self.mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"mode: {self.mode!r} is not one of hybrid, dense, bm25")


def _round_robin(ids: Sequence[str], catalog: Catalog) -> list[str]:
    """Interleave passages by document: "what does GOVERN 1.2 say" wants each document's
    own text near the top, not three passages of the first document."""
    by_doc: dict[str, list[str]] = {}
    for i in ids:
        by_doc.setdefault(catalog.chunks[i].doc, []).append(i)
    out: list[str] = []
    while any(by_doc.values()):
        for lst in by_doc.values():
            if lst:
                out.append(lst.pop(0))
    return out


def _sentence_file(folder: Path, mapped: bool = False) -> tuple[list[str], np.ndarray] | None:
    """The build's sentence ids and vectors from its own files, the vectors read in or
    mapped; None for a build without them (made before they existed) or whose vectors do not
    match its ids: then they come from Chroma."""
    ids_path, vec_path = folder / SENTENCE_IDS, folder / SENTENCE_VECTORS
    if not (ids_path.is_file() and vec_path.is_file()):
        return None
    ids = json.loads(ids_path.read_text(encoding="utf-8"))
    matrix = np.load(vec_path, mmap_mode="r" if mapped else None)
    if matrix.ndim != 2 or len(ids) != matrix.shape[0]:
        return None
    return ids, matrix


class MappedSentences:
    """The build's sentence vectors file, mapped rather than read: the pages a question
    touches come into the system's page cache, shared by every process serving the build,
    and the system may drop them again; the process holds only the ids' rows."""

    def __init__(self, ids: list[str], matrix: np.ndarray):
        self._row = {sid: j for j, sid in enumerate(ids)}
        self._matrix = matrix

    @classmethod
    def open(cls, folder: Path) -> MappedSentences | None:
        found = _sentence_file(folder, mapped=True)
        return cls(*found) if found is not None else None

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        found = [(i, self._row[i]) for i in dict.fromkeys(ids) if i in self._row]
        rows = np.asarray(self._matrix[[j for _, j in found]], dtype=np.float32)
        return {i: rows[k] for k, (i, _) in enumerate(found)}


class SentenceCache:
    """Sentence vectors read from a Chroma server as questions need them, the most recently
    used ``size`` kept (~60 MB at the default): bounded, whatever the corpus's size."""

    def __init__(self, store: DenseStore, size: int = 40_000):
        self._store = store
        self._size = size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            out = {i: self._kept[i] for i in ids if i in self._kept}
            for i in out:
                self._kept.move_to_end(i)
        missing = [i for i in dict.fromkeys(ids) if i not in out]
        if missing:
            fetched = self._store.vectors(missing)
            out.update(fetched)
            with self._lock:
                self._kept.update(fetched)
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
        return out


class Retriever:
    """Loads one index build; ``run(Query)`` returns the best passages, best first."""

    def __init__(
        self,
        data_dir: Path,
        embedder: Embedder,
        chroma_url: str | None = None,
        pool: int = 50,
        query_onnx: bool = True,
    ):
        if not has_index(data_dir):
            raise NoIndexError(f"{data_dir}: no index yet; run `airq ingest` first")
        folder = current_dir(data_dir).resolve()
        self.catalog = Catalog.load(folder)
        m = self.catalog.manifest
        self.embedder = build_embedder(folder, m, embedder, onnx=query_onnx)
        query_embedder = m.get("query_embedder") or {}
        built_with = query_embedder.get("name") or m["recipe"]["embedder"]
        if self.embedder.name != built_with:
            adapted = query_embedder.get("path")
            raise NoIndexError(
                f"{folder / adapted}: the index's adapted embedder is missing or altered; "
                "run `airq ingest --force`"
                if adapted
                else f"the index was embedded with {built_with}, this process has {self.embedder.name}; "
                "re-run `airq ingest --force` (or set AIRQ_EMBED_MODEL back)"
            )
        url = m["chroma"].get("url")
        if url and chroma_url and url != chroma_url:
            raise NoIndexError(f"the index was built on Chroma at {url}, not {chroma_url}; re-ingest")
        try:
            self._client = make_client(folder / "chroma", url)
            self.dense = DenseStore(self._client, m["chroma"]["collection"])
            self.sentences = DenseStore(self._client, m["chroma"]["collection"] + SENTENCES)
        except Exception as exc:
            reason = environment_fault(exc, data_dir, url)
            if reason is None:
                raise
            # Chroma writes to its folder even to read ("attempt to write a readonly database").
            raise NoIndexError(f"{reason} (the vector store writes there even to answer)") from exc
        self.bm25 = BM25Index.load(folder / "bm25")
        by_doc: dict[str, list[int]] = {}
        for j, cid in enumerate(self.bm25.ids):
            if cid in self.catalog.chunks:
                by_doc.setdefault(self.catalog.chunks[cid].doc, []).append(j)
        self._bm25_positions = {d: np.array(js, dtype=np.int64) for d, js in by_doc.items()}
        # Embedded: sentence vectors in memory (~9 MB for this corpus), since fusion scores
        # every candidate's best sentence and answers score every sentence of the hits, and a
        # round trip per question would cost more than the scoring. With a Chroma server
        # (several processes, a corpus past one laptop's) they are not read in: the build's
        # file is mapped (``MappedSentences``), or, for a build without one, they are
        # fetched from the server per question (``SentenceCache``) (bench/scale.py).
        self._remote: MappedSentences | SentenceCache | None = None
        if url:
            self._remote = MappedSentences.open(folder) or SentenceCache(self.sentences)
        stored: dict[str, np.ndarray] = {}
        if not url:
            found = _sentence_file(folder)
            stored = dict(zip(*found, strict=True)) if found is not None else self.sentences.all_vectors()
        by_chunk: dict[str, list[str]] = {}
        for sid in stored:
            by_chunk.setdefault(sid.rpartition("#")[0], []).append(sid)
        # Per passage: its sentences' indices and their vectors as one matrix, stacked once;
        # the by-id view points into the same rows.
        self._sentences_of: dict[str, tuple[list[int], np.ndarray]] = {
            cid: ([int(s.rpartition("#")[2]) for s in sids], np.stack([stored[s] for s in sids]))
            for cid, sids in by_chunk.items()
        }
        self._sentence_vectors = {
            sentence_id(cid, i): matrix[row]
            for cid, (idx, matrix) in self._sentences_of.items()
            for row, i in enumerate(idx)
        }
        self.pool = pool
        self._by_ident: dict[str, list[str]] = {}
        self._by_page: dict[tuple[str, int], list[str]] = {}
        for c in self.catalog.chunks.values():
            for ident in c.identifiers:
                self._by_ident.setdefault(ident, []).append(c.id)
            for p in c.pages:
                self._by_page.setdefault((c.doc, p), []).append(c.id)
        self._loose: dict[str | tuple[str, int], str] = {}
        manifest = {d.id: d for d in load_manifest()}
        self.analyzer = QueryAnalyzer(
            {
                doc: (self.catalog.title(doc), *(manifest[doc].aliases if doc in manifest else ()))
                for doc in self.catalog.doc_ids
            },
            {doc: manifest[doc].hints for doc in self.catalog.doc_ids if doc in manifest},
            load_thesaurus(),
            absent={
                d.id: (d.title, *d.aliases)
                for d in manifest.values()
                if d.id not in self.catalog.manifest["docs"]
            },
            publishers={d.id: d.publisher for d in manifest.values()},
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.encode([text])[0]

    def _allowed(self, q: Query, cid: str) -> bool:
        c = self.catalog.chunks.get(cid)
        if c is None:
            return False
        if q.docs and c.doc not in q.docs:
            return False
        return not (q.section and q.section.lower() not in c.section.lower())

    def identifier_ranking(self, text: str) -> list[str]:
        """Passages carrying an identifier the query names; those whose section *is* that
        identifier first."""
        out: list[str] = []
        for ident in find_identifiers(text):
            ids = self._by_ident.get(ident, [])
            own = [i for i in ids if own_identifier(self.catalog.chunks[i].section) == ident]
            out += _round_robin(own, self.catalog) + [i for i in ids if i not in own]
        return list(dict.fromkeys(out))

    def named_pages(self, a: Analysis, docs: Sequence[str]) -> list[tuple[str, int]]:
        """The pages a question names ("page 19 of the AI RMF"), best first: the page
        printed with that number, then the PDF's page of that number, unless it says the
        number is the PDF's own."""
        out: list[tuple[str, int]] = []
        for doc in docs:
            for n in a.pages:
                by_label = [
                    p.page for (d, _), p in self.catalog.pages.items() if d == doc and p.label == str(n)
                ]
                out += [(doc, page) for page in ([n, *by_label] if a.physical else [*by_label, n])]
        return list(dict.fromkeys(out))

    def page_ranking(self, a: Analysis, docs: Sequence[str]) -> list[str]:
        """Passages on the ``named_pages``, in their order."""
        out: list[str] = []
        for key in self.named_pages(a, docs):
            out += self._by_page.get(key, [])
        return list(dict.fromkeys(out))

    @functools.cached_property
    def _defined(self) -> dict[str, set[str]]:
        """Passages by the word a definition cue follows in them ("risk" for "Risks refer
        to"): an unquoted term is looked for only where its last word leads such a cue. Read
        on the first definition question, not at start-up."""
        defined: dict[str, set[str]] = {}
        for cid, c in self.catalog.chunks.items():
            if not _CUE.search(c.text):  # most passages: one quick look
                continue
            for found in _DEFINED.finditer(c.text):
                word = found.group(1).lower()
                for key in {word, word[:-1] if word.endswith("s") else word}:
                    defined.setdefault(key, set()).add(cid)
        return defined

    def definition_ranking(self, a: Analysis) -> list[str]:
        """Passages that define a term the question asks about: "Risk refers to …", "The AI
        RMF refers to an AI system as …", "Residual risk is defined as …", "AI incident: …".
        An unquoted term ("how does the AI RMF define risk?") only where the term leads a
        definition: "… define the model" or "models:" is no definition of "model"."""
        out: list[str] = []
        for term in a.terms:
            t = r"[\s-]+".join(re.escape(w) for w in term.split())
            lead = (
                rf"\b{t}s?\b[’'”\"]?\s*(?:\([^)]{{1,40}}\)\s*)?"
                r"(?:refers? to|is defined as|are defined as|means)"
            )
            loose = rf"|\b{t}s?\b[’'”\"]?\s*:|\b(?:defines?|refers? to)\s+(?:an?\s+|the\s+)?{t}s?\b"
            pat = re.compile(lead + (loose if a.terms_quoted else ""), re.IGNORECASE)
            # Only passages holding the term's words can define it, and, unquoted, only those
            # where its last word leads a definition cue: the pattern runs on those alone.
            holding = self.bm25.containing(term)
            if not a.terms_quoted:
                words = re.findall(r"\w+", term.lower())
                led = self._defined.get(words[-1], set()) if words else set()
                holding = [cid for cid in holding if cid in led]
            chunks = self.catalog.chunks
            out += [cid for cid in holding if chunks[cid].kind == "text" and pat.search(chunks[cid].text)]
        return list(dict.fromkeys(out))

    def caption_ranking(self, a: Analysis) -> list[str]:
        """Passages that carry the caption of a table or figure the question names ("Table
        1: Categories and subcategories …"), not a contents line or a mention of it."""
        out: list[str] = []
        for cap in a.captions:
            kind, n = cap.replace("Fig.", "Figure").split()
            pat = re.compile(rf"(?m)^\s*{kind}\s+{n}\s*[.:](?![^\n]*\.{{4,}})")
            out += [cid for cid in self.bm25.containing(kind) if pat.search(self.catalog.chunks[cid].text)]
        return _round_robin(list(dict.fromkeys(out)), self.catalog)

    def _loose_text(self, key: str | tuple[str, int]) -> str:
        """A passage's (by id) or a page's (by (doc, page)) text in loose form, kept once
        computed (bounded: cleared past ``LOOSE_KEPT``)."""
        if key not in self._loose:
            if len(self._loose) >= LOOSE_KEPT:
                self._loose.clear()
            text = self.catalog.chunks[key].text if isinstance(key, str) else self.catalog.pages[key].text
            self._loose[key] = loose_form(text)
        return self._loose[key]

    def quote_ranking(self, a: Analysis) -> list[str]:
        """Passages that contain a quoted phrase of the question, then passages on pages
        that contain it (a phrase can straddle two passages). Only passages holding all the
        phrase's words, and the pages of those that score best for it, are read for it."""
        out: list[str] = []
        for quote in a.quotes:
            needle = loose_form(quote)
            found = [cid for cid in self.bm25.containing(quote) if needle in self._loose_text(cid)]
            best = [self.catalog.chunks[cid] for cid, _ in self.bm25.search(quote, QUOTE_PAGES)]
            pages = {(c.doc, p) for c in best for p in c.pages}
            found += [
                cid
                for key in self.catalog.pages
                if key in pages and needle in self._loose_text(key)
                for cid in self._by_page.get(key, [])
            ]
            found = list(dict.fromkeys(found))
            if not found:  # quoted from memory: the closest wording instead
                found = [cid for cid, _ in self.bm25.search(quote, 10)]
            out += found
        return list(dict.fromkeys(out))

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored sentence vectors by sentence id (ids without a vector are left out)."""
        if self._remote is not None:
            return self._remote.get(ids)
        return {i: self._sentence_vectors[i] for i in ids if i in self._sentence_vectors}

    def _sentence_matrices(self, ids: Sequence[str]) -> dict[str, tuple[list[int], np.ndarray]]:
        """Per passage of ``ids`` (those with sentence vectors): its sentences' indices and
        their vectors as one matrix; in memory, or gathered from the mapped file or server."""
        if self._remote is None:
            return {cid: self._sentences_of[cid] for cid in ids if cid in self._sentences_of}
        chunks = self.catalog.chunks
        wanted = [sentence_id(c, i) for c in ids if c in chunks for i in range(len(chunks[c].sentences))]
        grouped: dict[str, tuple[list[int], list[np.ndarray]]] = {}
        for sid, v in self._remote.get(wanted).items():
            cid, _, i = sid.rpartition("#")
            idx, rows = grouped.setdefault(cid, ([], []))
            idx.append(int(i))
            rows.append(v)
        return {cid: (idx, np.stack(rows)) for cid, (idx, rows) in grouped.items()}

    def _score_sentences(
        self, ids: Sequence[str], vec: np.ndarray, best: dict[str, tuple[float, int]]
    ) -> None:
        """The best sentence similarity of passages outside the sentence search's reach."""
        for cid, (idx, matrix) in self._sentence_matrices(ids).items():
            sims = matrix @ vec
            j = int(np.argmax(sims))
            if cid not in best or float(sims[j]) > best[cid][0]:
                best[cid] = (float(sims[j]), idx[j])

    def run(
        self, q: Query, query_vector: np.ndarray | None = None, analysis: Analysis | None = None
    ) -> list[Hit]:
        """Score fusion: a convex mix of normalised dense similarity and BM25, plus bonuses
        for passages the question points at (named document, identifier, page, quote)."""
        pool = max(self.pool, q.k * 4) * (3 if q.section else 1)
        a = analysis if analysis is not None else self.analyzer.run(q.text)
        # An allusion ("the framework", "this draft") names the documents that answer to it
        # when the question names none outright.
        named = [d for d in (a.docs or a.hinted) if not q.docs or d in q.docs]
        docs = list(q.docs) or None
        ranks: dict[str, dict[str, int]] = {}
        cos: dict[str, float] = {}
        best_sentence: dict[str, tuple[float, int]] = {}

        def keep(name: str, ids: Sequence[str]) -> list[str]:
            ids = [i for i in ids if self._allowed(q, i)]
            ranks[name] = {cid: r for r, cid in enumerate(dict.fromkeys(ids), start=1)}
            return ids

        vec = None
        if q.mode in ("hybrid", "dense"):
            vec = query_vector if query_vector is not None else self.embed_query(q.text)
            hits = self.dense.query(vec, pool, docs=docs)
            if named and q.mode == "hybrid":
                hits += self.dense.query(vec, pool, docs=named)
            cos.update({h.id: h.cosine for h in hits})
            keep("dense", [h.id for h in sorted(hits, key=lambda h: -h.cosine)])
            for h in self.sentences.query(vec, pool * 4, docs=docs):
                cid, _, idx = h.id.rpartition("#")
                if cid not in best_sentence or h.cosine > best_sentence[cid][0]:
                    best_sentence[cid] = (h.cosine, int(idx))
            keep("sentence", sorted(best_sentence, key=lambda c: -best_sentence[c][0]))
        lexical: LexicalScores | None = None
        lex_pool: list[str] = []
        if q.mode in ("hybrid", "bm25"):
            # Plain words widened with the documents' own terms ("vendor" → "third-party").
            lexical = self.bm25.scores(" ".join([q.text, *(x.term for x in a.expansions)]))
            lex_pool = keep("bm25", lexical.best(pool, lambda c: self._allowed(q, c)))
            if named and q.mode == "hybrid":
                among = np.concatenate([self._bm25_positions.get(d, np.zeros(0, np.int64)) for d in named])
                lex_pool += lexical.best(pool, among=among)
        bonus: dict[str, float] = {}
        if q.mode == "hybrid":
            pointers = {
                "ident": self.identifier_ranking(q.text),
                "page": self.page_ranking(a, named or list(q.docs)) if a.pages else [],
                "quote": self.quote_ranking(a) if a.quotes else [],
                "define": self.definition_ranking(a) if a.terms else [],
                "caption": self.caption_ranking(a) if a.captions else [],
            }
            for name, ids in pointers.items():
                for r, cid in enumerate(keep(name, ids)[:POINTER_DEPTH], start=1):
                    bonus[cid] = bonus.get(cid, 0.0) + POINTER_BONUS / (1 + 0.1 * (r - 1))

        candidates = [
            c for c in dict.fromkeys([*cos, *best_sentence, *lex_pool, *bonus]) if self._allowed(q, c)
        ]
        if not candidates:
            return []
        if vec is not None:
            # Every candidate is scored on every signal, whichever retriever brought it in:
            # a passage the lexical side found still gets its own dense and sentence scores.
            missing = [c for c in candidates if c not in cos]
            cos.update({c: float(v @ vec) for c, v in self.dense.vectors(missing).items()})
            self._score_sentences([c for c in candidates if c not in best_sentence], vec, best_sentence)
        dense = {c: max(cos.get(c, -1.0), best_sentence.get(c, (-1.0, 0))[0]) for c in candidates}
        d_lo, d_hi = min(dense.values()), max(dense.values())

        def lex_of(cid: str) -> float:
            return lexical.get(cid, 0.0) if lexical is not None else 0.0

        b_hi = max((lex_of(c) for c in candidates), default=0.0) or 1.0
        alpha = {"hybrid": DENSE_WEIGHT, "dense": 1.0, "bm25": 0.0}[q.mode]
        scores: dict[str, float] = {}
        for c in candidates:
            d = (dense[c] - d_lo) / (d_hi - d_lo) if vec is not None and d_hi > d_lo else 0.0
            b = lex_of(c) / b_hi
            s = alpha * d + (1 - alpha) * b + bonus.get(c, 0.0)
            if q.mode == "hybrid" and self.catalog.chunks[c].doc in named:
                s += NAMED_DOC_BONUS
            if q.mode == "hybrid" and a.definition and _GLOSSARY.search(self.catalog.chunks[c].section):
                s += GLOSSARY_BONUS
            if q.mode == "hybrid" and q.role and q.role in self.catalog.chunks[c].roles:
                s += ROLE_BONUS
            if self.catalog.chunks[c].kind != "text":
                s -= NON_TEXT_PENALTY  # cited works and question lists are not guidance
            scores[c] = s
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[: q.k]
        return [
            Hit(
                chunk=self.catalog.chunks[cid],
                score=round(s, 6),
                cosine=dense[cid] if vec is not None else None,
                ranks={name: r[cid] for name, r in ranks.items() if cid in r},
            )
            for cid, s in best
        ]
