"""Schemathesis over /openapi.json with every one of its checks: the published schema is what
the API does (statuses, bodies, content types, headers, Allow), not only "no server error".

Runs schemathesis's own engine in-process (its pytest plugin does not support this pytest
version): all phases (examples, coverage, fuzzing, stateful), valid and invalid requests, a
fixed seed and a bounded number of examples per operation (tests/api/schemathesis.toml, which
also says why a few statuses are allowed beyond its defaults).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import StopReason, events, from_schema

from core.settings import Settings

pytestmark = pytest.mark.integration

CONFIG = Path(__file__).with_name("schemathesis.toml")
BUDGET_S = 180


@pytest.fixture(scope="module")
def guarded_app(real_index: Path, shared_corpus: Path, engine: Any) -> FastAPI:
    """The app with a token configured, so /v1/ingest enforces it (the token is not given to
    schemathesis: no generated request may start an ingest)."""
    from api.app import create_app

    s = Settings(data_dir=real_index, corpus_dir=shared_corpus, api_token="not-for-schemathesis")  # type: ignore[arg-type]
    app = create_app(s, load=False)
    app.state.airq.engine = engine
    return app


def test_the_api_does_what_its_schema_says(guarded_app: FastAPI) -> None:
    config = SchemathesisConfig.from_path(str(CONFIG))
    schema = schemathesis.openapi.from_asgi("/openapi.json", guarded_app, config=config)
    checks = schema.config.checks
    registered = set(CHECKS.get_all_names())
    assert {n for n in registered if checks.get_by_name(name=n).enabled} == registered  # every check
    assert len(list(schema.get_all_operations())) >= 14  # every endpoint is in the schema

    failures: list[str] = []
    errors: list[str] = []
    tested: set[str] = set()
    finished = None
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            tested.add(event.recorder.label)
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.failure_info is not None:
                        f = node.failure_info.failure
                        failures.append(
                            f"{event.recorder.label} [{node.name}] {f.title}: {f.message}\n"
                            f"{node.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.message}")
        elif isinstance(event, events.EngineFinished):
            finished = event
    took = time.monotonic() - started

    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(dict.fromkeys(failures))  # each distinct failure once
    assert finished is not None and finished.stop_reason == StopReason.COMPLETED
    operations = {op.ok().label for op in schema.get_all_operations()}
    assert operations <= tested, operations - tested
    assert took < BUDGET_S, f"schemathesis took {took:.0f} s"
