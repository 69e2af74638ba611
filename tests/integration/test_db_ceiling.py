"""The load bench's database ceiling must issue the service's intake transaction, not a cheaper one.

The same calls go through the service in one database and through the bench's psycopg transaction in another,
both seeded with the demo roster: each call must end the same (status, unit, decision) with the same trail of
events, or the ceiling the load bench divides by would measure something the service does not do.
"""

from __future__ import annotations

import random
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from cadtriage.calls.schemas import IntakeRecord
from cadtriage.clock import SystemClock
from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.dispatch.intake import intake
from cadtriage.seed import seed_demo_if_empty
from cadtriage.triage.protocol import Protocol
from tests.bench import db_ceiling
from tests.bench.load import incidents, record
from tests.integration.invariants import violations
from tests.pg import PgServer

OUTCOME = """
SELECT c.external_id, c.status, c.requested_type, c.priority, c.notify_ems, u.call_sign,
       round(a.distance_m::numeric, 3), d.rules, d.reasons,
       (SELECT array_agg(e.kind ORDER BY e.kind) FROM events e WHERE e.call_id = c.id)
FROM calls c
JOIN triage_decisions d ON d.call_id = c.id
LEFT JOIN assignments a ON a.call_id = c.id
LEFT JOIN units u ON u.id = a.unit_id
ORDER BY c.external_id"""


def _outcomes(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        assert not violations(conn)
        rows = [tuple(row) for row in conn.execute(text(OUTCOME))]
    engine.dispose()
    return rows


def test_the_psycopg_intake_stores_what_the_service_stores(pg: PgServer, protocol: Protocol) -> None:
    rng, rows = random.Random(7), incidents()
    # More calls than the demo roster has units, so both the assigned and the queued paths are taken.
    bodies = [record(n, "CEIL", rng, rows) for n in range(120)]
    through_service, through_psycopg = pg.copy(), pg.copy()
    for url in (through_service, through_psycopg):
        seed_demo_if_empty(url)
    settings = Settings(database_url=through_service)

    engine = create_engine(through_service)
    for body in bodies:
        with Session(engine, expire_on_commit=False) as session:
            intake(Context(session, SystemClock(), settings, protocol, "bench"), IntakeRecord(**body))
            session.commit()
    engine.dispose()
    with psycopg.connect(
        through_psycopg.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        ends = [
            db_ceiling.intake(conn, body, IntakeRecord(**body).call_text(), protocol, settings)
            for body in bodies
        ]

    assert {"assigned", "queued"} <= set(ends)
    assert _outcomes(through_psycopg) == _outcomes(through_service)
