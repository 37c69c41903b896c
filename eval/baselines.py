"""What a user would build instead: LlamaIndex's starter recipe over the same PDFs.

One ``Document`` per page (pypdf text, no cleaning), the default ``SentenceSplitter``,
an in-memory ``VectorStoreIndex``, the same MiniLM embedder, top 5. It is measured in the
same run as airq so that the comparison is fair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.embed import Embedder


def _llama_embedding(embedder: Embedder) -> Any:
    from llama_index.core.bridge.pydantic import PrivateAttr
    from llama_index.core.embeddings import BaseEmbedding

    class _Wrapped(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=32)
            self._inner = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._inner.encode([query])[0]]

        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in self._inner.encode([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in self._inner.encode(texts)]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

    return _Wrapped(embedder)


@dataclass
class StarterHit:
    doc: str
    page: int
    text: str
    score: float


class LlamaIndexStarter:
    """The starter recipe; ``run(question)`` → top-k (doc, page) hits."""

    def __init__(self, pdfs: Sequence[tuple[str, Path]], embedder: Embedder, k: int = 5):
        from llama_index.core import Document, Settings, VectorStoreIndex
        from pypdf import PdfReader

        Settings.llm = None  # no OpenAI; retrieval only
        embed = _llama_embedding(embedder)
        Settings.embed_model = embed
        docs = []
        for doc_id, path in pdfs:
            for i, page in enumerate(PdfReader(str(path)).pages, start=1):
                text = page.extract_text() or ""
                if text.strip():
                    docs.append(Document(text=text, metadata={"doc": doc_id, "page": i}))
        self.index = VectorStoreIndex.from_documents(docs, embed_model=embed)
        self.retriever = self.index.as_retriever(similarity_top_k=k)

    def run(self, question: str) -> list[StarterHit]:
        return [
            StarterHit(
                n.node.metadata["doc"],
                int(n.node.metadata["page"]),
                n.node.get_content(),
                float(n.score or 0),
            )
            for n in self.retriever.retrieve(question)
        ]
