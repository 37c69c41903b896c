"""Every endpoint and its error paths, in-process over the real index (TestClient)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.pdfmaker import make_pdf
from tests.quotecheck import on_its_pages

pytestmark = pytest.mark.integration


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz").json()
    assert r["ready"] and r["documents"] == 5 and r["passages"] > 1000


def test_not_ready_without_an_index(tmp_path: Path) -> None:
    from api.app import create_app

    app = create_app(Settings(data_dir=tmp_path / "none", corpus_dir=tmp_path))
    with TestClient(app) as c:
        for _ in range(100):
            r = c.get("/readyz")
            if "airq ingest" in r.json()["detail"]:
                break
            time.sleep(0.1)
        assert r.status_code == 503 and "run `airq ingest` first" in r.json()["detail"]
        assert c.get("/healthz").status_code == 200
        r = c.post("/v1/ask", json={"question": "What is GOVERN 1.2?"})
        assert r.status_code == 503 and "airq ingest" in r.json()["detail"]


def test_ask_returns_the_answer_schema_with_quotes_on_their_pages(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": "How should AI systems be tested before deployment?"})
    assert r.status_code == 200
    a = r.json()
    assert set(a) >= {"question", "answer", "abstained", "citations", "timings_ms", "role", "role_source"}
    assert not a["abstained"] and a["citations"]
    for c in a["citations"]:
        assert c["verified"] and f"[{c['n']}]" in a["answer"]
        page = client.get(f"/v1/documents/{c['doc']}/pages/{c['page']}").json()
        assert page["page_label"] == c["page_label"]
        second = (
            client.get(f"/v1/documents/{c['doc']}/pages/{c['page_end']}").json() if c["page_end"] else None
        )
        assert on_its_pages(c["quote"], page["text"], second["text"] if second else None)


def test_ask_scoped_to_a_document_and_a_role(client: TestClient) -> None:
    body = {"question": "What should we check about third parties?", "docs": ["nist-sp-800-218a"]}
    a = client.post("/v1/ask", json={**body, "role": "ai-developer"}).json()
    assert {c["doc"] for c in a["citations"]} <= {"nist-sp-800-218a"}
    assert a["role"] == "ai-developer" and a["role_source"] == "given" and "AI developers" in a["role_note"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"question": "x", "docs": ["no-such-doc"]}, 404, "no-such-doc"),
        ({"question": "x" * 5000}, 413, "limit is 2000"),
        ({"question": "   "}, 422, "empty"),
        ({"question": "x", "role": "astronaut"}, 422, "role"),
        ({"question": "x", "k": 0}, 422, "k"),
        ({"question": "x", "colour": "red"}, 422, "colour"),
        ({}, 422, "question"),
    ],
)
def test_ask_rejects_bad_input_clearly(
    client: TestClient, body: dict[str, Any], status: int, words: str
) -> None:
    r = client.post("/v1/ask", json=body)
    assert r.status_code == status
    assert words in json.dumps(r.json()["detail"])


def test_chat_follow_up_keeps_document_and_says_so(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "What does the GenAI profile say about third-party components?"},
        {"role": "assistant", "content": "…"},
        {"role": "user", "content": "And what about procurement?"},
    ]
    r = client.post("/v1/chat", json={"messages": messages})
    assert r.status_code == 200
    a = r.json()
    assert a["question"] == "And what about procurement?"
    assert a["carried"]["docs"] == ["nist-ai-600-1"] and "nist-ai-600-1" in a["note"]
    assert {c["doc"] for c in a["citations"]} == {"nist-ai-600-1"}


def test_chat_streams_meta_deltas_then_the_answer(client: TestClient) -> None:
    body = {"messages": [{"role": "user", "content": "What does GOVERN 1.2 say?"}], "stream": True}
    with client.stream("POST", "/v1/chat", json=body) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = [
        (
            block.split("\n")[0].removeprefix("event: "),
            json.loads(block.split("\n")[1].removeprefix("data: ")),
        )
        for block in text.strip().split("\n\n")
    ]
    names = [e for e, _ in events]
    assert names[0] == "meta" and names[-1] == "answer" and set(names[1:-1]) == {"delta"}
    final = events[-1][1]
    assert "".join(d["text"] for e, d in events if e == "delta") == final["answer"]
    assert final["citations"] and "GOVERN 1.2" in final["citations"][0]["section"]


def test_chat_checks_every_question_not_only_the_last(client: TestClient) -> None:
    messages = [
        {"role": "user", "content": "risk " * 1000},
        {"role": "assistant", "content": "…"},
        {"role": "user", "content": "And what about that?"},
    ]
    r = client.post("/v1/chat", json={"messages": messages})
    assert r.status_code == 413 and "messages[0].content" in r.json()["detail"]


def test_chat_needs_a_user_question_last(client: TestClient) -> None:
    r = client.post("/v1/chat", json={"messages": [{"role": "assistant", "content": "hello"}]})
    assert r.status_code == 422 and "last message" in r.json()["detail"]
    assert client.post("/v1/chat", json={"messages": []}).status_code == 422


def test_cite_identifier_page_and_errors(client: TestClient) -> None:
    r = client.get("/v1/cite", params={"q": "GOVERN 1.2"}).json()
    assert r["kind"] == "identifier" and r["matches"][0]["doc"] == "nist-ai-100-1"
    r = client.get("/v1/cite", params={"q": "nist-ai-600-1 p.35"}).json()
    assert r["kind"] == "page" and r["matches"][0]["page_label"] == "35"
    assert client.get("/v1/cite").status_code == 422
    assert client.get("/v1/cite", params={"q": " "}).status_code == 422


def test_documents_pages_and_pdf(client: TestClient) -> None:
    docs = client.get("/v1/documents").json()
    indexed = [d["id"] for d in docs if d["indexed"]]
    assert len(indexed) == 5 and "dhs-ai-roles-framework" in [d["id"] for d in docs if not d["indexed"]]
    d = client.get("/v1/documents/nist-ai-600-1").json()
    assert d["pages"] == 64 and d["short"]
    assert client.get("/v1/documents/nope").status_code == 404
    assert client.get("/v1/documents/nist-ai-600-1/pages/65").status_code == 404
    assert client.get("/v1/documents/nist-ai-600-1/pages/0").status_code == 422
    r = client.get("/v1/documents/nist-ai-600-1/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    r = client.get("/v1/documents/.hidden/pdf")  # an id the index does not know: never a path
    assert r.status_code == 404 and "not in the index" in r.json()["detail"]
    assert client.get("/v1/documents/dhs-ai-roles-framework/pdf").status_code == 404


def test_pdf_must_be_the_indexed_file(api_app: Any, tmp_path: Path, shared_corpus: Path) -> None:
    state = api_app.state.airq
    old = state.settings
    shutil.copy(shared_corpus / "nist-ai-100-1.pdf", tmp_path / "nist-ai-600-1.pdf")
    state.settings = old.model_copy(update={"corpus_dir": tmp_path})
    try:
        with TestClient(api_app) as c:
            r = c.get("/v1/documents/nist-ai-600-1/pdf")
            assert r.status_code == 409 and "re-run `airq ingest`" in r.json()["detail"]
            assert c.get("/v1/documents/nist-ai-100-1/pdf").status_code == 404
    finally:
        state.settings = old


def test_roles(client: TestClient) -> None:
    roles = client.get("/v1/roles").json()
    assert [r["id"] for r in roles] == [
        "cloud-compute-provider",
        "ai-developer",
        "ci-owner-operator",
        "civil-society",
        "public-sector",
    ]


def test_ingest_is_disabled_without_a_token(client: TestClient) -> None:
    r = client.post("/v1/ingest", json={})
    assert r.status_code == 403 and "AIRQ_API_TOKEN" in r.json()["detail"]


def test_ingest_with_a_token_builds_and_loads_the_index(tmp_path: Path) -> None:
    from api.app import create_app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(
        corpus / "substation-guide.pdf",
        [["1. Relays", "Operators should test protection relays before every seasonal peak."]],
    )
    s = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, api_token="s3cret")  # type: ignore[arg-type]
    with TestClient(create_app(s)) as c:
        assert c.post("/v1/ingest", json={}).status_code == 401
        wrong = c.post("/v1/ingest", json={}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        odd = c.get("/v1/ingest", headers={"Authorization": "Bearer caf\u00e9".encode("latin-1")})
        assert odd.status_code == 401
        auth = {"Authorization": "Bearer s3cret"}
        r = c.post("/v1/ingest", json={}, headers=auth)
        assert r.status_code == 202 and r.json()["status"] == "running"
        for _ in range(600):
            status = c.get("/v1/ingest", headers=auth).json()
            if status["status"] != "running":
                break
            time.sleep(0.2)
        assert status["status"] == "done", status
        assert c.get("/readyz").json()["documents"] == 1
        a = c.post("/v1/ask", json={"question": "When should protection relays be tested?"}).json()
        assert a["citations"][0]["doc"] == "substation-guide"


def test_openai_compatible_endpoint(client: TestClient) -> None:
    assert client.get("/v1/models").json()["data"][0]["id"] == "airq"
    body = {"model": "airq", "messages": [{"role": "user", "content": "What does GOVERN 1.2 say?"}]}
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200
    out = r.json()
    content = out["choices"][0]["message"]["content"]
    assert "[1]" in content and "Sources:" in content and out["citations"][0]["verified"]
    assert client.post("/v1/chat/completions", json={**body, "model": "gpt-4o"}).status_code == 404
    r = client.post("/v1/chat/completions", json={**body, "metadata": {"role": "pilot"}})
    assert r.status_code == 422 and "metadata.role" in r.json()["error"]["message"]
    r = client.post("/v1/chat/completions", json={**body, "metadata": {"docs": ",".join(["x"] * 60)}})
    assert r.status_code == 422 and "error" in r.json()


def test_chat_page_is_served_without_a_cdn(client: TestClient) -> None:
    html = client.get("/").text
    assert "/static/app.js" in html and "http://" not in html and "https://" not in html
    assert client.get("/static/app.js").status_code == 200


def test_role_obligations_endpoint(client: TestClient) -> None:
    r = client.get("/v1/roles/ai-developer/obligations", params={"topic": "red-teaming", "limit": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["role"] == "ai-developer" and body["count"] == 3
    assert all(i["verified"] for i in body["items"])
    assert client.get("/v1/roles/astronaut/obligations").status_code == 404
    r = client.get("/v1/roles/ai-developer/obligations", params={"docs": ["nope"]})
    assert r.status_code == 404


def test_check_marks_each_sentence_with_verified_evidence(client: TestClient) -> None:
    text = (
        "The AI RMF Core is composed of four functions: Govern, Map, Measure and Manage.\n\n"
        "The AI RMF Core is composed of nine functions."
    )
    r = client.post("/v1/check", json={"text": text})
    assert r.status_code == 200, r.text
    report = r.json()
    assert [s["verdict"] for s in report["sentences"]] == ["supported", "partly"]
    assert report["summary"] == "1 supported, 1 partly, 0 not found"
    assert any(u.startswith("number: 9") for u in report["sentences"][1]["unmatched"])
    for s in report["sentences"]:
        for c in s["citations"]:
            page = client.get(f"/v1/documents/{c['doc']}/pages/{c['page']}").json()
            assert c["verified"] and on_its_pages(c["quote"], page["text"])


def test_check_rejects_what_it_cannot_check(client: TestClient) -> None:
    assert client.post("/v1/check", json={"text": "   "}).status_code == 422
    none = client.post("/v1/check", json={"text": "Yes."})
    assert none.status_code == 200 and none.json()["sentences"] == []
    assert none.json()["summary"] == "no sentence of three words or more to check"
    r = client.post("/v1/check", json={"text": "ok", "colour": "red"})
    assert r.status_code == 422 and "colour" in json.dumps(r.json())
