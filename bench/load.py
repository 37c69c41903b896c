"""Loopback load test: a real ``airq serve`` (uvicorn) against a built index, driven by 1, 10,
50 and 200 concurrent clients for a bounded time each; shows the answering queue at work.

    .venv/bin/python bench/load.py [--data .airq] [--seconds 20] [--clients 1,10,50,200]
                                   [--out bench/load.json]

Each client is its own httpx client (one connection) asking ``POST /v1/ask`` in a loop with
questions from the dev set. A client told 503 waits ``Retry-After`` seconds (up to 50 % more, so the
clients do not return in step), as a well-behaved client does; one more run at the highest
count ignores Retry-After and retries at once, to show what hammering clients do. Only
requests started inside a window count; the window then waits for them to end.

Writes the figures as JSON and prints a Markdown table; "server p95" is the accepted
requests' p95 by the server's own ``Server-Timing`` (the rest of the wait is on the way and in
this load generator, which shares the two cores). The goal checked at the end, for both the
honouring and the impatient clients: at the highest count, no error other than fast 503s, and
accepted requests' p95 at most 3x the p95 of a single client. Not part of the test suite (it
takes minutes and wants a quiet machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvloop

ROOT = Path(__file__).resolve().parent.parent
GOAL_P95_FACTOR = 3.0
FAST_503_S = 0.5  # a refusal slower than this is not "fast"


@dataclass
class Sample:
    started: float
    took: float
    status: int  # 0 = no HTTP response (timeout, connection error)
    error: str = ""
    server: float | None = None  # seconds the server took by its Server-Timing header


@dataclass
class Level:
    clients: int
    honours_retry_after: bool
    seconds: float
    requests: int = 0
    accepted: int = 0
    rejected_503: int = 0
    other_errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    throughput_per_s: float = 0.0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    rejection_rate: float = 0.0
    p95_503_ms: float | None = None
    max_503_ms: float | None = None
    server_max_503_ms: float | None = None  # refusals, by the server's own clock
    server_p95_ms: float | None = None  # accepted requests, by the server's own clock


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of seconds, in ms."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return round(ordered[rank - 1] * 1000, 1)


def questions() -> list[str]:
    lines = (ROOT / "eval" / "datasets" / "dev.jsonl").read_text().splitlines()
    qs = [json.loads(line)["question"] for line in lines if line.strip()]
    return [q for q in qs if len(q) <= 2000]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End the server: politely, then for good after 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_server(
    data: Path, corpus: Path | None, log: Path, extra_env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "AIRQ_DATA_DIR": str(data), **(extra_env or {})}
    env.pop("AIRQ_ALLOWED_HOSTS", None)  # the served default: loopback names
    if corpus is not None:
        env["AIRQ_CORPUS_DIR"] = str(corpus)
    exe = str(Path(sys.executable).with_name("airq"))
    with log.open("wb") as out:
        proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"airq serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop(proc)
            raise SystemExit(f"airq serve not ready after 300 s: {log.read_text()[-2000:]}")
        time.sleep(0.3)


def server_time(r: httpx.Response) -> float | None:
    """``Server-Timing: app;dur=ms``: the part of the wait spent inside the server's app."""
    for part in r.headers.get("server-timing", "").split(","):
        name, _, dur = part.strip().partition(";dur=")
        if name == "app" and dur:
            return float(dur) / 1000
    return None


async def client_loop(
    http: httpx.AsyncClient, qs: list[str], until: float, honour: bool, samples: list[Sample], seed: int
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        question = rng.choice(qs)
        started = time.monotonic()
        try:
            r = await http.post("/v1/ask", json={"question": question})
            sample = Sample(started, time.monotonic() - started, r.status_code, server=server_time(r))
            if r.status_code not in (200, 503):
                sample.error = f"{r.status_code} {r.text[:120]}"
        except httpx.HTTPError as exc:
            r = None
            sample = Sample(started, time.monotonic() - started, 0, f"{type(exc).__name__}: {exc}"[:160])
        samples.append(sample)
        if r is not None and r.status_code == 503:
            wait = float(r.headers.get("Retry-After", "1")) if honour else 0.0
            if wait:
                await asyncio.sleep(min(wait * rng.uniform(1.0, 1.5), max(0.0, until - time.monotonic())))
            else:
                await asyncio.sleep(0)  # impatient: straight back, but let others run


async def run_level(url: str, qs: list[str], clients: int, seconds: float, honour: bool) -> Level:
    # One httpx client (one connection) per simulated user, made before the window: a single
    # client's pool scans every connection for every request (quadratic: 200 connections made
    # the load generator, not the server, the bottleneck), and each client building its own
    # TLS context would cost ~20 ms of CPU apiece.
    # Idle connections are dropped by the client after 4 s, before uvicorn's 5 s keep-alive
    # timeout: otherwise a client back from a Retry-After wait can send on a connection the
    # server is closing at that instant (a ReadError that says nothing about the server).
    tls = ssl.create_default_context()
    limits = httpx.Limits(max_connections=1, keepalive_expiry=4.0)
    users = [httpx.AsyncClient(base_url=url, timeout=120, verify=tls, limits=limits) for _ in range(clients)]
    samples: list[Sample] = []
    try:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            *(client_loop(http, qs, until, honour, samples, seed=i) for i, http in enumerate(users))
        )
        elapsed = time.monotonic() - started
    finally:
        for http in users:
            await http.aclose()
    level = Level(clients=clients, honours_retry_after=honour, seconds=round(elapsed, 1))
    ok = [s.took for s in samples if s.status == 200]
    refused = [s.took for s in samples if s.status == 503]
    errors = [s for s in samples if s.status not in (200, 503)]
    slow_refusals = [t for t in refused if t > FAST_503_S]
    for s in errors:
        kind = s.error.split(":")[0] if s.status == 0 else str(s.status)
        level.error_kinds[kind] = level.error_kinds.get(kind, 0) + 1
    if slow_refusals:
        level.error_kinds[f"503 slower than {FAST_503_S} s"] = len(slow_refusals)
    level.requests = len(samples)
    level.accepted = len(ok)
    level.rejected_503 = len(refused)
    level.other_errors = len(errors) + len(slow_refusals)
    level.throughput_per_s = round(len(ok) / elapsed, 2)
    level.p50_ms, level.p95_ms, level.p99_ms = (percentile(ok, q) for q in (50, 95, 99))
    level.max_ms = round(max(ok) * 1000, 1) if ok else None
    level.rejection_rate = round(len(refused) / len(samples), 3) if samples else 0.0
    level.server_p95_ms = percentile([s.server for s in samples if s.status == 200 and s.server], 95)
    server_refused = [s.server for s in samples if s.status == 503 and s.server is not None]
    level.server_max_503_ms = round(max(server_refused) * 1000, 1) if server_refused else None
    level.p95_503_ms = percentile(refused, 95)
    level.max_503_ms = round(max(refused) * 1000, 1) if refused else None
    return level


