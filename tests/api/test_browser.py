"""The chat page in a real browser (Debian Chromium driven by Playwright) against a live airq server.

Needs the ``live_server`` fixture (tests/api/conftest.py): base URL of a uvicorn process serving airq
over the real index. Never runs ``playwright install``: it uses /usr/bin/chromium or skips.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.browser]

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from playwright.sync_api import (  # noqa: E402
    Browser,
    Locator,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUESTION = "What does GOVERN 1.2 say?"
ANSWER_MS = 60_000  # the first question may load the embedder and the index


# ---------- fixtures ----------


@pytest.fixture(scope="module")
def playwright_() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        if os.environ.get("AIRQ_REQUIRE_BROWSER"):  # CI installs it: missing there is a failure
            pytest.fail(f"{CHROMIUM} does not exist although AIRQ_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} does not exist (install Debian's chromium to run the browser tests)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_: Playwright) -> Iterator[Browser]:
    b = playwright_.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield b
    b.close()


@pytest.fixture
def requested_urls() -> list[str]:
    """Every URL the page asked for (filled by the ``page`` fixture)."""
    return []


@pytest.fixture
def policy_reports() -> list[str]:
    """What the browser refused under the server's security headers ("Refused to …" console
    errors; filled by the ``page`` fixture, which fails the test if any remain)."""
    return []


# Every Content-Security-Policy violation in the page, as the browser reports it to the page.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


def is_policy_report(text: str) -> bool:
    return "Content Security Policy" in text or text.startswith("Refused to")


@pytest.fixture
def page(
    browser: Browser, live_server: str, requested_urls: list[str], policy_reports: list[str]
) -> Iterator[Page]:
    """The chat page, loaded at 1280×800, with the role picker populated. Fails the test if the
    page broke its Content-Security-Policy or the browser refused anything under the headers."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server)
    context.add_init_script(CSP_LISTENER)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.on("request", lambda r: requested_urls.append(r.url))
    pg.on("console", lambda m: policy_reports.append(m.text) if is_policy_report(m.text) else None)
    pg.goto("/")
    # Populated = more than the "Detect from my question" option.
    wait_until(pg, "document.querySelectorAll('#role option').length > 1")
    wait_until(pg, "document.querySelector('#docs').dataset.loaded === 'true'")
    yield pg
    violations = pg.evaluate("window.__csp")
    context.close()
    assert not violations and not policy_reports, [*violations, *policy_reports]


# ---------- helpers ----------


