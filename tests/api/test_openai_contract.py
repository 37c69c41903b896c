"""The OpenAI contract through the ``openai`` client against a real uvicorn server whose
answers can be held (no index needed): the first streamed chunk arrives while the answer is
still being computed, a client that goes away mid-stream leaves the server answering the
next one, and bad requests come back as OpenAI's typed errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import uvicorn
from openai import OpenAI

from tests.api.fakes import FakeAnswerer, fake_app
from tests.conftest import _free_port

MESSAGES = [{"role": "user", "content": "What does GOVERN 1.2 say?"}]


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[FakeAnswerer, OpenAI]]:
    answerer = FakeAnswerer(hold=True)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(fake_app(tmp_path, answerer), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield (
        answerer,
        OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0, timeout=30),
    )
    answerer.release.set()
    server.should_exit = True
    thread.join(timeout=10)


def test_the_first_chunk_arrives_before_the_answer_is_complete(held: tuple[FakeAnswerer, OpenAI]) -> None:
    answerer, client = held
    chunks = iter(client.chat.completions.create(model="airq", messages=MESSAGES, stream=True))  # type: ignore[arg-type]
    first = next(chunks)  # the answer is still held: nothing more can have been computed
    assert first.choices[0].delta.role == "assistant" and not answerer.release.is_set()
    answerer.release.set()
    rest = list(chunks)
    assert "".join(c.choices[0].delta.content or "" for c in rest).startswith("An answer.")
    assert rest[-1].choices[0].finish_reason == "stop"


def test_a_client_gone_mid_stream_leaves_the_server_answering(held: tuple[FakeAnswerer, OpenAI]) -> None:
    answerer, client = held
    stream = client.chat.completions.create(model="airq", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    next(iter(stream))
    stream.close()  # the client hangs up while the answer is computed
    answerer.release.set()
    again = client.chat.completions.create(model="airq", messages=MESSAGES)  # type: ignore[arg-type]
    assert again.choices[0].message.content and again.choices[0].message.content.startswith("An answer.")


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"model": "airq", "messages": []}, "messages"),
        ({"model": "airq", "messages": [{"role": "robot", "content": "hi"}]}, "messages.0.role"),
        ({"model": "airq", "messages": [{"role": "assistant", "content": "hi"}]}, "messages"),
        ({"messages": MESSAGES}, "model"),
    ],
)
def test_bad_requests_are_openai_errors_to_the_client(
    held: tuple[FakeAnswerer, OpenAI], kwargs: dict[str, Any], param: str
) -> None:
    """The openai client raises its own typed error, with the message and param the server set."""
    answerer, client = held
    answerer.release.set()
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        client.post("/chat/completions", body=kwargs, cast_to=dict)
    err = caught.value
    assert err.status_code == 422 and isinstance(err.body, dict)
    assert err.body["type"] == "invalid_request_error" and err.body["param"] == param, err.body
    assert err.body["message"] and err.body["code"]


def test_an_empty_or_broken_body_is_an_openai_error(held: tuple[FakeAnswerer, OpenAI]) -> None:
    _, client = held
    base = str(client.base_url).rstrip("/")
    for content in (b"", b"{not json", b"[]"):
        r = httpx.post(
            f"{base}/chat/completions", content=content, headers={"Content-Type": "application/json"}
        )
        body = r.json()
        assert r.status_code == 422 and set(body) == {"error"}, body
        assert set(body["error"]) == {"message", "type", "param", "code"}
    r = httpx.get(f"{base}/models")
    assert r.status_code == 200 and r.json()["data"][0]["id"] == "airq"
