"""No input reaches a 500, and the web-facing defences hold (api/errors.py, api/web.py).

* a battery of malformed requests against every route: NaN/±Infinity as raw JSON tokens, lone
  surrogates, wrong types, nulls, nested garbage, traversal strings in every path parameter, a
  body over the limit; every answer is < 500 and every error body strict JSON in the route's
  documented shape;
* the Host check (DNS rebinding), the security headers, the PDF's symlink check, a bug's 500
  still in the documented shape, and the Allow header of a 405.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.api.fakes import FakeAnswerer, fake_app

RAW_TOKENS = [b"NaN", b"Infinity", b"-Infinity", b'"\\ud800"', b'"\\udfff x"', b'"a\\ud83d"', b"1e999"]
WRONG = [b"null", b"true", b"0", b"-1", b"12345678901234567890123", b'""', b"[]", b"{}", b'"x"', b"[null]"]
NESTED = [
    b'[{"role": "user", "content": NaN}]',
    b'[{"role": "\\ud800", "content": "x"}]',
    b'[{"role": "user", "content": [{"type": "text", "text": Infinity}]}]',
    b'[{"role": "user", "content": [{"type": NaN}]}]',
    b'{"\\ud800": "x"}',
    b'{"docs": NaN, "role": -Infinity}',
    b'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
    b'{"a": {"b": {"c": [1, 2, {"d": null}]}}}',
]
WHOLE = [
    b"",
    b"NaN",
    b"{",
    b'{"question": }',
    b"\xff\xfe\x00garbage",
    b'{"question": "caf\xe9"}',  # Latin-1, not UTF-8
    b'{"question": "x", "question": NaN}',
    b"[" * 50_000 + b"]" * 50_000,  # deeper than any parser's recursion
    b'"\\ud800"',
]
TRAVERSAL = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%5C..%5Cwindows%5Cwin.ini",
    "....//....//etc/passwd",
    "%00",
    "nist-ai-600-1%00.pdf",
    "%ED%A0%80",  # a surrogate's UTF-8 bytes: not UTF-8
    "%FF%FE",
    "NaN",
    "-Infinity",
    "x" * 300,
    ".hidden",
    "~root",
]
EXAMPLES: dict[str, dict[str, Any]] = {
    "/v1/ask": {"question": "What does GOVERN 1.2 say?"},
    "/v1/chat": {"messages": [{"role": "user", "content": "What does GOVERN 1.2 say?"}]},
    "/v1/chat/completions": {
        "model": "airq",
        "messages": [{"role": "user", "content": "What does GOVERN 1.2 say?"}],
    },
    "/v1/ingest": {"force": False},
}
OPENAI = {"/v1/chat/completions", "/v1/models"}
CHEAP_QUERY = {"/v1/roles/{role}/obligations": "?limit=1", "/v1/cite": "?q=GOVERN+1.2"}


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} in a response")

    return json.loads(text, parse_constant=refuse)


def check_reply(r: Any, path: str, what: str) -> None:
    """< 500; an error is strict JSON (no NaN, valid UTF-8) in the route's documented shape."""
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
    if r.status_code < 400:
        return
    assert r.headers["content-type"].startswith("application/json"), f"{what}: {r.headers}"
    body = strict_json(r.content.decode("utf-8"))
    if path in OPENAI:
        err = body["error"]
        assert set(err) == {"message", "type", "param", "code"} and isinstance(err["message"], str), what
    else:
        assert isinstance(body["detail"], str) and "\n" not in body["detail"], what
        assert set(body) <= {"detail", "errors"}, what


def bodies(fields: list[str]) -> Iterator[bytes]:
    """Whole-body garbage, then every field set to every token (and the valid example with it)."""
    yield from WHOLE
    yield from RAW_TOKENS
    for name in fields:
        for token in [*RAW_TOKENS, *WRONG, *NESTED]:
            yield b'{"' + name.encode() + b'": ' + token + b"}"


def operations(app: FastAPI) -> Iterator[tuple[str, str, list[str], list[str], list[str]]]:
    """(method, path, path params, query params, body fields) of every operation in the schema."""
    doc = app.openapi()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            fields: list[str] = []
            if "$ref" in body:
                fields = list(doc["components"]["schemas"][body["$ref"].split("/")[-1]]["properties"])
            yield (
                method.upper(),
                path,
                [p["name"] for p in params if p["in"] == "path"],
                [p["name"] for p in params if p["in"] == "query"],
                fields,
            )