def wait_until(pg: Page, expression: str, timeout_ms: int = 15_000) -> None:
    """Poll ``expression`` until it is true. Playwright's ``wait_for_function`` polls by
    evaluating the string inside the page, which the page's own CSP (no 'unsafe-eval') refuses
    whenever the first check is false; ``evaluate`` runs through the debugger, outside it."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not pg.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout_ms} ms: {expression}")
        pg.wait_for_timeout(50)


def body_of(req: Request) -> dict[str, Any]:
    """The JSON body the page posted."""
    body = req.post_data_json
    assert isinstance(body, dict), req.post_data
    return body


def is_chat_post(r: Any) -> bool:
    req = getattr(r, "request", r)
    return bool(req.method == "POST" and req.url.split("?")[0].endswith("/v1/chat"))


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """``event: NAME / data: JSON`` blocks → [(name, data)]."""
    events = []
    for block in re.split(r"\r?\n\r?\n", text):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def reply_of(resp: Response) -> dict[str, Any]:
    """The reply object the server sent (the ``answer`` event of the stream, or the JSON body)."""
    assert resp.ok, f"/v1/chat answered {resp.status}: {resp.text()[:500]}"
    if "text/event-stream" in (resp.headers.get("content-type") or ""):
        events = parse_sse(resp.text())
        answers = [d for n, d in events if n == "answer"]
        assert answers, f"no answer event in the stream: {events[-3:]}"
        return dict(answers[-1])
    return dict(resp.json())


def last_answer(page: Page) -> Locator:
    """Wait for the newest assistant turn to finish and return it (fails fast on an error turn)."""
    turn = page.locator(".turn.assistant").last
    expect(turn).not_to_have_attribute("data-state", "streaming", timeout=ANSWER_MS)
    assert turn.get_attribute("data-state") == "done", f"answer failed: {turn.inner_text()}"
    return turn


def ask(page: Page, question: str) -> tuple[dict[str, Any], dict[str, Any], Locator]:
    """Type a question, press Enter; returns (request body, reply object, finished answer turn)."""
    page.locator("#question").fill(question)
    with page.expect_response(is_chat_post, timeout=ANSWER_MS) as resp_info:
        page.locator("#question").press("Enter")
    resp = resp_info.value
    body = body_of(resp.request)
    reply = reply_of(resp)
    return body, reply, last_answer(page)


def expected_pdf_src(doc: str, page_no: int) -> str:
    return f"/v1/documents/{doc}/pdf#page={page_no}"


def active(page: Page, js_predicate: str) -> bool:
    script = f"(() => {{ const el = document.activeElement; return !!el && ({js_predicate}); }})()"
    return bool(page.evaluate(script))


def tab_until(page: Page, js_predicate: str, key: str = "Tab", limit: int = 60) -> int:
    """Press Tab (or Shift+Tab) until the focused element satisfies the predicate; returns the count."""
    for i in range(1, limit + 1):
        page.keyboard.press(key)
        if active(page, js_predicate):
            return i
    raise AssertionError(f"{key} x{limit} never focused an element where {js_predicate}")


def bare(text: str) -> str:
    """Letters and digits only, lower-cased (as the page finds a quote on its text layer)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def marked_text(page: Page) -> str:
    """The text of the pane's marked spans, in order, as ``bare`` letters."""
    return bare("".join(page.locator("#pdf-view .quote-mark").all_inner_texts()))


def save_screenshot(page: Page, tmp_path: Path, name: str = "chat-page.png") -> None:
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if target := os.environ.get("AIRQ_SCREENSHOT"):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)


# ---------- tests ----------


def test_ask_cite_and_open_pdf(
    page: Page, live_server: str, tmp_path: Path, requested_urls: list[str]
) -> None:
    base = live_server.rstrip("/")
    body, reply, turn = ask(page, QUESTION)
    assert body["stream"] is True and body["role"] is None and body["docs"] is None
    assert body["messages"] == [{"role": "user", "content": QUESTION}]

    assert not reply["abstained"], reply["answer"]
    assert reply["citations"], "the reply has no citations"
    first = reply["citations"][0]

    # Answer text with clickable [n] markers.
    text = turn.locator(".answer-text").inner_text()
    assert "[1]" in text, text
    expect(turn.locator('.answer-text a.cite-marker[data-n="1"]').first).to_be_visible()
    # Every "- " line of the answer is a list item on the page, never a literal dash.
    bullets = [line for line in reply["answer"].split("\n") if line.lstrip().startswith("- ")]
    expect(turn.locator(".answer-text li")).to_have_count(len(bullets))
    assert "\n- " not in text

    # First citation: page label, physical page in the title, a quote; data-* match the reply.
    item = turn.locator(".citation-item").first
    cite = item.locator("button.citation")
    label = (first.get("page_label") or "") or str(first["page"])
    expect(item.locator(".citation-page")).to_have_text(f"p. {label}")
    expect(item.locator(".citation-page")).to_have_attribute("title", re.compile(rf"\b{first['page']}\b"))
    assert item.locator(".citation-quote").inner_text().strip(), "the first citation has an empty quote"
    assert item.locator(".citation-doc").inner_text().strip()
    doc, page_no = cite.get_attribute("data-doc"), cite.get_attribute("data-page")
    assert (doc, page_no) == (first["doc"], str(first["page"]))

    # Clicking it opens the PDF pane at the physical page (not the printed label).
    cite.click()
    pane = page.locator("#pdf-pane")
    expect(pane).to_be_visible()
    src = page.locator("#pdf-view").get_attribute("data-src") or ""
    assert src.endswith(expected_pdf_src(first["doc"], first["page"])), src
    assert src.endswith(expected_pdf_src(str(doc), int(str(page_no)))), src
    # pdf.js draws that page, and the quote is marked on it: the marked text is the quote's.
    view = page.locator("#pdf-view")
    expect(view).to_have_attribute("data-state", "rendered", timeout=30_000)
    assert (view.get_attribute("data-doc"), view.get_attribute("data-page")) == (
        first["doc"],
        str(first["page"]),
    )
    marked = marked_text(page)
    assert marked and bare(first["quote"])[:60] in marked, (first["quote"], marked[:300])
    box = view.locator(".quote-mark").first.bounding_box()
    sheet = view.locator(".pdf-page").bounding_box()
    assert box and sheet and sheet["y"] <= box["y"] <= sheet["y"] + sheet["height"]
    expect(page.locator("#pdf-title")).to_contain_text(f"p. {label}")
    expect(page.locator("#pdf-close")).to_be_visible()

    # The URL really serves that PDF.
    pdf = page.request.get(base + src.split("#")[0])
    assert pdf.ok and pdf.headers["content-type"].startswith("application/pdf")

    # Side by side at 1280 px: conversation column on the left, pane on the right.
    col, pbox = page.locator("#chat-column").bounding_box(), pane.bounding_box()
    assert col and pbox and col["x"] + col["width"] <= pbox["x"] + 1 and pbox["width"] >= 400

    # Offline users: nothing but the airq server is ever contacted (no CDN, no web fonts).
    outside = [u for u in requested_urls if u.startswith(("http", "ws")) and not u.startswith(base)]
    assert not outside, outside

    save_screenshot(page, tmp_path)

    page.locator("#pdf-close").click()
    expect(pane).to_be_hidden()


