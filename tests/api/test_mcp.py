"""airq over MCP, with the official ``mcp`` client library: ``airq mcp`` as a subprocess on
stdio, and ``/mcp`` of a real ``airq serve`` process over streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.quotecheck import on_its_pages

pytestmark = pytest.mark.integration
TOOLS = {"ask", "cite", "obligations", "list_documents", "get_page", "check"}


async def _session(target: Any) -> dict[str, Any]:
    """Everything a host does first: list the tools, ask, read a cited page two ways, fail."""
    async with Client(target, read_timeout_seconds=300) as c:
        tools = {t.name for t in (await c.list_tools()).tools}
        answer = await c.call_tool("ask", {"question": "How should model weights be protected from theft?"})
        a = answer.structured_content or {}
        first = a["citations"][0]
        page = await c.call_tool("get_page", {"doc": first["doc"], "page": first["page"]})
        resource = await c.read_resource(f"airq://{first['doc']}/page/{first['page']}")
        wrong = await c.call_tool("get_page", {"doc": "no-such-doc", "page": 1})
        checked = await c.call_tool("check", {"text": "The AI RMF Core is composed of four functions."})
        return {
            "tools": tools,
            "error": answer.is_error,
            "answer": a,
            "page": page.structured_content or {},
            "resource": resource.contents[0].text,  # type: ignore[union-attr]
            "wrong": (wrong.is_error, wrong.content[0].text),  # type: ignore[union-attr]
            "check": checked.structured_content or {},
        }


def _assert_cited_answer(s: dict[str, Any]) -> None:
    assert s["tools"] >= TOOLS, s["tools"]
    a = s["answer"]
    assert not s["error"] and not a["abstained"] and a["citations"], a
    assert set(a) >= {"answer", "citations", "abstained", "mode"}  # the API's answer JSON
    first = a["citations"][0]
    assert first["verified"] and f"[{first['n']}]" in a["answer"]
    assert s["page"]["page"] == first["page"] and on_its_pages(first["quote"], s["page"]["text"])
    assert s["resource"] == s["page"]["text"]
    assert s["wrong"][0] and "no-such-doc" in s["wrong"][1] and "list_documents" in s["wrong"][1]
    assert s["check"]["sentences"][0]["verdict"] == "supported"


def test_stdio(real_index: Path, shared_corpus: Path) -> None:
    env = {**os.environ, "AIRQ_DATA_DIR": str(real_index), "AIRQ_CORPUS_DIR": str(shared_corpus)}
    params = StdioServerParameters(command=str(Path(sys.executable).with_name("airq")), args=["mcp"], env=env)
    _assert_cited_answer(asyncio.run(_session(params)))


def test_streamable_http_under_serve(live_server: str) -> None:
    _assert_cited_answer(asyncio.run(_session(f"{live_server.rstrip('/')}/mcp")))
