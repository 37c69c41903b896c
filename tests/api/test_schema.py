"""Schemathesis over /openapi.json: generated requests to every operation, no server error.

The operations are driven one by one with Hypothesis (schemathesis's pytest plugin does
not support this pytest version), each with a bounded number of examples.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.integration

EXAMPLES = 30


def test_no_server_errors(api_app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 14  # every endpoint is in the schema
    calls: dict[str, int] = {}
    for op in operations:

        @given(case=op.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case: schemathesis.Case) -> None:
            label = f"{case.method.upper()} {case.path}"
            calls[label] = calls.get(label, 0) + 1
            case.call_and_validate(checks=[not_a_server_error])

        check()
    assert all(n >= 1 for n in calls.values()) and len(calls) == len(operations)
