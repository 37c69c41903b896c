"""The official ``openai`` client against a real ``airq serve`` process: plain and streaming."""

from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.integration

QUESTION = "What does GOVERN 1.2 say?"


def test_plain_completion(live_server: str) -> None:
    client = openai.OpenAI(base_url=f"{live_server}/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == ["airq"]
    r = client.chat.completions.create(model="airq", messages=[{"role": "user", "content": QUESTION}])
    text = r.choices[0].message.content or ""
    assert r.choices[0].finish_reason == "stop"
    assert "[1]" in text and "Sources:" in text and "GOVERN 1.2" in text
    citations = (r.model_extra or {})["citations"]
    assert citations[0]["verified"] and citations[0]["doc"] == "nist-ai-100-1"


def test_streaming_completion(live_server: str) -> None:
    client = openai.OpenAI(base_url=f"{live_server}/v1", api_key="unused", max_retries=0)
    stream = client.chat.completions.create(
        model="airq",
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        metadata={"docs": "nist-ai-rmf-playbook"},
    )
    pieces, finish, citations = [], None, None
    for chunk in stream:
        choice = chunk.choices[0]
        pieces.append(choice.delta.content or "")
        if choice.finish_reason:
            finish, citations = choice.finish_reason, (chunk.model_extra or {})["citations"]
    text = "".join(pieces)
    assert finish == "stop" and len(pieces) > 3
    assert "[1]" in text and "Sources:" in text
    assert citations and {c["doc"] for c in citations} == {"nist-ai-rmf-playbook"}


def test_unknown_model_is_an_error(live_server: str) -> None:
    client = openai.OpenAI(base_url=f"{live_server}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": QUESTION}])
