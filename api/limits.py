"""Shaping load: a bounded queue in front of answering, and a brake on guessing the ingest token.

Answers run one at a time (two cores; parallel answers only slow each other down). Without a
bound, a burst of clients would pile up behind that one, every one waiting longer than the
last, until clients time out and retry into the same pile. So at most ``max_inflight`` answers
run and ``max_queue`` wait; anyone else gets a 503 at once with ``Retry-After``, which a client
can act on. The queue is for a few people asking at the same moment: while requests are being
refused (overload) it takes nobody new, since under overload it is always full and a place in
it only adds one answer's time to every accepted answer. A queued request whose client has
gone is dropped without being answered: nobody would read the answer.

Retry-After is the time to get through what runs, what waits, and the clients refused within
the last Retry-After (each of them comes back once in that time): the more clients contend,
the longer each is told to wait, so well-behaved clients keep the retries near what the
server can answer instead of spending its two cores on refusals.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response


class Busy(HTTPException):
    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(503, detail, headers={"Retry-After": str(retry_after)})


class ClientGone(HTTPException):
    """The client left while queued; nobody reads this (499 is nginx's "client closed request")."""

    def __init__(self) -> None:
        super().__init__(499, "the client disconnected before its turn; not answered")


@dataclass(eq=False)
class _Waiter:
    event: anyio.Event = field(default_factory=anyio.Event)
    granted: bool = False


@dataclass
class Admission:
    """At most ``slots`` holders at once and ``queue`` waiting (FIFO); past that, ``Busy`` at once.
    No new waiter is taken within ``quiet_s`` of a refusal.

    Lives on one event loop (the server's); waiting requests poll ``request.is_disconnected()``
    every ``poll`` seconds, so a client that gave up leaves the queue within that time."""

    slots: int = 1
    queue: int = 1
    poll: float = 0.1
    active: int = 0
    waiting: deque[_Waiter] = field(default_factory=deque)
    mean_s: float = 0.1  # moving average of an answer's time, for Retry-After
    max_retry_after: int = 120
    admitted: int = 0
    rejected: int = 0
    dropped: int = 0  # left the queue (or got a slot) after their client had gone
    refusals: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))  # when, lately
    retry_s: float = 1.0  # the last Retry-After given, unrounded
    quiet_s: float = 1.0  # the queue reopens this long after the last refusal

    def room(self) -> int:
        """Places in the queue now: none while requests are being refused, all once they stop."""
        if self.refusals and time.monotonic() - self.refusals[-1] < self.quiet_s:
            return 0
        return self.queue

    def retry_after(self) -> int:
        """Seconds to answer what runs, what waits, and whoever was refused within the last
        Retry-After (they are coming back), at the recent pace of answers."""
        horizon = time.monotonic() - self.retry_s
        while self.refusals and self.refusals[0] < horizon:
            self.refusals.popleft()
        ahead = self.active + len(self.waiting) + len(self.refusals)
        self.retry_s = min(float(self.max_retry_after), max(1.0, self.mean_s * ahead / self.slots))
        return math.ceil(self.retry_s)

    def full(self) -> bool:
        """No slot free and no place in the queue: the next request would be refused."""
        return self.active >= self.slots and len(self.waiting) >= self.room()

    def refuse(self) -> Busy:
        self.rejected += 1
        self.refusals.append(time.monotonic())
        return Busy(
            f"busy: {self.active} answer(s) running and {len(self.waiting)} waiting; "
            "retry after Retry-After seconds",
            self.retry_after(),
        )

    async def _acquire(self, request: Request) -> None:
        if self.active < self.slots and not self.waiting:
            self.active += 1
            return
        if len(self.waiting) >= self.room():
            raise self.refuse()
        waiter = _Waiter()
        self.waiting.append(waiter)
        try:
            while not waiter.granted:
                with anyio.move_on_after(self.poll):
                    await waiter.event.wait()
                if not waiter.granted and await request.is_disconnected():
                    self.dropped += 1
                    raise ClientGone()
        except BaseException:
            if waiter.granted:
                self._release()  # handed a slot it will not use: pass it on
            else:
                self.waiting.remove(waiter)
            raise

    def _release(self, took: float | None = None) -> None:
        if took is not None:
            self.mean_s = 0.8 * self.mean_s + 0.2 * took
        if self.waiting:
            waiter = self.waiting.popleft()
            waiter.granted = True  # the slot passes straight on: ``active`` is unchanged
            waiter.event.set()
        else:
            self.active -= 1

    @asynccontextmanager
    async def admit(self, request: Request) -> AsyncIterator[None]:
        """Hold a slot for the body of the ``async with``; the client is checked once more first."""
        await self._acquire(request)
        if await request.is_disconnected():
            self.dropped += 1
            self._release()
            raise ClientGone()
        self.admitted += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._release(time.perf_counter() - started)


async def admission(request: Request) -> AbstractAsyncContextManager[None]:
    """The answering routes' ticket: ``async with admit:`` around the work itself, so bad input
    is refused (422, 404, 413) without ever taking a place in the queue."""
    gate: Admission = request.app.state.admission
    return gate.admit(request)


Admit = Annotated[AbstractAsyncContextManager[None], Depends(admission)]


class ShedLoad:
    """While the queue is full, answering requests are refused before their body is even read.

    Under overload most requests are refused, and each refusal takes the event loop from the
    answer running beside it (two cores, one GIL); so the refusal is the cheapest path there
    is. A request arriving while there is room goes on to validation and to ``admit``."""

    def __init__(self, app: ASGIApp, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.paths:
            gate: Admission = scope["app"].state.admission
            if gate.full():
                busy = gate.refuse()
                response = error_response(scope, 503, str(busy.detail), headers=busy.headers)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# ---------------------------------------------------------------------------- wrong tokens


class TooManyAttempts(HTTPException):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            f"too many wrong tokens from this address; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


@dataclass
class AuthThrottle:
    """After ``limit`` wrong bearer tokens from one client address within ``window`` seconds,
    that address gets 429 (its token not even compared) until the oldest failure is older than
    the window: guessing a token becomes ``limit`` tries a minute instead of thousands a second.
    A right token clears the address's record."""

    limit: int = 5
    window: float = 60.0
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 10_000  # the oldest address is forgotten first; memory stays bounded
    failures: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)

    def _recent(self, client: str) -> deque[float]:
        times = self.failures.get(client, deque())
        horizon = self.clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        return times

    def check(self, client: str) -> None:
        times = self._recent(client)
        if len(times) >= self.limit:
            raise TooManyAttempts(max(1, math.ceil(times[0] + self.window - self.clock())))

    def failed(self, client: str) -> None:
        times = self._recent(client)
        times.append(self.clock())
        self.failures[client] = times
        self.failures.move_to_end(client)
        while len(self.failures) > self.max_clients:
            self.failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        self.failures.pop(client, None)
