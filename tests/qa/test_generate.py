"""Generated answers against a real OpenAI-compatible HTTP server in the test process that
plays the model: its replies are scripted from the numbered statements each request carries
(a faithful sentence, an invented number, a misattributed citation, no citation, a
frankenquote, malformed output, a timeout). Whatever the model writes, the answer shows no
sentence that the statements it cites do not support."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from qa.generate import Generator
from tests.conftest import needs_corpus

pytestmark = [needs_corpus, pytest.mark.integration]
QUESTION = "How should organizations manage risks from third-party AI components?"
Script = Callable[[dict[int, str]], bytes | str]


def _statements(body: dict[str, Any]) -> dict[int, str]:
    """The numbered statements of a chat request: "[n] quote" lines."""
    user = body["messages"][-1]["content"]
    return {int(n): q for n, q in re.findall(r"(?m)^\[(\d+)\] (.+)$", user)}


def _first_sentence(quote: str) -> str:
    s = re.split(r"(?<=[a-z)])\. (?=[A-Z])", quote)[0].rstrip(".:; ")
    return s + "."


class Model:
    """The server's state: the script for the next requests, and the requests it got."""

    def __init__(self) -> None:
        self.script: Script = lambda st: ""
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []


@pytest.fixture(scope="module")
def model() -> Iterator[tuple[Model, str]]:
    state = Model()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(body)
            time.sleep(state.delay)
            out = state.script(_statements(body))
            if isinstance(out, str):  # a well-formed completion with this text
                out = json.dumps(
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": out},
                                "finish_reason": "stop",
                            }
                        ],
                    }
                ).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout case)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture(scope="module")
def generator(engine: Any, model: tuple[Model, str]) -> Generator:
    return Generator(engine.answerer, engine.checker, model[1], "scripted-model", timeout=2.0)


def _answer(generator: Generator, model: Model, script: Script, delay: float = 0.0) -> Any:
    model.script, model.delay = script, delay
    try:
        return generator.run(QUESTION)
    finally:
        model.delay = 0.0


def _prose(st: dict[int, str]) -> list[int]:
    """Statements written as prose (not bulleted lists) whose first sentence says something."""
    return [n for n, q in st.items() if "•" not in q and len(_first_sentence(q).split()) >= 8]


def _faithful(st: dict[int, str]) -> str:
    n = _prose(st)[0]
    return f"{_first_sentence(st[n])} [{n}]"


def _other(st: dict[int, str]) -> tuple[int, str]:
    """A second prose statement's number and first sentence (what the bad sentences are made of)."""
    n = _prose(st)[1]
    return n, _first_sentence(st[n])


def _never_shows_unsupported(a: Any) -> None:
    """Every sentence in the answer is one the checker supported, and every citation is
    a verified quote."""
    supported = {c.sentence for c in a.claims if c.verdict == "supported"}
    for line in re.split(r"(?<=\])\s+", a.answer.strip()):
        assert re.sub(r"\s*\[\d+\]", "", line).strip() in supported, line
    assert all(c.verified for c in a.citations)


def test_a_faithful_answer_is_shown_with_its_citations(
    generator: Generator, model: tuple[Model, str]
) -> None:
    a = _answer(generator, model[0], _faithful)
    assert a.mode == "generated" and a.model == "scripted-model" and not a.mode_note
    assert a.claims and all(c.verdict == "supported" for c in a.claims)
    assert a.answer.endswith("[1]") and len(a.citations) == 1
    _never_shows_unsupported(a)
    sent = model[0].requests[-1]
    assert sent["model"] == "scripted-model" and "[1]" in sent["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("kind", "bad", "why"),
    [
        (
            "invented number",
            lambda st: _other(st)[1].replace(".", " within 90 days. ") + f"[{_other(st)[0]}]",
            "number: 90",
        ),
        ("misattributed citation", lambda st: f"{_other(st)[1]} [{_prose(st)[0]}]", "citation: ["),
        ("no citation", lambda st: _other(st)[1], "citation: none given"),
        (
            "frankenquote",
            lambda st: (
                'NIST states that "'
                + " ".join(st[_prose(st)[0]].split()[:6] + _other(st)[1].split()[-6:]).rstrip(".")
                + f'" [{_prose(st)[0]}][{_other(st)[0]}].'
            ),
            "quote:",
        ),
        ("a citation to no statement", lambda st: f"{_other(st)[1]} [42]", "citation: [42]"),
    ],
)
def test_each_unsupported_sentence_is_caught_and_left_out(
    generator: Generator, model: tuple[Model, str], kind: str, bad: Script, why: str
) -> None:
    def script(st: dict[int, str]) -> str:
        return f"{_faithful(st)} {bad(st)}"

    a = _answer(generator, model[0], script)
    assert a.mode == "generated", a.mode_note
    caught = [c for c in a.claims if c.verdict != "supported"]
    assert len(a.claims) == 2 and len(caught) == 1, (kind, a.claims)
    assert caught[0].sentence not in a.answer
    assert not why or any(u.startswith(why) for u in caught[0].unmatched), caught[0].unmatched
    _never_shows_unsupported(a)


def test_nothing_supported_falls_back_to_the_extractive_answer(
    generator: Generator, model: tuple[Model, str]
) -> None:
    a = _answer(generator, model[0], lambda st: "Operators must file quarterly AI audits with the EPA [1].")
    assert a.mode == "extractive" and "not used" in a.mode_note
    assert a.claims and a.claims[0].verdict != "supported"
    assert a.citations and all(c.verified for c in a.citations)


@pytest.mark.parametrize(
    ("reply", "delay", "note"),
    [
        (lambda st: b"this is not json", 0.0, "did not answer"),
        (lambda st: json.dumps({"choices": []}).encode(), 0.0, "no message"),
        (lambda st: "   ", 0.0, "empty"),
        (lambda st: "too late [1]", 3.0, "no reply within 2 s"),
    ],
)
def test_malformed_empty_or_slow_replies_fall_back_with_a_note(
    generator: Generator, model: tuple[Model, str], reply: Script, delay: float, note: str
) -> None:
    t = time.perf_counter()
    a = _answer(generator, model[0], reply, delay)
    assert a.mode == "extractive" and note in a.mode_note and "extractive answer" in a.mode_note
    assert not a.abstained and a.citations and time.perf_counter() - t < 15


def test_a_server_that_is_down_falls_back(engine: Any) -> None:
    g = Generator(engine.answerer, engine.checker, "http://127.0.0.1:9/v1", "m", timeout=2.0)
    a = g.run(QUESTION)
    assert a.mode == "extractive" and "could not connect" in a.mode_note


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="AIRQ_LLM_MODEL"):
        Generator(None, None, "http://localhost:11434/v1", " ")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="AIRQ_LLM_URL"):
        Generator(None, None, "localhost:11434", "llama3")  # type: ignore[arg-type]
