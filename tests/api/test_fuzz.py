"""Schemathesis over the whole OpenAPI schema, with valid keys: no server errors, no response outside the schema.

Each generated request goes through the real app, on the real test database, in the test's transaction.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cadtriage.api.app import create_app
from cadtriage.config import Settings

pytestmark = pytest.mark.slow
# The OpenAPI document needs no database: build it from an app that is never started.
# /v1/events is an endless stream: it is tested against a real server in tests/integration/test_event_stream.py.
schema = schemathesis.openapi.from_dict(create_app(Settings(), run_escalation=False).openapi()).exclude(
    path="/v1/events"
)
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def _role_for(method: str, path: str) -> str:
    if path.startswith(("/v1/keys", "/v1/protocol")):
        return "admin"
    if method == "POST" and path == "/v1/units":
        return "supervisor"
    return "dispatcher"


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_response_outside_the_schema(
    case: schemathesis.Case, client: TestClient
) -> None:
    key = client.keys[_role_for(case.method.upper(), case.path)]  # type: ignore[attr-defined]
    kwargs: dict[str, Any] = case.as_transport_kwargs(
        base_url="http://testserver", headers={"Authorization": f"Bearer {key}"}
    )
    response = client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        json=kwargs.get("json"),
        content=kwargs.get("data"),
    )
    case.validate_response(response, checks=CHECKS)