@pytest.mark.integration
def test_malformed_requests_never_reach_a_server_error(api_app: FastAPI, client: TestClient) -> None:
    ops = list(operations(api_app))
    assert len(ops) >= 14
    limit = api_app.state.airq.settings.max_body_bytes
    json_ct = {"content-type": "application/json"}
    sent = 0
    for method, path, path_params, query, fields in ops:
        concrete = path
        for p in path_params:  # a real value first, so the body and query tests reach the route
            concrete = concrete.replace(
                "{" + p + "}", {"doc": "nist-ai-600-1", "n": "3"}.get(p, "ai-developer")
            )
        # Every path parameter gets every traversal string (raw, as the client sends it).
        for p in path_params:
            for bad in TRAVERSAL:
                url = concrete.replace({"doc": "nist-ai-600-1", "n": "3"}.get(p, "ai-developer"), bad, 1)
                r = client.request(method, url)
                check_reply(r, path, f"{method} {url}")
                if path.endswith("/pdf"):
                    assert r.status_code != 200 or url.endswith("/nist-ai-600-1/pdf"), url
                sent += 1
        # Query parameters: non-finite words, a surrogate's bytes, nothing, too much.
        for q in query:
            for bad in ["NaN", "-Infinity", "%ED%A0%80", "%00", "x" * 60_000, "{}"]:
                r = client.request(method, f"{concrete}?{q}={bad}")
                check_reply(r, path, f"{method} {concrete}?{q}={bad[:20]}")
                sent += 1
        # Bodies: every field of a route's body gets every token; a route that reads no body
        # gets a few (it must ignore them), with a cheap query where it has one.
        cheap = concrete + CHEAP_QUERY.get(path, "")
        for body in bodies(fields) if fields else [WHOLE[1], WHOLE[4], RAW_TOKENS[3]]:
            r = client.request(method, cheap, content=body, headers=json_ct)
            check_reply(r, path, f"{method} {concrete} {body[:80]!r}")
            sent += 1
        over = b'{"question": "' + b"x" * (limit + 10) + b'"}'
        r = client.request(method, cheap, content=over, headers=json_ct)
        check_reply(r, path, f"{method} {concrete} over the limit")
        if method == "POST":
            assert r.status_code == 413
            chunked = client.request(
                method, concrete, content=iter([over[:1000], over[1000:]]), headers=json_ct
            )
            check_reply(chunked, path, f"{method} {concrete} over the limit, chunked")
            assert chunked.status_code == 413
        # Methods the route does not serve: 405, with every method that path does serve.
        for other in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            r = client.request(other, concrete)
            check_reply(r, path, f"{other} {concrete}")
            sent += 1
    # Outside the schema: the chat page, its files, the docs pages.
    for url in [
        "/",
        "/static/app.js",
        "/static/../../core/settings.py",
        "/static/..%2F..%2Fcore%2Fsettings.py",
    ]:
        for method in ("GET", "POST", "DELETE"):
            r = client.request(method, url, content=b"NaN", headers=json_ct)
            assert r.status_code < 500 and (r.status_code < 400 or strict_json(r.text)["detail"]), url
            assert "settings.py" not in url or r.status_code in (404, 405), url
    assert sent > 500, sent


@pytest.mark.integration
def test_the_valid_example_of_each_answering_route_still_answers(client: TestClient) -> None:
    for path, body in EXAMPLES.items():
        if path != "/v1/ingest":
            assert client.post(path, json=body).status_code == 200, path