def test_role_picker_docs_filter_and_history(page: Page) -> None:
    role = page.locator("#role")
    expect(role.locator("option").first).to_have_text("Detect from my question")
    value = role.locator("option").nth(1).get_attribute("value")
    assert value
    role.select_option(value)

    with page.expect_request(is_chat_post) as req_info:
        page.locator("#question").fill(QUESTION)
        page.locator("#question").press("Enter")
    body = body_of(req_info.value)
    assert body["role"] == value
    assert body["messages"] == [{"role": "user", "content": QUESTION}]
    resp = req_info.value.response()
    assert resp is not None
    reply = reply_of(resp)
    turn = last_answer(page)

    assert reply["role_note"], "a picked role should come back with a role note"
    expect(turn.locator(".role-note")).to_have_text(reply["role_note"])
    expect(turn.locator(".role-note")).to_be_visible()

    # Follow-up: whole history is sent, with the document filter.
    first_doc = page.locator("#docs input[type=checkbox]").first
    doc_id = first_doc.get_attribute("value")
    first_doc.check()
    follow = "And what does GOVERN 1.3 say?"
    body2, reply2, turn2 = ask(page, follow)
    assert body2["messages"] == [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": reply["answer"]},
        {"role": "user", "content": follow},
    ]
    assert body2["docs"] == [doc_id] and body2["role"] == value
    if reply2.get("note"):
        expect(turn2.locator(".carry-note")).to_have_text(reply2["note"])


def test_plain_words_show_the_terms_searched(page: Page) -> None:
    _, reply, turn = ask(page, "Our vendor's chatbot keeps making things up. What should we check?")
    assert any(s.startswith("confabulation") for s in reply["searched_also"])
    expect(turn.locator(".search-note")).to_have_text(
        "Also searched for: " + "; ".join(reply["searched_also"]) + "."
    )


