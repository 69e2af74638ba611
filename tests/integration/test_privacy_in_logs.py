"""A hostile run against a real server: whatever fails, no caller's name or phone reaches any log line.

The server is the one operators run (`cadtriage serve`, two workers, at its most verbose level), and the scan
covers everything it printed: cadtriage's JSON lines, uvicorn's own loggers and anything else on stdout/stderr.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.integration.servers import start_serve, stop
from tests.pg import PgServer, create_key_in

pytestmark = pytest.mark.slow

NAME = "Zebediah Quillfeather"
PHONE = "+1-206-555-0199"
TRACES = (NAME, "Zebediah", "Quillfeather", PHONE, "555-0199", "2065550199")
CALLER = {"name": NAME, "phone": PHONE}


def _call(external_id: str, **changes: object) -> dict[str, object]:
    return {
        "external_id": external_id,
        "call_type": "WELFARE CHECK",
        "narrative": f"RP {NAME} at {PHONE} says neighbour is confused",
        "caller": CALLER,
        "location": {"lat": 47.6097, "lon": -122.3331, "address": f"home of {NAME}"},
        **changes,
    }


def _hostile_requests(client: httpx.Client, bearer: dict[str, str]) -> list[int]:
    json_headers = {**bearer, "Content-Type": "application/json"}
    raw = f'{{"external_id": "H-RAW", "caller": {{"name": "{NAME}", "phone": "{PHONE}"}}'
    requests: list[Callable[[], httpx.Response]] = [
        lambda: client.post("/v1/calls", json=_call("H-1"), headers=bearer),
        lambda: client.post("/v1/calls", json=_call("H-1", narrative=f"{NAME} again"), headers=bearer),
        lambda: client.post("/v1/calls", json=_call("H-2", narrative=f"{NAME}\u0000{PHONE}"), headers=bearer),
        lambda: client.post("/v1/calls", json=_call("H-3", caller={"name": NAME + "\u0000", "phone": PHONE})),
        lambda: client.post("/v1/calls", json=_call("H-4", caller={"name": NAME * 20, "phone": PHONE * 5})),
        lambda: client.post("/v1/calls", json=_call("H-5", received_at="9999-12-31T23:59:59-14:00")),
        lambda: client.post("/v1/calls", json=_call("H-6", location={"lat": NAME, "lon": PHONE})),
        lambda: client.post("/v1/calls", content=raw, headers=json_headers),  # not JSON
        lambda: client.post("/v1/calls", content=raw + ', "caller": {}}', headers=json_headers),
        lambda: client.post(
            "/v1/calls",
            content=raw.replace("{", "{" + f'"caller": "{NAME}", ', 1) + "}",
            headers=json_headers,
        ),  # a duplicate key
        lambda: client.post(
            "/v1/calls",
            content=f"name={NAME}&phone={PHONE}",
            headers={**bearer, "Content-Type": "application/x-www-form-urlencoded"},
        ),
        lambda: client.post(
            "/v1/calls", json=_call("H-7", narrative=NAME * 4000), headers=bearer
        ),  # too large
        lambda: client.get(f"/v1/calls/{NAME}", headers=bearer),
        lambda: client.get(f"/v1/calls?status={NAME}&since={PHONE}", headers=bearer),
        lambda: client.get(f"/v1/events?kind={NAME}", headers=bearer),
        lambda: client.post("/v1/calls/1/cancel", json={"reason": f"{NAME}\u0000"}, headers=bearer),
        lambda: client.post(
            "/v1/calls/1/override", json={"response_type": NAME, "reason": PHONE}, headers=bearer
        ),
        lambda: client.post("/v1/triage", json={"narrative": f"{NAME}\u0000"}, headers=bearer),
        lambda: client.get("/v1/calls/1", headers={"Authorization": f"Bearer {NAME}", "X-Request-ID": PHONE}),
        lambda: client.get("/v1/stats?until=0001-01-01T00:00:00Z", headers={**bearer, "X-Request-ID": NAME}),
        lambda: client.get(f"/{NAME}/{PHONE}"),
    ]
    return [request().status_code for request in requests]


def test_no_caller_detail_reaches_any_log_line_of_a_hostile_run(pg: PgServer) -> None:
    url = pg.copy()
    dispatcher = create_key_in(url, "dispatcher")
    settings = {"CADTRIAGE_LOG_LEVEL": "debug", "CADTRIAGE_SERVICE_AREA": "-123,47,-122,48"}
    server, base = start_serve(url, workers=2, **settings)
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            codes = _hostile_requests(client, {"Authorization": f"Bearer {dispatcher}"})
    finally:
        output = stop(server)
    assert 500 not in codes, codes
    assert codes[0] == 201, codes
    assert '"logger": "cadtriage.request"' in output  # the run was logged at all
    for trace in TRACES:
        assert trace not in output, [line for line in output.splitlines() if trace in line][:3]
