"""Optional written answers from a model the user runs (any OpenAI-compatible chat
endpoint: Ollama, vLLM, llama.cpp's server, a hosted API), held to what they cite.

The model gets the retrieved statements, numbered, and must put ``[n]`` after every
sentence. Each sentence it writes is then checked (``qa.check``) against the statements it
cites, and only against those: a sentence with no citation, a number or name its statements
lack, a citation to the wrong statement, or a "quote" that is not verbatim there is dropped
from the answer. Every sentence is still listed in ``claims`` with its verdict, so nothing
is hidden. If the endpoint is down, slow or returns nothing usable, the extractive answer
is returned with a note saying why; a model never turns an answer into an error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from core.text import quote_form
from core.types import Answer, CheckedSentence, Citation
from qa.answer import Answerer, Candidate, _distinct
from qa.check import SupportChecker, split_sentences

STATEMENTS = 8  # numbered statements the model is given
MAX_TOKENS = 600
_MARKER = re.compile(r"\s*\[(\d{1,2})\]")
_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d{1,2}\])+)")
# A quoted run of three words or more inside a generated sentence must be the source's own words.
_QUOTED = re.compile(r"[\"“]([^\"“”]{12,}?)[\"”]")

SYSTEM = (
    "You answer questions about U.S. guidance on AI in critical infrastructure using ONLY the "
    "numbered statements the user gives. After every sentence, put the number of each statement "
    "it rests on in square brackets, like [2] or [1][3]. Do not add facts, numbers or names that "
    "the statements do not give. Keep each document's obligation words as they are (should is not "
    "must). If the statements do not answer the question, say so in one sentence. Answer in at "
    "most five sentences, in plain prose."
)


class ModelFailed(Exception):
    """The endpoint gave no usable answer: the message says why, for the fallback note."""


class Generator:
    """``run(question, …)`` → ``Answer`` in ``generated`` mode, or the extractive one with a note."""

    def __init__(
        self,
        answerer: Answerer,
        checker: SupportChecker,
        url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 60.0,
    ):
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"AIRQ_LLM_URL: {url!r} must start with http:// or https://")
        if not model.strip():
            raise ValueError("AIRQ_LLM_MODEL: empty; name the model the endpoint serves")
        from openai import OpenAI

        self.answerer = answerer
        self.checker = checker
        self.url = url
        self.model = model
        self.timeout = timeout
        self.client = OpenAI(base_url=url, api_key=api_key or "unused", timeout=timeout, max_retries=0)

    def statements(self, scored: Sequence[Candidate]) -> list[tuple[Citation, Candidate]]:
        """The best statements of the retrieved passages (``scored``, as the extractive answer
        scored them), quoted and verified, numbered."""
        out: list[tuple[Citation, Candidate]] = []
        for c in _distinct(scored, STATEMENTS):
            cite, _ = self.answerer.citation(len(out) + 1, c)
            if cite.verified:
                out.append((cite, c))
        return out

    def complete(self, question: str, numbered: Sequence[tuple[Citation, Candidate]]) -> str:
        listing = "\n".join(
            f"[{cite.n}] {cite.quote}\n    (source: {self.answerer.place(cite)})" for cite, _ in numbered
        )
        try:
            reply = self.client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"Statements:\n{listing}\n\nQuestion: {question}"},
                ],
                temperature=0,
                max_tokens=MAX_TOKENS,
            )
        except Exception as exc:  # connection refused, timeout, HTTP error, a body that is no JSON
            raise ModelFailed(_reason(exc, self.timeout)) from exc
        try:
            text = reply.choices[0].message.content
        except (AttributeError, IndexError, TypeError) as exc:
            raise ModelFailed("its reply had no message") from exc
        if not isinstance(text, str) or not text.strip():
            raise ModelFailed("its reply was empty")
        return text

    def judge(
        self, text: str, numbered: Sequence[tuple[Citation, Candidate]]
    ) -> list[tuple[CheckedSentence, list[int]]]:
        """Each sentence the model wrote, checked against the statements it cites, with the
        numbers it cited."""
        by_n = {cite.n: (cite, c) for cite, c in numbered}
        out: list[tuple[CheckedSentence, list[int]]] = []
        # "… are managed. [3] Risk …": the markers after a full stop belong to the sentence before.
        text = _AFTER_STOP.sub(r"\2\1", text)
        for raw in split_sentences(text):
            marks = [int(n) for n in _MARKER.findall(raw)]
            sentence = _MARKER.sub("", raw).strip()
            named = [n for n in dict.fromkeys(marks) if n in by_n]
            cites = [by_n[n][0] for n in named]
            wrong = [n for n in dict.fromkeys(marks) if n not in by_n]
            if not marks:
                out.append((_verdict(sentence, "not_found", cites, ["citation: none given"]), []))
                continue
            if not named:
                out.append(
                    (
                        _verdict(
                            sentence, "not_found", cites, [f"citation: [{wrong[0]}] is no statement given"]
                        ),
                        [],
                    )
                )
                continue
            checked = self.checker.run(sentence, among=[by_n[n][1] for n in named])
            unmatched = list(checked.unmatched) + [f"citation: [{n}] is no statement given" for n in wrong]
            if checked.verdict != "supported" and not unmatched:
                unmatched.append(f"citation: {''.join(f'[{n}]' for n in named)} does not say this")
            for q in _QUOTED.findall(sentence):
                if not any(quote_form(q) in quote_form(c.quote) for c in cites):
                    unmatched.append(f"quote: “{q}” is not the cited statement's wording")
            verdict = checked.verdict if not unmatched or checked.verdict != "supported" else "partly"
            out.append((_verdict(sentence, verdict, cites, unmatched), named))
        return out

    def run(
        self,
        question: str,
        docs: Sequence[str] = (),
        k: int | None = None,
        qid: str | None = None,
        section: str | None = None,
        role: str | None = None,
    ) -> Answer:
        t0 = time.perf_counter()
        resp = self.answerer.respond(question, docs, k, qid, section=section, role=role)
        base = resp.answer
        if base.abstained or base.not_indexed:
            return base  # nothing to write from: the extractive abstention says why
        numbered = self.statements(resp.candidates)
        if not numbered:
            return base
        try:
            text = self.complete(question, numbered)
        except ModelFailed as exc:
            return _fallback(base, f"The model at {self.url} did not answer ({exc})")
        judged = self.judge(text, numbered)
        kept = [(c, ns) for c, ns in judged if c.verdict == "supported"]
        claims = [c for c, _ in judged]
        if not kept:
            why = (
                "none of its sentences is supported by the statements it cites"
                if judged
                else "its reply held no sentence"
            )
            return _fallback(base, f"The model's answer was not used: {why}", claims)
        # The citations the kept sentences name, renumbered in order of first use.
        order: dict[int, int] = {}
        for _, ns in kept:
            for n in ns:
                order.setdefault(n, len(order) + 1)
        by_n = {cite.n: cite for cite, _ in numbered}
        lines = [c.sentence + " " + "".join(f"[{order[n]}]" for n in ns) for c, ns in kept]
        citations = [by_n[n].model_copy(update={"n": m}) for n, m in order.items()]
        ms = round((time.perf_counter() - t0) * 1000, 1)
        return base.model_copy(
            update={
                "answer": " ".join(lines),
                "citations": citations,
                "mode": "generated",
                "model": self.model,
                "claims": claims,
                "timings_ms": {**base.timings_ms, "total": ms},
            }
        )


def _verdict(sentence: str, verdict: str, cites: list[Citation], unmatched: list[str]) -> CheckedSentence:
    return CheckedSentence(sentence=sentence, verdict=verdict, citations=cites, unmatched=unmatched)


def _fallback(base: Answer, why: str, claims: Sequence[CheckedSentence] = ()) -> Answer:
    note = f"{why}; this is the extractive answer, the documents' own sentences."
    return base.model_copy(update={"mode_note": note, "claims": list(claims)})


def _reason(exc: Exception, timeout: float) -> str:
    name = type(exc).__name__
    if "JSONDecode" in name:
        return "its reply was not JSON"
    if "Timeout" in name:
        return f"no reply within {timeout:g} s"
    if "Connection" in name:
        return "could not connect"
    status = getattr(exc, "status_code", None)
    if status is not None:
        return f"HTTP {status}"
    return f"{name}: {str(exc)[:120]}"
