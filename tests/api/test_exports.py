"""De-identified exports: personal data planted in every free-text field never reaches the file, small cells are
suppressed, and only researchers and supervisors may export."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cadtriage.config import Settings
from cadtriage.exports import repository, service
from cadtriage.exports.parquet import write_parquet
from tests.api.helpers import DOWNTOWN, as_role, call, status, unit
from tests.conftest import FakeClock
from tests.pg import PgServer

NAME, PHONE, ADDRESS, PERSON = "Zebediah Quillfeather", "206-555-0199", "1423 Elmsworth Lane", "MRN-99812"
PLANTED = (NAME, "Zebediah", "Quillfeather", PHONE, "555-0199", ADDRESS, "Elmsworth", PERSON)
WINDOW = {"since": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, unit_location_stale_s=900, person_key_secret="export-test")


def _planted_call(client: TestClient, ext: str) -> dict[str, Any]:
    return call(
        client,
        ext,
        call_type=f"WELFARE CHECK {NAME}",
        narrative=f"RP {NAME} at {PHONE}, {ADDRESS}, says neighbour is confused",
        caller={"name": NAME, "phone": PHONE},
        location={"lat": DOWNTOWN[0], "lon": DOWNTOWN[1], "address": ADDRESS},
        person_id=PERSON,
    )


def _plant_everywhere(client: TestClient, clock: FakeClock) -> None:
    unit(client, "CRT-1", "civilian_crisis", *DOWNTOWN)
    first = _planted_call(client, "CAD-1")
    status(client, first["id"], "on_scene")
    outcome = {
        "resolution": "referred",
        "referrals": [{"to": f"{NAME}'s clinic at {ADDRESS}", "accepted": True}],
        "police_backup": {"requested": True, "reason": f"{NAME} called {PHONE}"},
    }
    closed = status(client, first["id"], "closed", disposition=f"{NAME} {PHONE} {ADDRESS}", outcome=outcome)
    assert closed.status_code == 200, closed.text
    followup = {
        "provider": f"{NAME} clinic",
        "due_at": "2026-11-23T10:00:00Z",
        "consent": {"given": True, "method": "verbal"},
    }
    assert client.post(f"/v1/calls/{first['id']}/followups", json=followup).status_code == 201
    clock.advance(3 * 86_400)  # three days later, the same person again
    second = _planted_call(client, "CAD-2")
    clinician = as_role(client, "clinician")  # the crisis desk's rationale is free text too
    assert client.post(f"/v1/consults/{second['id']}/claim", headers=clinician).status_code == 200
    desk = {"outcome": "returned_to_dispatch", "rationale": f"{NAME} at {ADDRESS}, {PHONE}"}
    assert (
        client.post(f"/v1/consults/{second['id']}/outcome", json=desk, headers=clinician).status_code == 200
    )
    override = {"response_type": "co_responder", "reason": f"{NAME} at {ADDRESS}"}
    assert client.post(f"/v1/calls/{second['id']}/override", json=override).status_code == 200
    assert (
        client.post(f"/v1/calls/{second['id']}/cancel", json={"reason": f"{NAME} {PHONE}"}).status_code == 200
    )


def _rows(text: str) -> list[dict[str, str]]:
    return list(
        csv.DictReader(
            io.StringIO("".join(line for line in text.splitlines(True) if not line.startswith("#")))
        )
    )


def test_the_export_carries_no_personal_data_from_any_field(client: TestClient, clock: FakeClock) -> None:
    _plant_everywhere(client, clock)
    export = client.get("/v1/exports/calls.csv", params=WINDOW, headers=as_role(client, "researcher"))
    assert export.status_code == 200, export.text
    assert export.headers["content-type"].startswith("text/csv")
    for planted in PLANTED:
        assert planted not in export.text, planted
    assert "47.6097" not in export.text  # no coordinates
    assert "-122.3331" not in export.text
    assert export.text.startswith("# de-identified")
    rows = _rows(export.text)
    assert len(rows) == 2
    first = rows[0]
    assert (first["zone"], first["received_hour"]) == ("47.60,-122.34", "2026-11-22T10:00Z")
    assert (first["resolution"], first["referrals_made"], first["police_backup_requested"]) == (
        "referred",
        "1",
        "t" if first["police_backup_requested"] == "t" else "True",
    )
    assert re.fullmatch(r"[0-9a-f]{32}", first["person_key"])
    assert rows[1]["person_key"] == first["person_key"]  # the same person, pseudonymously
    assert rows[1]["repeat_within_30d"] == "True"


def test_small_cells_are_suppressed_in_the_summary(client: TestClient) -> None:
    unit(client, "P-1", "police", *DOWNTOWN)
    for n in range(12):  # twelve calls in one cell, queued after the first: shown
        call(
            client,
            f"BIG-{n}",
            call_type="ROBBERY IN PROGRESS",
            screening={"weapons": True, "crime_in_progress": True},
        )
    for n in range(3):  # three calls in another zone: suppressed
        call(client, f"SMALL-{n}", at=(47.70, -122.30))
    summary = client.get("/v1/exports/summary.csv", params=WINDOW, headers=as_role(client, "researcher"))
    assert summary.status_code == 200
    assert "cells of 1 to 10 are suppressed" in summary.text
    cells = [(r["zone"], r["decided_type"], r["dispatched_type"], r["calls"]) for r in _rows(summary.text)]
    assert ("47.60,-122.34", "police", "", "11") in cells  # eleven waiting: shown
    assert ("47.60,-122.34", "police", "police", "<11") in cells  # one sent: suppressed
    assert [c[3] for c in cells if c[0] == "47.70,-122.30"] == ["<11"]  # three: suppressed


def test_researchers_see_exports_and_nothing_else(client: TestClient) -> None:
    researcher = as_role(client, "researcher")
    assert client.get("/v1/calls", headers=researcher).status_code == 403
    assert client.get("/v1/outcomes/stats", headers=researcher).status_code == 403
    refused = client.get(
        "/v1/exports/calls.csv", params={**WINDOW, "since": WINDOW["until"]}, headers=researcher
    )
    assert refused.status_code == 422
    decade = client.get(
        "/v1/exports/calls.csv", params={**WINDOW, "since": "2016-11-01T00:00:00Z"}, headers=researcher
    )
    assert (decade.status_code, decade.json()["errors"][0]["field"]) == (422, "since")


def test_the_command_line_export_writes_the_same_file(
    pg: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cadtriage.cli import main
    from cadtriage.config import get_settings

    monkeypatch.setenv("DATABASE_URL", pg.copy())
    get_settings.cache_clear()
    try:
        out = tmp_path / "calls.csv"
        assert (
            main(
                [
                    "export",
                    "--since",
                    "2026-11-01T00:00:00Z",
                    "--until",
                    "2026-12-01T00:00:00Z",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        assert out.read_text().startswith("# de-identified")
        assert "received_hour,zone" in out.read_text()
        parquet = tmp_path / "calls.parquet"
        assert main(["export", "--format", "parquet", "--out", str(parquet), "--summary"]) == 0
        assert parquet.read_bytes().startswith(b"PAR1")
        assert main(["export", "--format", "parquet"]) == 2  # a binary file needs --out
        assert "needs --out" in capsys.readouterr().err
        assert main(["export", "--since", "2026-12-01T00:00:00Z", "--until", "2026-11-01T00:00:00Z"]) == 2
        assert "until must be after since" in capsys.readouterr().err
        with pytest.raises(SystemExit):
            main(["export", "--since", "2026-11-01T00:00:00"])  # no time zone
    finally:
        get_settings.cache_clear()


def test_the_parquet_export_holds_the_same_rows_typed_and_its_rules(
    client: TestClient, clock: FakeClock, session: Session, tmp_path: Path
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    _plant_everywhere(client, clock)
    since, until = (datetime.fromisoformat(WINDOW[k]) for k in ("since", "until"))
    path = tmp_path / "calls.parquet"
    write_parquet(
        path, repository.COLUMNS, list(service.call_rows(session, since, until)), service.metadata(False)
    )
    table = pq.read_table(path)
    assert table.column_names == list(repository.COLUMNS)
    assert table.schema.field("priority").type == "int32"
    assert table.schema.field("repeat_within_30d").type == "bool"
    assert table.schema.metadata[b"cadtriage.deidentification"].startswith(b"de-identified by cadtriage")
    csv_rows = _rows(
        client.get("/v1/exports/calls.csv", params=WINDOW, headers=as_role(client, "researcher")).text
    )
    parquet_rows = table.to_pylist()
    assert [r["person_key"] for r in parquet_rows] == [r["person_key"] for r in csv_rows]
    assert [r["crisis_desk"] for r in parquet_rows] == ["call_ended", "returned_to_dispatch"]
    assert parquet_rows[1]["repeat_within_30d"] is True
    everything = path.read_bytes()
    for planted in PLANTED:
        assert planted.encode() not in everything, planted
    summary = tmp_path / "summary.parquet"
    write_parquet(
        summary, service.SUMMARY_COLUMNS, service.summary_cells(session, since, until), service.metadata(True)
    )
    cells = pq.read_table(summary)
    assert set(cells.column("calls").to_pylist()) == {"<11"}  # one call in each cell: suppressed
    assert b"cadtriage.suppression" in cells.schema.metadata
