"""The systems an evaluation compares, behind one ``run(question)`` contract."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from eval.metrics import PageRef
from qa.answer import Answerer


@dataclass(frozen=True)
class Output:
    answer: str
    abstained: bool
    retrieved: list[list[PageRef]]  # ranked passages, each with its page(s)
    cited: list[PageRef]  # cited pages, best first
    quotes: int = 0
    verified: int = 0
    latency_ms: float = 0.0
    role: str | None = None  # the asker's role it answered for: "" none, None = no notion of roles
    extra: dict[str, object] = field(default_factory=dict)
    quote_texts: list[str] = field(default_factory=list)  # the quotes shown, for hygiene
    form: str | None = None  # the answer form it chose (airq only)
    not_indexed: list[str] | None = None  # documents it said are not indexed; None = no notion


def from_answer(a: dict[str, object], latency_ms: float = 0.0) -> Output:
    """An ``Output`` from the JSON answer schema (``airq ask --json``, ``POST /v1/ask``): what
    a batch run printed can be scored without the index. Its only ranking is the citations,
    in order."""
    cites = [c for c in a.get("citations", []) if isinstance(c, dict)]  # type: ignore[attr-defined]
    pages = [(str(c["doc"]), int(c["page"])) for c in cites]
    return Output(
        answer=str(a.get("answer", "")),
        abstained=bool(a.get("abstained")),
        retrieved=[[p] for p in pages],
        cited=[] if a.get("abstained") else pages,
        quotes=len(cites),
        verified=sum(1 for c in cites if c.get("verified")),
        latency_ms=latency_ms or float(a.get("timings_ms", {}).get("total", 0.0)),  # type: ignore[attr-defined]
        role=str(a.get("role") or ""),
        quote_texts=[str(c.get("quote", "")) for c in cites],
        form=a.get("form"),  # type: ignore[arg-type]
        not_indexed=list(a.get("not_indexed", [])),  # type: ignore[call-overload]
    )


class System(Protocol):
    name: str

    def run(self, question: str) -> Output: ...


class AirqSystem:
    """airq end to end; ``mode`` picks hybrid, dense-only or BM25-only retrieval."""

    def __init__(self, answerer: Answerer, mode: str = "hybrid", k: int = 5):
        self.answerer = answerer
        self.mode = mode
        self.k = k
        self.name = "airq" if mode == "hybrid" else f"airq-{mode}"

    def run(self, question: str) -> Output:
        t = time.perf_counter()
        resp = self.answerer.respond(question, k=self.k, mode=self.mode)
        ms = (time.perf_counter() - t) * 1000
        a = resp.answer
        return Output(
            answer=a.answer,
            abstained=a.abstained,
            retrieved=[[(h.chunk.doc, p) for p in h.chunk.pages] for h in resp.hits],
            cited=[] if a.abstained else [(c.doc, c.page) for c in a.citations],
            quotes=len(a.citations),
            verified=sum(c.verified for c in a.citations),
            latency_ms=ms,
            role=a.role or "",
            quote_texts=[c.quote for c in a.citations],
            form=a.form,
            not_indexed=list(a.not_indexed),
        )


class StarterSystem:
    """LlamaIndex's starter recipe: its "answer" is the retrieved text, best first (there is
    no LLM offline); it never abstains and quotes nothing it could verify."""

    name = "llamaindex-starter"

    def __init__(self, pdfs: Sequence[tuple[str, Path]], embedder: object, k: int = 5):
        from eval.baselines import LlamaIndexStarter

        self.starter = LlamaIndexStarter(pdfs, embedder, k=k)  # type: ignore[arg-type]

    def run(self, question: str) -> Output:
        t = time.perf_counter()
        hits = self.starter.run(question)
        ms = (time.perf_counter() - t) * 1000
        return Output(
            answer="\n".join(h.text for h in hits),
            abstained=False,
            retrieved=[[(h.doc, h.page)] for h in hits],
            cited=[(h.doc, h.page) for h in hits],
            latency_ms=ms,
            quote_texts=[h.text for h in hits],
        )