def test_keyboard_only(page: Page) -> None:
    # The question box has focus on load and is in the tab order after the controls.
    assert active(page, "el.id === 'question'")
    page.evaluate("document.activeElement.blur()")
    tab_until(page, "el.id === 'question'", limit=30)
    positive_tabindex = "[...document.querySelectorAll('[tabindex]')].filter((e) => e.tabIndex > 0).length"
    assert page.evaluate(positive_tabindex) == 0

    # Shift+Enter makes a newline and sends nothing; Enter sends.
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    assert page.locator("#question").input_value() == "first line\n"
    assert page.locator(".turn").count() == 0
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(QUESTION)
    with page.expect_response(is_chat_post, timeout=ANSWER_MS) as resp_info:
        page.keyboard.press("Enter")
    reply = reply_of(resp_info.value)
    last_answer(page)
    assert reply["citations"]
    first = reply["citations"][0]
    assert active(page, "el.id === 'question'"), "focus should stay in the question box"

    # Back from the question box to the first citation of the answer, with a visible focus ring.
    is_first_cite = "el.matches('button.citation') && el.dataset.n === '1'"
    tab_until(page, is_first_cite, key="Shift+Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "focused citation has no visible outline"

    page.keyboard.press("Enter")
    expect(page.locator("#pdf-pane")).to_be_visible()
    src = page.locator("#pdf-view").get_attribute("data-src") or ""
    assert src.endswith(expected_pdf_src(first["doc"], first["page"])), src

    page.keyboard.press("Escape")
    expect(page.locator("#pdf-pane")).to_be_hidden()
    assert active(page, is_first_cite), "focus should stay on the citation after closing the pane"

    # An [n] marker in the text moves focus to its citation.
    tab_until(page, "el.matches('a.cite-marker') && el.dataset.n === '1'", key="Shift+Tab")
    page.keyboard.press("Enter")
    wait_until(
        page, "document.activeElement && document.activeElement.matches('button.citation[data-n=\"1\"]')"
    )


# Canned server responses: the page's own rendering of errors, abstentions and hostile text.

HOSTILE = '<img src=x onerror="window.__pwned=1">'
NO_ROLE: dict[str, Any] = {"role": None, "role_source": "none", "role_note": "", "note": ""}


def sse_body(*events: tuple[str, Any]) -> str:
    return "".join(f"event: {n}\ndata: {json.dumps(d)}\n\n" for n, d in events)


def canned(status: int, body: Any, sse: bool = False) -> dict[str, Any]:
    ctype = "text/event-stream" if sse else "application/json"
    return {"status": status, "content_type": ctype, "body": body if sse else json.dumps(body)}


def test_errors_abstention_and_escaping(page: Page) -> None:
    hostile_cite = {"n": 1, "doc": "nist-ai-100-1", "title": HOSTILE, "page": 5, "page_label": "iii"}
    hostile_cite |= {"section": HOSTILE, "quote": HOSTILE, "verified": True, "score": 0.2}
    abstention = {**NO_ROLE, "id": None, "question": "q", "answer": f"Nothing on that {HOSTILE}."}
    abstention |= {"abstained": True, "citations": [hostile_cite], "timings_ms": {"total": 1.0}}
    abstention["role_note"] = HOSTILE
    replies = [
        canned(422, {"detail": [{"loc": ["body", "messages"], "msg": "last message must be from the user"}]}),
        canned(503, {"detail": "index not loaded"}),
        canned(
            200,
            sse_body(("meta", NO_ROLE), ("delta", {"text": "Half"}), ("error", {"detail": "gen failed"})),
            True,
        ),
        canned(
            200, sse_body(("meta", NO_ROLE), ("delta", {"text": "Nothing "}), ("answer", abstention)), True
        ),
    ]

    def fulfil(route: Route) -> None:
        route.fulfill(**replies.pop(0))

    page.route("**/v1/chat", fulfil)
    errors = page.locator(".turn.assistant.error .error-detail")
    for i, expected in enumerate(["last message must be from the user", "index not loaded", "gen failed"]):
        page.locator("#question").fill(f"question {i}")
        page.locator("#question").press("Enter")
        expect(errors.nth(i)).to_contain_text(expected)
    expect(page.locator(".turn.assistant.error").first).to_contain_text("422")

    page.locator("#question").fill("something off-topic")
    page.locator("#question").press("Enter")
    turn = last_answer(page)
    expect(turn).to_have_class(re.compile(r"\babstained\b"))
    expect(turn.locator(".abstain-heading")).to_have_text("Not covered by the indexed documents")
    expect(turn.locator(".sources h3")).to_have_text("Nearest passages")
    expect(turn.locator(".citation-page")).to_have_text("p. iii")
    # Server text is shown literally, never parsed as HTML.
    expect(turn.locator(".citation-quote")).to_have_text(HOSTILE)
    expect(turn.locator(".role-note")).to_have_text(HOSTILE)
    assert page.locator("#conversation img").count() == 0
    assert page.evaluate("window.__pwned") is None

    # Failed exchanges stay out of the history: only the abstention exchange is sent next.
    page.unroute("**/v1/chat")
    page.route("**/v1/chat", lambda r: r.fulfill(status=503, json={"detail": "x"}))
    with page.expect_request(is_chat_post) as req_info:
        page.locator("#question").fill("next")
        page.locator("#question").press("Enter")
    msgs = body_of(req_info.value)["messages"]
    assert [(m["role"], m["content"]) for m in msgs] == [
        ("user", "something off-topic"),
        ("assistant", abstention["answer"]),
        ("user", "next"),
    ]


def test_a_busy_server_is_asked_again_after_retry_after(page: Page) -> None:
    """503 with Retry-After (the answering queue is full): the page says it waits, waits, and asks
    again; the second ask reaches the real server and is answered."""
    seen: list[str] = []

    def busy_once(route: Route) -> None:
        seen.append(route.request.method)
        if len(seen) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1"},
                content_type="application/json",
                body=json.dumps({"detail": "busy: 1 answer(s) running and 4 waiting"}),
            )
        else:
            route.continue_()

    page.route("**/v1/chat", busy_once)
    page.locator("#question").fill("What does GOVERN 1.2 say?")
    page.locator("#question").press("Enter")
    expect(page.locator(".turn.assistant .answer-text.waiting")).to_contain_text("asking again in 1 s")
    turn = last_answer(page)
    assert seen == ["POST", "POST"]
    expect(turn.locator(".citation").first).to_be_visible()
    assert turn.locator(".answer-text.waiting").count() == 0


