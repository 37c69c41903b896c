"""Runtime configuration, read once from the environment (prefix ``AIRQ_``) or a ``.env`` file."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob a deployment may turn; defaults suit one laptop working offline."""

    model_config = SettingsConfigDict(env_prefix="AIRQ_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".airq"), description="Index, caches and build history.")
    corpus_dir: Path = Field(
        PROJECT_ROOT / "corpus" / "files",
        description="Where the source PDFs live (<id>.pdf); fetched or copied there.",
    )
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server; unset = embedded PersistentClient."
    )
    embed_model: Path | None = Field(
        None, description="Sentence-transformers model folder; unset = the packaged MiniLM."
    )
    embed_batch_size: int = Field(32, ge=1, le=512)
    adapt_embedder: bool = Field(
        True,
        description="Fine-tune the embedder on the corpus's section headings at ingest "
        "(about a minute on 2 cores; see index/adapt.py); false = the packaged model as is.",
    )
    ingest_low_memory: bool | None = Field(
        None,
        description="Adapt the embedder in about 1.2 GB instead of 3.3 GB, taking about twice as "
        "long, with the same weights; unset = so when less than 4 GiB of memory is available.",
    )
    query_onnx: bool = Field(
        True,
        description="Embed questions with the ONNX copy of the model a build exports at ingest "
        "(no torch on the query path); false = torch, as the passages were embedded.",
    )
    llm_url: str | None = Field(
        None,
        description="Base URL of an OpenAI-compatible chat endpoint (Ollama http://localhost:11434/v1, "
        "vLLM, llama.cpp's server, a hosted API) to write answers from the retrieved statements; "
        "unset = extractive answers only.",
    )
    llm_model: str = Field("", description="The model name the endpoint serves (AIRQ_LLM_URL).")
    llm_api_key: SecretStr | None = Field(None, description="Its API key, if it needs one.")
    llm_timeout: float = Field(
        60.0, gt=0, le=600, description="Seconds to wait for the model; then the extractive answer."
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages an answer draws on.")
    ingest_workers: int = Field(2, ge=1, le=32)
    max_question_chars: int = Field(2000, ge=10)
    reload_seconds: float = Field(
        2.0, gt=0, le=3600, description="How often a running server looks for a newer index build."
    )
    api_token: SecretStr | None = Field(
        None, description="Bearer token for POST /v1/ingest; unset = ingest over HTTP disabled."
    )
    allowed_hosts: Annotated[list[str] | None, NoDecode] = Field(
        None,
        description="Host names the HTTP server answers to (comma-separated; '*.example.org' a domain, "
        "'*' any); unset = localhost, 127.0.0.1 and ::1 when serving on loopback.",
    )
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Larger request bodies get 413.")
    max_inflight: int = Field(
        1, ge=1, le=64, description="Answers computed at once (they share one lock: 1 is natural)."
    )
    max_queue: int = Field(
        4,
        ge=0,
        le=10_000,
        description="Answers waiting for their turn while no request is being refused; more get "
        "503 with Retry-After at once. Under overload (requests refused within the last second) "
        "nobody new waits: a place would add one answer's time to every accepted answer.",
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: Any) -> Any:
        if isinstance(value, str):  # from the environment: a JSON list or "a,b,c"
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [h.strip() for h in text.split(",") if h.strip()] or None
        return value

    @field_validator("chroma_url", "llm_url")
    @classmethod
    def _url_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value or None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests build their own ``Settings`` instead of patching this."""
    return Settings()
