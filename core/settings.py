"""Runtime configuration, read once from the environment (prefix ``AIRQ_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    top_k: int = Field(5, ge=1, le=50, description="Passages an answer draws on.")
    ingest_workers: int = Field(2, ge=1, le=32)
    max_question_chars: int = Field(2000, ge=10)
    api_token: SecretStr | None = Field(
        None, description="Bearer token for POST /v1/ingest; unset = ingest over HTTP disabled."
    )

    @field_validator("chroma_url")
    @classmethod
    def _url_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("AIRQ_CHROMA_URL must start with http:// or https://")
        return value or None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests build their own ``Settings`` instead of patching this."""
    return Settings()