# ---------- security headers in a real browser ----------


def test_the_page_runs_under_its_content_security_policy(
    page: Page, live_server: str, policy_reports: list[str]
) -> None:
    """The chat page needs no inline script or style and no other origin: under a strict policy
    it answers, cites and shows the PDF in its pane, and the browser refuses nothing."""
    resp = page.request.get(live_server + "/")
    policy = resp.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy and resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["x-content-type-options"] == "nosniff" and resp.headers["referrer-policy"]

    _, reply, turn = ask(page, QUESTION)
    assert reply["citations"]
    turn.locator("button.citation").first.click()
    # pdf.js (its module, worker and fonts from this server) draws the page under the policy.
    expect(page.locator("#pdf-view")).to_have_attribute("data-state", "rendered", timeout=30_000)
    assert page.evaluate("window.__csp") == [] and not policy_reports

    # The policy is enforced, and this test would see a violation: an injected inline script
    # does not run, and the browser reports it.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__inline = 1';"
        " document.head.append(s); }"
    )
    wait_until(page, "window.__csp.length > 0")
    assert page.evaluate("window.__inline") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
    page.evaluate("window.__csp = []")
    policy_reports.clear()


def test_another_site_cannot_frame_the_page(browser: Browser, live_server: str) -> None:
    """X-Frame-Options: DENY / frame-ancestors 'none': no clickjacking through a foreign frame."""
    context = browser.new_context()
    try:
        pg = context.new_page()
        refused: list[str] = []
        pg.on("console", lambda m: refused.append(m.text) if is_policy_report(m.text) else None)
        pg.set_content(f'<iframe id="f" src="{live_server}/"></iframe>')  # an about:blank origin
        pg.wait_for_function("() => document.getElementById('f').contentWindow !== null")
        pg.wait_for_timeout(1_000)
        framed = [f for f in pg.frames if f != pg.main_frame]
        assert framed and all(not f.url.startswith(live_server) for f in framed), [f.url for f in framed]
        assert any("frame" in r for r in refused), refused
    finally:
        context.close()


