"""Shared fixtures. Integration tests read the real PDFs from ../shared/corpus and use the
real embedder; unit tests use the hashing encoder and PDFs they build themselves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

SHARED_CORPUS = Path(os.environ.get("AIRQ_TEST_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
REAL_IDS = ["nist-ai-100-1", "nist-ai-600-1", "nist-ai-800-1-ipd", "nist-sp-800-218a", "nist-ai-rmf-playbook"]


def _have_corpus() -> bool:
    return all((SHARED_CORPUS / f"{i}.pdf").is_file() for i in REAL_IDS)


needs_corpus = pytest.mark.skipif(
    not _have_corpus(), reason=f"the real PDFs are not in {SHARED_CORPUS} (integration test)"
)


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not _have_corpus():
        pytest.skip(f"the real PDFs are not in {SHARED_CORPUS}")
    return SHARED_CORPUS


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory, shared_corpus: Path) -> Path:
    """The whole corpus ingested once with the real MiniLM embedder, adapted to the corpus as
    `airq ingest` does (data dir path)."""
    from index.adapt import AdaptConfig
    from index.build import ingest, sources_from_corpus
    from index.embed import MiniLMEmbedder

    data = tmp_path_factory.mktemp("airq-data")
    sources, warnings = sources_from_corpus(shared_corpus)
    assert not warnings
    report = ingest(sources, data, MiniLMEmbedder(), workers=2, adapt=AdaptConfig())
    assert not report.failures and report.changed
    return data


@pytest.fixture(scope="session")
def engine(real_index: Path):  # type: ignore[no-untyped-def]
    from core.settings import Settings
    from qa.service import load_engine

    return load_engine(Settings(data_dir=real_index))
