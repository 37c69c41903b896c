"""What every response passes through: the Host check, the body size limit, security headers.

* Host: a page on another site can point its own DNS name at 127.0.0.1 ("DNS rebinding")
  and then read the GET endpoints as same-origin; it cannot make the browser send an allowed
  ``Host``, so only the names the server is really reached by are served.
* Body size: nothing airq reads needs more than a megabyte; a bigger body is refused before
  it is read, so a client cannot make the server buffer gigabytes.
* Headers: the chat page needs no inline script, no other origin and no framing, so the
  policy says exactly that; a script injected through some future bug would not run.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
import time
from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response, safe_text

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The PDF is shown in the chat page's own pane: framing by this origin only, nothing else loads.
PDF_HEADERS = {"Content-Security-Policy": "frame-ancestors 'self'", "X-Frame-Options": "SAMEORIGIN"}


# Every response carries these unless it sets its own (the PDF and the API docs pages do).
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_allowed_hosts(bind_host: str) -> list[str]:
    """Loopback bind: the loopback names. One address: it and those. All interfaces: any name
    (the names clients use are unknown; ``airq serve`` warns and AIRQ_ALLOWED_HOSTS narrows it)."""
    if is_loopback(bind_host):
        return list(LOOPBACK_NAMES)
    if bind_host in WILDCARD_BINDS:
        return ["*"]
    return [bind_host.strip("[]").lower(), *LOOPBACK_NAMES]


def host_name(header: str) -> str:
    """'LocalHost:8000' -> 'localhost', '[::1]:8000' -> '::1', 'example.org.' -> 'example.org'."""
    header = header.strip().lower()
    if header.startswith("["):
        name = header[1 : header.find("]")] if "]" in header else header
    elif header.count(":") == 1:
        name = header.split(":", 1)[0]
    else:
        name = header
    return name.rstrip(".")


class HostCheck:
    """400 for a Host header not in the allowed list (``*`` allows any; ``*.example.org`` a domain)."""

    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        self.app = app
        self.allowed = [host_name(h) if not h.startswith("*") else h.lower() for h in allowed]
        self.any = "*" in self.allowed

    def allows(self, name: str) -> bool:
        for pattern in self.allowed:
            if name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.any:
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("host", "")
        if self.allows(host_name(header)):
            await self.app(scope, receive, send)
            return
        names = ", ".join(self.allowed)
        detail = f"host {safe_text(header, 100)!r} is not served here ({names}); see AIRQ_ALLOWED_HOSTS"
        await error_response(scope, 400, detail)(scope, receive, send)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"body: over {limit} bytes; the limit is {limit} (AIRQ_MAX_BODY_BYTES)")


class BodyLimit:
    """413 for a body over the limit: at once from Content-Length, else as soon as it is read past."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            detail = f"body: {declared} bytes; the limit is {self.limit} (AIRQ_MAX_BODY_BYTES)"
            await error_response(scope, 413, detail, headers={"Connection": "close"})(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)  # FastAPI answers it with the route's error shape
            return message

        await self.app(scope, limited, send)


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every response that has not set them itself, and a
    ``Server-Timing: app;dur=…`` (ms from the request reaching the app to its response
    starting): browsers' developer tools show it, and a client can tell time spent in the
    server from time spent on the way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                headers.append("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}")
            await send(message)

        await self.app(scope, receive, with_headers)


# ---------------------------------------------------------------------------- the API docs pages

_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def _hashes(html: str, tag: str) -> str:
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for kind, body in _INLINE.findall(html)
        if kind == tag
    )


def _docs_page(response: HTMLResponse) -> HTMLResponse:
    """The docs page loads Swagger UI from this server (``/swagger-ui``, the
    swagger-ui-bundle package's copy: no CDN, so it works offline) and carries one inline
    script, allowed by its hash."""
    html = bytes(response.body).decode()
    policy = (
        f"default-src 'self'; script-src 'self' {_hashes(html, 'script')}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["Content-Security-Policy"] = policy
    return response


def add_docs(app: FastAPI) -> None:
    """/docs: Swagger UI from the local copy; /redoc leads there (ReDoc has no local copy)."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/swagger-ui", StaticFiles(directory=str(swagger_ui_path)), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return _docs_page(
            get_swagger_ui_html(
                openapi_url="/openapi.json",
                title=f"{app.title} - API docs",
                swagger_js_url="/swagger-ui/swagger-ui-bundle.js",
                swagger_css_url="/swagger-ui/swagger-ui.css",
                swagger_favicon_url="data:,",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs")