def goal_at(top: Level, single: Level) -> dict[str, Any]:
    ratio = (top.p95_ms or 0) / single.p95_ms if single.p95_ms else None
    return {
        "errors_at_max_clients": top.other_errors,
        "p95_at_max_over_p95_at_one": round(ratio, 2) if ratio is not None else None,
        "met": top.other_errors == 0 and ratio is not None and ratio <= GOAL_P95_FACTOR,
    }


def table(levels: list[Level]) -> str:
    head = (
        "| clients | Retry-After | requests | accepted/s | p50 ms | p95 ms | p99 ms | max ms "
        "| server p95 ms | 503 rate | 503 p95 ms | other errors |"
    )
    rows = [head, "|" + "---|" * 12]
    for lv in levels:
        errs = ", ".join(f"{k}: {v}" for k, v in lv.error_kinds.items()) or "0"
        rows.append(
            f"| {lv.clients} | {'honoured' if lv.honours_retry_after else 'ignored'} | {lv.requests} "
            f"| {lv.throughput_per_s} | {lv.p50_ms} | {lv.p95_ms} | {lv.p99_ms} | {lv.max_ms} "
            f"| {lv.server_p95_ms or '-'} | {lv.rejection_rate:.1%} | {lv.p95_503_ms or '-'} | {errs} |"
        )
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=Path(os.environ.get("AIRQ_DATA_DIR", ROOT / ".airq")))
    p.add_argument("--corpus", type=Path, default=None, help="AIRQ_CORPUS_DIR for the server (optional)")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each window")
    p.add_argument("--clients", default="1,10,50,200", help="concurrent clients, comma-separated")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "load.json")
    args = p.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    qs = questions()
    log = Path(tempfile.mkdtemp(prefix="airq-load-")) / "serve.log"
    proc, url = start_server(args.data.resolve(), args.corpus, log)
    levels: list[Level] = []
    try:
        with httpx.Client(base_url=url, timeout=60) as warm:  # models and caches warm, as in use
            for q in qs[:5]:
                warm.post("/v1/ask", json={"question": q}).raise_for_status()
        runs = [(n, True) for n in counts] + [(max(counts), False)]
        for n, honour in runs:
            level = uvloop.run(run_level(url, qs, n, args.seconds, honour))
            levels.append(level)
            mode = "honouring" if honour else "ignoring"
            print(f"{n} clients ({mode} Retry-After): {asdict(level)}", flush=True)
    finally:
        stop(proc)

    single = next(lv for lv in levels if lv.clients == min(counts))
    goals = {
        "honouring" if top.honours_retry_after else "impatient": goal_at(top, single)
        for top in levels
        if top.clients == max(counts)
    }
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count()},
        "server": {"data_dir": str(args.data), "log": str(log)},
        "window_s": args.seconds,
        "levels": [asdict(lv) for lv in levels],
        "goal": goals,
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(table(levels))
    print()
    for kind, goal in goals.items():
        print(
            f"Goal at {max(counts)} {kind} clients: {goal['errors_at_max_clients']} errors other than "
            f"fast 503s; accepted p95 = {goal['p95_at_max_over_p95_at_one']}x the p95 at one client "
            f"({single.p95_ms} ms; goal <= {GOAL_P95_FACTOR}x): {'met' if goal['met'] else 'NOT met'}."
        )
    print(f"Figures: {args.out}")
    if statistics.mean([lv.throughput_per_s for lv in levels]) == 0:
        raise SystemExit("no request was answered")


if __name__ == "__main__":
    main()
