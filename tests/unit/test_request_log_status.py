"""The request log tells a request nobody answered (the client left) from the service's own failure."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest
from starlette.types import Message, Receive, Scope, Send

from cadtriage.api.request_log import CLIENT_GONE, RequestLogMiddleware

SCOPE: Scope = {"type": "http", "method": "POST", "path": "/v1/calls", "headers": [], "state": {}}


async def _hung_up(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()  # the client's disconnect: there is nobody to answer


async def _failed(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("the service's own failure")


async def _answered(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def _logged_status(app: object, caplog: pytest.LogCaptureFixture) -> int:
    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        pass

    # The failing app's own error is suppressed: what matters is what was logged.
    with caplog.at_level(logging.INFO, logger="cadtriage.request"), contextlib.suppress(RuntimeError):
        asyncio.run(RequestLogMiddleware(app)(dict(SCOPE, state={}), receive, send))  # type: ignore[arg-type]
    (record,) = [r for r in caplog.records if r.name == "cadtriage.request"]
    return int(record.fields["status"])  # type: ignore[attr-defined]


def test_a_request_that_ends_unanswered_is_logged_as_the_client_gone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert _logged_status(_hung_up, caplog) == CLIENT_GONE == 499


def test_a_request_the_service_failed_is_logged_as_500(caplog: pytest.LogCaptureFixture) -> None:
    assert _logged_status(_failed, caplog) == 500


def test_an_answered_request_is_logged_with_its_status(caplog: pytest.LogCaptureFixture) -> None:
    assert _logged_status(_answered, caplog) == 201