def test_validation_errors_name_the_field_and_never_echo_the_input(tmp_path: Path) -> None:
    with TestClient(fake_app(tmp_path, FakeAnswerer())) as c:
        h = {"content-type": "application/json"}
        r = c.post("/v1/ask", content=b'{"question": NaN}', headers=h)
        assert r.status_code == 422
        assert r.json() == {
            "detail": "body: not valid JSON at character 13: NaN is not a JSON number",
            "errors": [
                {
                    "loc": ["body"],
                    "msg": "not valid JSON at character 13: NaN is not a JSON number",
                    "type": "json_invalid",
                }
            ],
        }
        r = c.post("/v1/chat", content=b'{"messages": [{"role": "user", "content": "\\ud800"}]}', headers=h)
        assert r.status_code == 422 and "lone surrogate" in r.json()["detail"]
        r = c.post("/v1/ask", json={"question": 1.5, "k": "many", "colour": "red"})
        body = r.json()
        assert (
            r.status_code == 422
            and body["detail"].startswith("body.question: ")
            and "(and 2 more)" in body["detail"]
        )
        assert [e["loc"] for e in body["errors"]] == [["body", "question"], ["body", "k"], ["body", "colour"]]
        assert all(set(e) == {"loc", "msg", "type"} for e in body["errors"])  # no input, no ctx
        # The OpenAI-compatible route answers in OpenAI's shape, naming the parameter.
        r = c.post("/v1/chat/completions", json={"model": "airq", "messages": [{"role": "pilot"}]})
        assert r.status_code == 422
        err = r.json()["error"]
        assert err["type"] == "invalid_request_error" and err["param"] == "messages.0.role"
        assert err["message"].startswith("body.messages.0.role: ") and err["code"]
        r = c.post("/v1/chat/completions", content=b'{"model": "airq", "messages": Infinity}', headers=h)
        assert r.status_code == 422 and r.json()["error"]["code"] == "json_invalid"
        # Only the user's messages are questions: an empty assistant turn is fine, an empty question not.
        ok = {"messages": [{"role": "assistant", "content": ""}, {"role": "user", "content": "x"}]}
        assert c.post("/v1/chat", json=ok).status_code == 200
        r = c.post("/v1/chat", json={"messages": [{"role": "user", "content": "\t "}]})
        assert r.status_code == 422 and "empty" in r.json()["detail"]


def test_a_bug_is_still_an_error_in_the_documented_shape(tmp_path: Path) -> None:
    app = fake_app(tmp_path, FakeAnswerer(fail=RuntimeError("a bug")))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/v1/ask", json={"question": "x"})
        assert r.status_code == 500 and r.json() == {
            "detail": "internal error; the server log has the details"
        }
        assert r.headers["x-frame-options"] == "DENY" and "a bug" not in r.text
        r = c.post("/v1/chat/completions", json=EXAMPLES["/v1/chat/completions"])
        assert r.status_code == 500 and r.json()["error"]["type"] == "server_error"


def test_405_names_every_method_served_at_the_path(tmp_path: Path) -> None:
    with TestClient(fake_app(tmp_path, FakeAnswerer())) as c:
        for method in ("OPTIONS", "PUT", "DELETE"):
            r = c.request(method, "/v1/ingest")
            assert r.status_code == 405 and r.headers["allow"] == "GET, POST", method
            assert r.json() == {"detail": "Method Not Allowed"}
        r = c.options("/v1/models")
        assert r.status_code == 405 and r.headers["allow"] == "GET" and r.json()["error"]["message"]
        assert c.delete("/v1/documents/x").headers["allow"] == "GET"


# ---------------------------------------------------------------------------- Host


def test_default_hosts_follow_the_address_served() -> None:
    from api.web import default_allowed_hosts

    assert default_allowed_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "::1"]
    assert (
        default_allowed_hosts("::1")
        == default_allowed_hosts("localhost")
        == default_allowed_hosts("127.0.0.2")
    )
    assert default_allowed_hosts("0.0.0.0") == ["*"] and default_allowed_hosts("::") == ["*"]
    assert default_allowed_hosts("192.168.1.5")[0] == "192.168.1.5"


