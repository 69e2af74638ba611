"""The schema is built only by migrations, and enforces the design's invariants itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from cadtriage import migrations
from tests.pg import PgServer

TABLES = {"units", "calls", "triage_decisions", "assignments", "events", "api_keys", "alembic_version"}
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 22, 10, 5, tzinfo=UTC)


@contextmanager
def _empty_database(pg: PgServer, suffix: str) -> Iterator[tuple[str, Engine]]:
    """A database of its own with no schema yet, and an engine on it."""
    url = pg.url(pg.create(f"{pg.prefix}_{suffix}", template=None))
    engine = create_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_an_empty_database(pg: PgServer) -> None:
    with _empty_database(pg, "empty") as (url, engine):
        migrations.upgrade(url)
        assert set(inspect(engine).get_table_names()) >= TABLES
        migrations.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'cube'")).scalar() == 0
            )
        migrations.upgrade(url)
        with engine.connect() as conn:
            assert migrations.current_revision(conn) == migrations.head_revision()


def test_0005_restores_first_assignment_times_and_drops_the_false_divergence(pg: PgServer) -> None:
    with _empty_database(pg, "0005") as (url, engine):
        migrations.upgrade(url, "0004")
        with engine.begin() as conn:
            first, second = _unit(conn, "P-1"), _unit(conn, "P-2")
            overridden, cancelled = _call(conn, "CAD-1"), _call(conn, "CAD-2")
            _assign(conn, overridden, first)
            conn.execute(
                text("UPDATE assignments SET released_at = :t, release_reason = 'override'"), {"t": NOW}
            )
            conn.execute(
                text(
                    "INSERT INTO assignments (call_id, unit_id, distance_m, assigned_at) VALUES (:c, :u, 1, :t)"
                ),
                {"c": overridden, "u": second, "t": LATER},
            )
            conn.execute(
                text("UPDATE calls SET status = 'assigned', assigned_at = :t WHERE id = :c"),
                {"t": LATER, "c": overridden},
            )
            conn.execute(
                text(
                    "UPDATE calls SET status = 'cancelled', closed_at = :t, cancel_reason = 'caller left',"
                    " divergence = 'no_unit_in_range', divergence_detail = 'cancelled while waiting' WHERE id = :c"
                ),
                {"t": LATER, "c": cancelled},
            )
        migrations.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT assigned_at, divergence, divergence_detail FROM calls ORDER BY id")
            )
            assert [tuple(row) for row in rows] == [(NOW, None, None), (None, None, None)]


def test_0006_refuses_to_upgrade_over_look_alike_call_signs_naming_them(pg: PgServer) -> None:
    with _empty_database(pg, "0006") as (url, engine):
        migrations.upgrade(url, "0005")
        with engine.begin() as conn:
            for sign in ("CRT-01", "crt 0l", "P-1"):
                _unit(conn, sign)
        with pytest.raises(RuntimeError, match="CRT-01, crt 0l"):
            migrations.upgrade(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE units SET call_sign = 'crt-02' WHERE call_sign = 'crt 0l'"))
        migrations.upgrade(url)
        with engine.connect() as conn:
            signs = conn.execute(text("SELECT call_sign, call_sign_key FROM units ORDER BY id")).all()
        assert [tuple(row) for row in signs] == [("CRT-01", "CRT01"), ("CRT-02", "CRT02"), ("P-1", "P1")]


def test_0021_gives_an_unreadable_eido_time_the_time_it_was_received_and_refuses_more(pg: PgServer) -> None:
    # Stored before import checked EIDO times: year 10000 in UTC could not be read back, and every read of the
    # held list failed on it (an adversarial find).
    with _empty_database(pg, "0021") as (url, engine):
        migrations.upgrade(url, "0020")
        insert = text(
            "INSERT INTO eido_incidents (incident_id, issued_by, last_update, digest, document, received_at,"
            " updated_at) VALUES (:i, 'other.example', :t, 'd', '{}', :r, :r)"
        )
        with engine.begin() as conn:
            conn.execute(insert, {"i": "poisoned", "t": "10000-01-01 09:59:59+00", "r": NOW})
            conn.execute(insert, {"i": "fine", "t": LATER, "r": NOW})
        migrations.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT incident_id, last_update FROM eido_incidents ORDER BY incident_id")
            )
            assert [tuple(row) for row in rows] == [("fine", LATER), ("poisoned", NOW)]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert, {"i": "again", "t": "2999-01-01 00:00:00+00", "r": NOW})


def test_0015_tells_a_lost_capability_from_one_never_covered_and_remembers_who_covers(pg: PgServer) -> None:
    with _empty_database(pg, "0015") as (url, engine):
        migrations.upgrade(url, "0014")
        with engine.begin() as conn:
            holder = _unit(conn, "CR-1")
            conn.execute(text("""UPDATE units SET capabilities = '{"cit": null, "medic": "2020-01-01"}'"""))
            conn.execute(
                text(
                    "INSERT INTO capability_coverage (capability, covered, changed_at) VALUES"
                    " ('cit', true, :t), ('negotiator', false, :t), ('interpreter:es', false, :t)"
                ),
                {"t": NOW},
            )
            conn.execute(
                text(
                    "INSERT INTO events (occurred_at, actor, kind, unit_id, data) VALUES"
                    """ (:t, 'sweep', 'coverage.restored', :u, '{"capability": "negotiator"}'),"""
                    """ (:t, 'sweep', 'coverage.lost', :u, '{"capability": "negotiator"}')"""
                ),
                {"t": NOW, "u": holder},
            )
        migrations.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT capability, state, available_units FROM capability_coverage ORDER BY capability")
            ).all()
        assert [tuple(row) for row in rows] == [
            ("cit", "covered", [holder]),
            ("interpreter:es", "uncovered", []),
            ("negotiator", "lost", []),
        ]


@pytest.fixture
def conn(session: Session) -> Connection:
    return session.connection()


def _unit(conn: Connection, sign: str) -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO units (call_sign, unit_type, status, lat, lon, location_updated_at) "
                "VALUES (:s, 'police', 'available', 47.6, -122.3, :t) RETURNING id"
            ),
            {"s": sign, "t": NOW},
        ).scalar_one()
    )


def _call(conn: Connection, ext: str) -> int:
    return int(
        conn.execute(
            text(
                "INSERT INTO calls (external_id, record_hash, record, lat, lon, received_at, status, priority, "
                "decided_type, requested_type, queued_at) VALUES (:e, 'h', '{}', 47.6, -122.3, :t, 'queued', 3, "
                "'police', 'police', :t) RETURNING id"
            ),
            {"e": ext, "t": NOW},
        ).scalar_one()
    )


def _assign(conn: Connection, call_id: int, unit_id: int) -> None:
    conn.execute(
        text("INSERT INTO assignments (call_id, unit_id, distance_m, assigned_at) VALUES (:c, :u, 1, :t)"),
        {"c": call_id, "u": unit_id, "t": NOW},
    )


def test_a_unit_cannot_hold_two_open_assignments(conn: Connection) -> None:
    unit = _unit(conn, "U-1")
    _assign(conn, _call(conn, "A"), unit)
    with pytest.raises(IntegrityError, match="uq_assignments_open_unit"), conn.begin_nested():
        _assign(conn, _call(conn, "B"), unit)


def test_a_call_cannot_have_two_open_primary_units(conn: Connection) -> None:
    call = _call(conn, "A")
    _assign(conn, call, _unit(conn, "U-1"))
    with pytest.raises(IntegrityError, match="uq_assignments_open_primary_call"), conn.begin_nested():
        _assign(conn, call, _unit(conn, "U-2"))


def test_a_released_assignment_frees_the_unit_for_another_call(conn: Connection) -> None:
    unit = _unit(conn, "U-1")
    _assign(conn, _call(conn, "A"), unit)
    conn.execute(text("UPDATE assignments SET released_at = :t, release_reason = 'call closed'"), {"t": NOW})
    _assign(conn, _call(conn, "B"), unit)


@pytest.mark.parametrize(
    "statement", ["UPDATE events SET actor = 'x'", "DELETE FROM events", "TRUNCATE events"]
)
def test_the_audit_log_is_append_only(conn: Connection, statement: str) -> None:
    unit = _unit(conn, "U-1")
    conn.execute(
        text("INSERT INTO events (occurred_at, actor, kind, unit_id) VALUES (:t, 'a', 'k', :u)"),
        {"t": NOW, "u": unit},
    )
    with pytest.raises(DBAPIError, match="append-only"), conn.begin_nested():
        conn.execute(text(statement))


def test_statuses_and_priorities_are_checked(conn: Connection) -> None:
    with pytest.raises(IntegrityError, match="ck_units_status"), conn.begin_nested():
        conn.execute(
            text(
                "INSERT INTO units (call_sign, unit_type, status, lat, lon, location_updated_at) "
                "VALUES ('X', 'police', 'lunch', 47.6, -122.3, now())"
            )
        )
    with pytest.raises(IntegrityError, match="ck_calls_priority"), conn.begin_nested():
        conn.execute(
            text(
                "INSERT INTO calls (external_id, record_hash, record, lat, lon, received_at, status, "
                "priority, decided_type, requested_type, queued_at) VALUES ('P', 'h', '{}', 0, 0, now(), "
                "'queued', 9, 'police', 'police', now())"
            )
        )
