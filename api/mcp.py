"""airq as an MCP server: the tools assistants and editors call, and the documents' pages as
resources. ``airq mcp`` serves it over stdio; ``airq serve`` at ``/mcp`` (streamable HTTP).

Every tool returns the JSON the HTTP API returns for the same request (answers with verified
quotes only), so a host sees what the chat page sees. A tool that cannot answer (no index
yet, an unknown document or role) fails with the API's one-line reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer, exceptions

from api.deps import unknown_docs
from api.routes.documents import listing, page_of
from corpus.roles import ROLE_IDS

INSTRUCTIONS = (
    "airq answers questions on U.S. guidance for AI in critical infrastructure (NIST AI RMF, the "
    "Generative AI Profile, SP 800-218A, AI 800-1, the AI RMF Playbook; the DHS Roles and "
    "Responsibilities Framework when indexed) with quotes verified on their pages. Use `ask` for a "
    "question, `cite` to look up an identifier (GOVERN 1.2), a page or a sentence, `obligations` for "
    "what a role is asked to do, `check` to test a text's statements against the documents, and "
    "`get_page` or the airq://DOC/page/N resources to read a page."
)


class ToolError(exceptions.ToolError):
    """What the API would answer with a 4xx/503: one line, naming the field (the host sees it,
    as the tool's error result)."""


def build_mcp(engine_of: Callable[[], Any], lock: threading.Lock) -> MCPServer:
    """The MCP server over the engine ``engine_of()`` returns (it raises ``ToolError`` while
    none is loaded); ``lock`` is the answering lock the HTTP routes share."""
    server = MCPServer("airq", instructions=INSTRUCTIONS, version="0.1.0", log_level="WARNING")

    def engine() -> Any:
        return engine_of()

    def docs_of(e: Any, docs: list[str] | None) -> list[str]:
        docs = list(dict.fromkeys(docs or []))
        problem = unknown_docs(e, docs)
        if problem:
            raise ToolError(problem)
        return docs

    @server.tool()
    def ask(question: str, docs: list[str] | None = None, role: str | None = None) -> dict[str, Any]:
        """Answer a question from the guidance: the airq answer JSON (answer text with [n]
        markers, citations with document, page and a quote verified on that page)."""
        if not question.strip():
            raise ToolError("question: empty; ask something")
        e = engine()
        chosen = docs_of(e, docs)
        try:
            with lock:
                answer = e.ask(question, docs=chosen, role=role)
        except ValueError as exc:
            raise ToolError(str(exc)) from exc
        out: dict[str, Any] = answer.model_dump(exclude={"id"})
        return out

    @server.tool()
    def cite(query: str, limit: int = 5) -> dict[str, Any]:
        """Where an identifier ("GOVERN 1.2", "PW.1.1"), a page ("nist-ai-600-1 p.35") or an
        exact sentence is: passage, page and section."""
        e = engine()
        try:
            with lock:
                result = e.citer.run(query, limit=max(1, min(limit, 50)))
        except ValueError as exc:
            raise ToolError(str(exc)) from exc
        out: dict[str, Any] = result.model_dump()
        return out

    @server.tool()
    def obligations(
        role: str, topic: str | None = None, docs: list[str] | None = None, limit: int | None = None
    ) -> dict[str, Any]:
        """The recommendations addressed to a role (one of: cloud-compute-provider,
        ai-developer, ci-owner-operator, civil-society, public-sector), each a verified quote."""
        from qa.obligations import as_json

        if role not in ROLE_IDS:
            raise ToolError(f"role: {role!r} is unknown; choose from {', '.join(ROLE_IDS)}")
        e = engine()
        chosen = docs_of(e, docs)
        with lock:
            items = e.obligations.run(role, topic=topic or None, docs=chosen, limit=limit)
        return as_json(e.answerer.taxonomy, role, topic or None, items)

    @server.tool()
    def list_documents() -> list[dict[str, Any]]:
        """Every indexed document, then the known ones this index lacks (indexed: false)."""
        return [d.model_dump() for d in listing(engine())]

    @server.tool()
    def get_page(doc: str, page: int) -> dict[str, Any]:
        """A page's cleaned text (physical page, 1-based): the text every quote is verified against."""
        try:
            return page_of(engine(), doc, page, see="list_documents").model_dump()
        except LookupError as exc:
            raise ToolError(str(exc)) from exc

    @server.tool()
    def check(text: str) -> dict[str, Any]:
        """Check each sentence of a text against the documents: supported (a verified quote
        says it), partly (and what the source lacks) or not_found, with a summary."""
        if not text.strip():
            raise ToolError("text: empty; give the text to check")
        e = engine()
        with lock:
            report = e.checker.check(text)
        out: dict[str, Any] = report.model_dump()
        return out

    @server.resource("airq://{doc}/page/{page}", mime_type="text/plain")
    def page_resource(doc: str, page: str) -> str:
        """One page of an indexed document, as the cleaned text quotes are verified against."""
        if not page.isdigit():
            raise exceptions.ResourceNotFoundError(f"page: {page!r} is not a page number")
        try:
            return page_of(engine(), doc, int(page), see="list_documents").text
        except LookupError as exc:
            raise exceptions.ResourceNotFoundError(str(exc)) from exc

    return server