def test_check_a_text_marks_each_sentence(page: Page, tmp_path: Path) -> None:
    """The "Check a text" view: one marked item per sentence, evidence that opens the PDF."""
    page.locator("#mode-check").click()
    expect(page.locator("#check-view")).to_be_visible()
    expect(page.locator("#composer")).to_be_hidden()
    memo = (
        "According to the AI RMF, its Core is composed of four functions: Govern, Map, Measure and "
        "Manage.\n\n"
        "Every electric utility must file a quarterly AI audit with the Department of Energy."
    )
    page.locator("#check-text").fill(memo)
    with page.expect_response(lambda r: r.url.endswith("/v1/check"), timeout=ANSWER_MS) as info:
        page.locator("#check-run").click()
    report = info.value.json()
    assert report["sentences"][0]["verdict"] == "supported"
    items = page.locator(".check-item")
    expect(items).to_have_count(2)
    expect(page.locator("#check-summary")).to_have_text(report["summary"] + ".")
    first, second = items.nth(0), items.nth(1)
    expect(first).to_have_attribute("data-verdict", "supported")
    expect(first.locator(".verdict-badge")).to_contain_text("Supported")
    assert second.get_attribute("data-verdict") in ("not_found", "partly")
    cite = report["sentences"][0]["citations"][0]
    expect(first.locator(".citation-quote")).to_have_text(cite["quote"])
    first.locator("button.citation").click()
    src = page.locator("#pdf-view").get_attribute("data-src") or ""
    assert src.endswith(expected_pdf_src(cite["doc"], cite["page"])), src
    save_screenshot(page, tmp_path, "check-view.png")
    page.locator("#mode-ask").click()
    expect(page.locator("#composer")).to_be_visible()


def test_api_docs_render_offline(page: Page, live_server: str, requested_urls: list[str]) -> None:
    """/docs is Swagger UI from the server's own copy: it lists the endpoints, and nothing but
    the airq server is contacted (these machines reach no CDN)."""
    base = live_server.rstrip("/")
    page.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    for path in ("/v1/ask", "/v1/check", "/v1/chat/completions", "/v1/documents"):
        assert any(p.replace("\u200b", "") == path for p in paths), (path, paths)
    outside = [u for u in requested_urls if u.startswith(("http", "ws")) and not u.startswith(base)]
    assert not outside, outside
    page.goto("/redoc")
    expect(page).to_have_url(re.compile(r"/docs$"))


def test_a_390_px_phone_gets_a_short_header_and_the_whole_role_picker(
    browser: Browser, live_server: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server)
    pg = context.new_page()
    try:
        pg.goto("/")
        wait_until(pg, "document.querySelectorAll('#role option').length > 1")
        wait_until(pg, "document.querySelector('#docs').dataset.loaded === 'true'")
        header = pg.locator("#controls").bounding_box()
        role = pg.locator("#role").bounding_box()
        assert header and header["height"] <= 844 / 4, header
        assert role and role["x"] >= 0 and role["x"] + role["width"] <= 390, role
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off the side
        last = pg.locator(".doc-option").last
        last.scroll_into_view_if_needed()
        box = last.bounding_box()
        assert box and box["x"] + box["width"] <= 390  # every document can be reached
        expect(pg.locator("#question")).to_be_visible()
        pg.screenshot(path=str(tmp_path / "phone.png"))
    finally:
        context.close()


def test_the_header_says_the_dhs_framework_is_not_indexed(page: Page) -> None:
    """The shared corpus lacks the DHS Framework: the page says so, with the command that adds it."""
    note = page.locator("#framework-missing")
    expect(note).to_be_visible()
    expect(note).to_contain_text("not indexed")
    expect(note).to_contain_text("airq corpus fetch dhs-ai-roles-framework")
