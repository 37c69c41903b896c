"""Overload is shaped (api/limits.py): one answer runs, a few wait, the rest get a fast 503
with Retry-After; a queued client that left is not answered; wrong ingest tokens get 429.

The engine is a stand-in (tests/api/fakes.py) that can be held mid-answer, so "busy" is a
state the test sets up rather than a race it hopes to win.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.limits import Admission, AuthThrottle, Busy
from core.settings import Settings
from tests.api.fakes import FakeAnswerer, fake_app

QUESTION = {"question": "What does GOVERN 1.2 say?"}
COMPLETION = {"model": "airq", "messages": [{"role": "user", "content": "What does GOVERN 1.2 say?"}]}


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def test_past_the_queue_answers_are_refused_at_once_with_retry_after(tmp_path: Path) -> None:
    answerer = FakeAnswerer(hold=True)
    app = fake_app(tmp_path, answerer, max_inflight=1, max_queue=2)
    gate: Admission = app.state.admission
    with TestClient(app) as c, ThreadPoolExecutor(3) as pool:
        held = [pool.submit(c.post, "/v1/ask", json={"question": f"question {i}"}) for i in range(3)]
        wait_for(lambda: gate.active == 1 and len(gate.waiting) == 2)

        started = time.monotonic()
        r = c.post("/v1/ask", json=QUESTION)
        assert time.monotonic() - started < 1.0  # refused, not queued
        assert r.status_code == 503 and "busy" in r.json()["detail"]
        assert int(r.headers["Retry-After"]) >= 1

        r = c.post("/v1/chat", json={"messages": COMPLETION["messages"]})
        assert r.status_code == 503 and r.headers["Retry-After"]
        r = c.post("/v1/chat/completions", json=COMPLETION)  # OpenAI's shape on OpenAI's route
        assert r.status_code == 503 and r.headers["Retry-After"]
        assert r.json()["error"]["type"] == "server_error" and "busy" in r.json()["error"]["message"]

        answerer.release.set()
        assert [f.result(timeout=30).status_code for f in held] == [200, 200, 200]
    assert len(answerer.calls) == 3 and gate.rejected == 3
    assert gate.active == 0 and not gate.waiting


def test_bad_input_is_refused_without_taking_a_place_in_the_queue(tmp_path: Path) -> None:
    answerer = FakeAnswerer(hold=True)
    app = fake_app(tmp_path, answerer, max_inflight=1, max_queue=1)
    gate: Admission = app.state.admission
    with TestClient(app) as c, ThreadPoolExecutor(2) as pool:
        held = pool.submit(c.post, "/v1/ask", json=QUESTION)
        wait_for(lambda: gate.active == 1)
        assert c.post("/v1/ask", json={"question": " "}).status_code == 422
        assert c.post("/v1/ask", json={"question": "x" * 3000}).status_code == 413
        assert not gate.waiting and gate.rejected == 0
        queued = pool.submit(c.post, "/v1/ask", json=QUESTION)
        wait_for(lambda: len(gate.waiting) == 1)
        # Full: now every answering request is refused first, before its body is even read.
        assert c.post("/v1/ask", json={"question": " "}).status_code == 503
        assert (
            c.post("/v1/chat", content=b"NaN", headers={"content-type": "application/json"}).status_code
            == 503
        )
        assert c.get("/v1/roles").status_code == 200  # other routes are not behind the queue
        answerer.release.set()
        assert held.result(timeout=30).status_code == queued.result(timeout=30).status_code == 200
    assert gate.rejected == 2


def _scope(body: bytes, path: str = "/v1/ask") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


async def _call(app: FastAPI, body: dict[str, Any], leaves: anyio.Event | None) -> int:
    """One request straight over ASGI; the client disconnects once ``leaves`` is set (never if
    None). Returns the status the app sent (to a client that may be gone)."""
    data = json.dumps(body).encode()
    sent_body = False
    status = 0
    done = anyio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": data, "more_body": False}
        # Like uvicorn: a gone client's disconnect is returned at once, without awaiting anything.
        while not (done.is_set() or (leaves is not None and leaves.is_set())):
            await anyio.sleep(0.005)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(_scope(data), receive, send)
    return status


def test_a_queued_request_whose_client_left_is_not_answered(tmp_path: Path) -> None:
    answerer = FakeAnswerer(hold=True)
    app = fake_app(tmp_path, answerer, max_inflight=1, max_queue=4)
    gate: Admission = app.state.admission

    async def scenario() -> tuple[int, int, int]:
        statuses: dict[str, int] = {}
        left = anyio.Event()

        async def run(name: str, leaves: anyio.Event | None) -> None:
            statuses[name] = await _call(app, {"question": name}, leaves)

        async with anyio.create_task_group() as tg:
            tg.start_soon(run, "first", None)
            while gate.active < 1:
                await anyio.sleep(0.01)
            tg.start_soon(run, "gone", left)
            tg.start_soon(run, "stays", None)
            while len(gate.waiting) < 2:
                await anyio.sleep(0.01)
            left.set()  # the second client hangs up while queued
            while len(gate.waiting) > 1:
                await anyio.sleep(0.01)
            answerer.release.set()
        return statuses["first"], statuses["gone"], statuses["stays"]

    first, gone, stays = anyio.run(scenario)
    assert (first, stays) == (200, 200) and gone == 499
    assert answerer.calls == ["first", "stays"]  # "gone" never reached the engine
    assert gate.dropped == 1 and gate.active == 0 and not gate.waiting


def test_a_client_gone_before_its_turn_starts_is_not_answered(tmp_path: Path) -> None:
    answerer = FakeAnswerer()
    app = fake_app(tmp_path, answerer)

    async def scenario() -> int:
        left = anyio.Event()
        left.set()  # disconnected by the time the slot is free
        return await _call(app, QUESTION, left)

    assert anyio.run(scenario) == 499
    assert answerer.calls == [] and app.state.admission.active == 0


def test_admission_hands_slots_on_in_order_and_estimates_the_wait() -> None:
    class Client:
        async def is_disconnected(self) -> bool:
            return False

    gate = Admission(slots=1, queue=2, mean_s=0.4)
    order: list[str] = []

    async def job(name: str) -> None:
        async with gate.admit(Client()):  # type: ignore[arg-type]
            order.append(name)
            await anyio.sleep(0.05)

    async def scenario() -> None:
        async with anyio.create_task_group() as tg:
            for name in "abc":
                tg.start_soon(job, name)
                await anyio.sleep(0.01)
            assert gate.active == 1 and len(gate.waiting) == 2
            assert gate.retry_after() == 2  # 3 answers of 0.4 s ahead, rounded up
            with pytest.raises(Busy):
                async with gate.admit(Client()):  # type: ignore[arg-type]
                    pass

    anyio.run(scenario)
    assert order == ["a", "b", "c"] and gate.active == 0 and gate.rejected == 1


def test_while_requests_are_refused_nobody_new_waits_and_the_queue_reopens_after() -> None:
    """Under overload the queue is always full, so a place in it only adds an answer's time to
    every accepted answer: after a refusal, newcomers are refused until refusals stop."""

    class Client:
        async def is_disconnected(self) -> bool:
            return False

    gate = Admission(slots=1, queue=2, mean_s=0.1, quiet_s=0.3)
    done: dict[str, anyio.Event] = {}
    outcome: dict[str, str] = {}

    async def ask(name: str) -> None:
        done[name] = anyio.Event()
        try:
            async with gate.admit(Client()):  # type: ignore[arg-type]
                outcome[name] = "answered"
                await done[name].wait()
        except Busy:
            outcome[name] = "refused"

    async def scenario() -> None:
        async with anyio.create_task_group() as tg:
            for name in "abcd":  # a runs, b and c wait (nobody refused yet), d is refused
                tg.start_soon(ask, name)
                await anyio.sleep(0.01)
            assert gate.active == 1 and len(gate.waiting) == 2 and outcome["d"] == "refused"
            done["a"].set()
            await anyio.sleep(0.01)  # b runs, c waits: there is room for one more …
            tg.start_soon(ask, "e")
            await anyio.sleep(0.01)
            assert outcome["e"] == "refused"  # … but not while requests are being refused
            await anyio.sleep(0.35)  # a quiet spell: the queue takes newcomers again
            tg.start_soon(ask, "f")
            await anyio.sleep(0.01)
            assert "f" not in outcome and len(gate.waiting) == 2
            for name in "bcf":
                done[name].set()
                await anyio.sleep(0.01)

    anyio.run(scenario)
    assert outcome == dict.fromkeys("abcf", "answered") | {"d": "refused", "e": "refused"}
    assert gate.active == 0 and not gate.waiting


def test_retry_after_grows_with_the_clients_refused_and_shrinks_when_they_stop() -> None:
    """Each refused client comes back once per Retry-After: telling 100 of them "1 s" would bring
    100 requests a second to a server answering 10; the wait given grows with them instead."""

    class Client:
        async def is_disconnected(self) -> bool:
            return False

    gate = Admission(slots=1, queue=0, mean_s=0.1, active=1)  # busy, nowhere to wait

    async def refused() -> int:
        with pytest.raises(Busy) as info:
            async with gate.admit(Client()):  # type: ignore[arg-type]
                pass
        return int((info.value.headers or {})["Retry-After"])

    waits = [anyio.run(refused) for _ in range(100)]
    assert waits[0] == 1 and waits == sorted(waits)
    assert waits[-1] == 11  # 0.1 s x (1 running + 100 refused lately), rounded up
    gate.refusals = deque(t - 60 for t in gate.refusals)  # a minute later, nobody came back
    assert anyio.run(refused) == 1


# ---------------------------------------------------------------------------- wrong ingest tokens


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_tokens_from_one_address_get_429_until_the_window_passes(tmp_path: Path) -> None:
    from api.app import create_app

    s = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path, api_token="s3cret")  # type: ignore[arg-type]
    app = create_app(s, load=False)
    clock = Clock()
    app.state.auth_throttle = AuthThrottle(limit=5, window=60, clock=clock)
    right, wrong = {"Authorization": "Bearer s3cret"}, {"Authorization": "Bearer guess"}
    with TestClient(app) as c, TestClient(app, client=("10.0.0.2", 40000)) as other:
        assert c.get("/v1/ingest").status_code == 401  # no token at all: not a guess, not counted
        for _ in range(5):
            assert c.get("/v1/ingest", headers=wrong).status_code == 401
        r = c.post("/v1/ingest", json={}, headers=wrong)
        assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 60
        assert "too many wrong tokens" in r.json()["detail"]
        # Locked out means locked out: even the right token is not compared (no oracle).
        assert c.get("/v1/ingest", headers=right).status_code == 429
        assert other.get("/v1/ingest", headers=right).status_code == 200  # another address

        clock.now += 61
        assert c.get("/v1/ingest", headers=right).status_code == 200
        assert c.get("/v1/ingest", headers=wrong).status_code == 401  # the record was cleared
        assert c.get("/v1/ingest", headers=right).status_code == 200


def test_the_throttle_forgets_the_oldest_address_first() -> None:
    clock = Clock()
    throttle = AuthThrottle(limit=1, window=60, clock=clock, max_clients=2)
    for client in ("a", "b", "c"):
        throttle.failed(client)
    assert list(throttle.failures) == ["b", "c"]
    throttle.check("a")  # forgotten: allowed again
    with pytest.raises(Exception, match="too many"):
        throttle.check("c")