def test_a_wrong_host_gets_400_with_a_reason(tmp_path: Path) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: it must not read the API."""
    app = fake_app(tmp_path, FakeAnswerer(), allowed_hosts=None)  # what `airq serve` does on loopback
    for base in ("http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000", "http://LOCALHOST."):
        with TestClient(app, base_url=base) as c:
            assert c.get("/v1/roles").status_code == 200, base
    for host in ("attacker.example", "attacker.example:8000", "testserver", "localhost.attacker.example", ""):
        with TestClient(app, base_url="http://localhost") as c:
            r = c.get("/v1/documents", headers={"host": host})
            assert r.status_code == 400, host
            detail = r.json()["detail"]
            assert "not served here" in detail and "AIRQ_ALLOWED_HOSTS" in detail and "\n" not in detail
            assert r.headers["content-security-policy"]
            r = c.get("/v1/models", headers={"host": host})
            assert r.status_code == 400 and "not served here" in r.json()["error"]["message"]


def test_allowed_hosts_are_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRQ_ALLOWED_HOSTS", "airq.example.org, *.corp.example")
    s = Settings(data_dir=tmp_path, corpus_dir=tmp_path)
    assert s.allowed_hosts == ["airq.example.org", "*.corp.example"]
    from api.app import create_app

    with TestClient(create_app(s, load=False), base_url="http://localhost") as c:
        ok = ("airq.example.org", "AIRQ.example.org:443", "docs.corp.example")
        bad = ("localhost", "corp.example.evil", "example.org")
        assert [c.get("/healthz", headers={"host": h}).status_code for h in ok] == [200] * 3
        assert [c.get("/healthz", headers={"host": h}).status_code for h in bad] == [400] * 3
    anywhere = create_app(
        Settings(data_dir=tmp_path, corpus_dir=tmp_path, allowed_hosts=None), bind_host="0.0.0.0"
    )
    with TestClient(anywhere) as c:
        assert c.get("/healthz", headers={"host": "whatever.example"}).status_code == 200


# ---------------------------------------------------------------------------- headers


HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def csp(r: Any) -> dict[str, str]:
    policy = r.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in re.split(r";\s*", policy)}


@pytest.mark.integration
def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    replies = [
        client.get("/"),
        client.get("/static/app.js"),
        client.get("/static/nope.js"),
        client.get("/v1/roles"),
        client.get("/v1/documents/nope"),
        client.post("/v1/ask", json={}),
        client.put("/v1/ask"),
        client.get("/openapi.json"),
        client.get("/nowhere"),
    ]
    for r in replies:
        for name, value in HEADERS.items():
            assert r.headers[name] == value, (r.url, name)
        policy = csp(r)
        assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'", r.url
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'", r.url
        assert "unsafe-inline" not in r.headers["content-security-policy"], r.url
    # The PDF is framed by the chat page's own pane, and by no other site.
    pdf = client.get("/v1/documents/nist-ai-600-1/pdf")
    assert pdf.status_code == 200 and pdf.headers["x-frame-options"] == "SAMEORIGIN"
    assert csp(pdf)["frame-ancestors"] == "'self'" and pdf.headers["x-content-type-options"] == "nosniff"
    # The docs pages run FastAPI's one inline script by its hash, never 'unsafe-inline' scripts.
    docs = csp(client.get("/docs"))
    assert "'sha256-" in docs["script-src"] and "unsafe-inline" not in docs["script-src"]


def test_the_chat_page_has_no_inline_script_or_style() -> None:
    static = Path(__file__).resolve().parents[2] / "api" / "static"
    html = (static / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html and not re.search(r"\sstyle=", html), "inline style"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    js = (static / "app.js").read_text()
    assert "innerHTML" not in js.replace("never innerHTML", "") and "eval(" not in js


# ---------------------------------------------------------------------------- the PDF's path


@pytest.mark.integration
def test_a_pdf_reached_through_a_symlink_out_of_the_corpus_is_refused(
    api_app: Any, tmp_path: Path, shared_corpus: Path
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "store").mkdir(parents=True)
    # Out: the very file that was indexed (checksum right), but outside the corpus folder.
    (corpus / "nist-ai-600-1.pdf").symlink_to(shared_corpus / "nist-ai-600-1.pdf")
    # In: a link to a copy inside the folder is fine.
    shutil.copy(shared_corpus / "nist-ai-100-1.pdf", corpus / "store" / "nist-ai-100-1.pdf")
    (corpus / "nist-ai-100-1.pdf").symlink_to(Path("store") / "nist-ai-100-1.pdf")
    (corpus / "nist-sp-800-218a.pdf").symlink_to("nist-sp-800-218a.pdf")  # a loop
    state = api_app.state.airq
    old = state.settings
    state.settings = old.model_copy(update={"corpus_dir": corpus})
    try:
        with TestClient(api_app) as c:
            r = c.get("/v1/documents/nist-ai-600-1/pdf")
            assert r.status_code == 403
            assert "outside the corpus folder" in r.json()["detail"] and "\n" not in r.json()["detail"]
            r = c.get("/v1/documents/nist-ai-100-1/pdf")
            assert r.status_code == 200 and r.content.startswith(b"%PDF")
            assert c.get("/v1/documents/nist-sp-800-218a/pdf").status_code == 404
    finally:
        state.settings = old
