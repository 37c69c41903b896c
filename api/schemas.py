"""Request and response bodies of the HTTP API (the answer itself is ``core.types.Answer``).

The request models say everything about valid input that JSON Schema can say (a question has
a visible character; only a user's message is a question), so the published schema and what
the API accepts agree; what it cannot say (the last message is the user's) is checked in code.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field
from pydantic_core import PydanticCustomError

from core.types import Answer
from corpus.roles import RoleId

DocIds = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]] | None,
    Field(None, max_length=50, description="Only these document ids (see GET /v1/documents)."),
]
K = Annotated[int | None, Field(None, ge=1, le=50, description="Passages to draw on.")]
Text = Annotated[str, Field(max_length=100_000)]
VISIBLE = re.compile(r"\S")
QUESTION_MARK = "x-airq-question"  # the app's OpenAPI states AIRQ_MAX_QUESTION_CHARS there


def not_blank(text: str) -> str:
    if not VISIBLE.search(text):
        raise PydanticCustomError("blank", "empty; ask something")
    return text


# Longer than AIRQ_MAX_QUESTION_CHARS (what the OpenAPI document says) is a 413, not a 422.
Question = Annotated[
    str,
    Field(
        min_length=1, max_length=100_000, json_schema_extra={"pattern": VISIBLE.pattern, QUESTION_MARK: True}
    ),
    AfterValidator(not_blank),
]


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"question": "What does GOVERN 1.2 say?", "role": "ai-developer"}]},
    )

    question: Question = Field(description="The question, in your own words.")
    docs: DocIds = None
    role: RoleId | None = Field(None, description="Answer for this role; unset = detect from the question.")
    k: K = None


class CheckRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "The AI RMF is voluntary. NIST requires quarterly red-team exercises."}]
        },
    )

    text: Annotated[
        str,
        Field(min_length=1, max_length=200_000, json_schema_extra={"pattern": VISIBLE.pattern}),
        AfterValidator(not_blank),
    ] = Field(description="Plain text or Markdown; a blank line always ends a sentence.")


class UserMessage(BaseModel):
    role: Literal["user"]
    content: Question


class OtherMessage(BaseModel):
    role: Literal["assistant", "system"]
    content: Text


ChatMessage = Annotated[UserMessage | OtherMessage, Discriminator("role")]


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "messages": [
                        {"role": "user", "content": "What does the GenAI profile say about third parties?"},
                        {"role": "assistant", "content": "…"},
                        {"role": "user", "content": "And what about procurement?"},
                    ]
                }
            ]
        },
    )

    messages: list[ChatMessage] = Field(min_length=1, max_length=100, description="Oldest first.")
    docs: DocIds = None
    role: RoleId | None = None
    k: K = None
    stream: bool = Field(False, description="Server-sent events: meta, delta…, answer.")


class ChatReply(Answer):
    """An answer plus what the conversation carried into it from earlier turns."""

    note: str = Field("", description="What was carried over from earlier turns, in words.")
    carried: dict[str, Any] = Field(default_factory=dict)


class DocumentOut(BaseModel):
    id: str
    title: str
    short: str = Field("", description="A short name (the first alias).")
    publisher: str = ""
    date: str = ""
    url: str = ""
    pages: int | None = None
    indexed: bool
    passages: int = 0


class PageOut(BaseModel):
    doc: str
    page: int = Field(description="Physical page, 1-based.")
    page_label: str
    text: str = Field(description="The cleaned text every quote is verified against.")


class RoleOut(BaseModel):
    id: str
    name: str
    description: str


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = Field(False, description="Re-parse and rebuild even if nothing changed.")


class IngestStatus(BaseModel):
    status: Literal["idle", "running", "done", "failed"]
    started: str | None = None
    finished: str | None = None
    message: str = ""


class Ready(BaseModel):
    ready: bool
    detail: str = ""
    build: str | None = None
    documents: int = 0
    passages: int = 0
