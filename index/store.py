"""Dense passage store: a Chroma collection, embedded or on a Chroma server.

Embeddings are always passed in (Chroma's default embedder would try to download a model),
and telemetry is off. One collection per index build, so a new build never disturbs the
one that is answering.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from core.types import Chunk

_BATCH = 1000


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def make_client(persist_dir: Path | None, url: str | None) -> Any:
    """A ``PersistentClient`` on ``persist_dir``, or an ``HttpClient`` when ``url`` is set."""
    import chromadb

    if url:
        u = urlparse(url)
        return chromadb.HttpClient(
            host=u.hostname or "127.0.0.1",
            port=u.port or (443 if u.scheme == "https" else 8000),
            ssl=u.scheme == "https",
            settings=_chroma_settings(),
        )
    if persist_dir is None:
        raise ValueError("an embedded Chroma needs a directory")
    persist_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(persist_dir), settings=_chroma_settings())


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    """Flat, Chroma-compatible metadata; lists become delimited strings."""
    return {
        "chunk_id": chunk.id,
        "doc": chunk.doc,
        "page": chunk.page,
        "pages": ",".join(str(p) for p in chunk.pages),
        "section": chunk.section,
        "kind": chunk.kind,
        "section_top": chunk.section.split(" > ")[0] if chunk.section else "",
        "identifiers": "|" + "|".join(chunk.identifiers) + "|" if chunk.identifiers else "",
        "roles": "|" + "|".join(chunk.roles) + "|" if chunk.roles else "",
        "areas": "|" + "|".join(chunk.areas) + "|" if chunk.areas else "",
        **{f"role:{r}": 1 for r in chunk.roles},
    }


@dataclass(frozen=True)
class DenseHit:
    id: str
    cosine: float


class DenseStore:
    """Add passages with their vectors; query by vector with optional document filter.

    Chroma's own client, with no framework between: llama-index's ChromaVectorStore, used
    here before, cost 2.8 s of import in every process and built a node object per vector
    (this store's reads never needed its node format)."""

    def __init__(self, client: Any, collection: str, create: bool = False):
        if create:
            col = client.create_collection(
                collection, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        else:
            col = client.get_collection(collection, embedding_function=None)
        self.collection = col
        self._count: int | None = None if create else int(col.count())

    def add(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[dict[str, str | int]],
        vectors: np.ndarray,
    ) -> None:
        for i in range(0, len(ids), _BATCH):
            part = slice(i, i + _BATCH)
            self.collection.add(
                ids=list(ids[part]),
                embeddings=np.asarray(vectors[part], dtype=np.float32),
                documents=list(texts[part]),
                metadatas=[dict(m) for m in metadatas[part]],
            )

    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self.add(
            [c.id for c in chunks], [c.text for c in chunks], [chunk_metadata(c) for c in chunks], vectors
        )

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by id (to score passages that only the lexical ranking found)."""
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        return {
            i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)
        }

    def all_vectors(self, batch: int = 2000) -> dict[str, np.ndarray]:
        """Every stored vector by id, read in pages."""
        out: dict[str, np.ndarray] = {}
        for offset in range(0, self.count(), batch):
            got = self.collection.get(include=["embeddings"], limit=batch, offset=offset)
            pairs = zip(got["ids"], got["embeddings"], strict=True)
            out.update((i, np.asarray(e, dtype=np.float32)) for i, e in pairs)
        return out

    def count(self) -> int:
        """How many vectors: read once for a build being answered from (its collection never
        changes; on a Chroma server each read is a round trip), every time while writing."""
        return self._count if self._count is not None else int(self.collection.count())

    def query(
        self, vector: np.ndarray, k: int, docs: Sequence[str] | None = None, role: str | None = None
    ) -> list[DenseHit]:
        """Nearest passages, optionally only those of ``docs`` or addressed to ``role``."""
        conditions: list[dict[str, Any]] = []
        if docs:
            conditions.append({"doc": {"$in": list(docs)}})
        if role:
            conditions.append({f"role:{role}": {"$eq": 1}})
        where = conditions[0] if len(conditions) == 1 else {"$and": conditions} if conditions else None
        k = max(1, min(k, self.count()))
        query = [vector.astype(np.float32).tolist()]
        res = self.collection.query(query_embeddings=query, n_results=k, where=where, include=["distances"])
        # Cosine space: distance = 1 - cosine.
        return [DenseHit(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]


def drop_collection(client: Any, name: str) -> None:
    with contextlib.suppress(Exception):  # already gone: nothing to clean
        client.delete_collection(name)
