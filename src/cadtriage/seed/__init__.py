"""The demo roster: Seattle, with units of all three types at the police beat centres."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadtriage.access import service as access
from cadtriage.access.models import Role
from cadtriage.clock import SystemClock
from cadtriage.config import get_settings
from cadtriage.context import Context
from cadtriage.db import Database
from cadtriage.dispatch import units as service
from cadtriage.protocol_files import load_protocol
from cadtriage.triage.types import ResponseType
from cadtriage.units.models import Unit
from cadtriage.units.schemas import Position, UnitCreate

SEED_ACTOR = "system:seed"


def beat_centres() -> Iterator[tuple[str, str, float, float]]:
    """(sector, beat, lat, lon) of each Seattle beat, from the packaged CSV (median call location)."""
    text = resources.files("cadtriage.seed").joinpath("seattle_beat_centroids_derived_from_2016_calls.csv")
    with text.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield row["District/Sector"], row["Zone/Beat"], float(row["lat_median"]), float(row["lon_median"])


def demo_roster() -> list[UnitCreate]:
    """A patrol unit per beat, a co-responder team per sector, and a civilian crisis team every third beat."""
    roster: list[UnitCreate] = []
    sectors_seen: set[str] = set()
    for index, (sector, beat, lat, lon) in enumerate(sorted(beat_centres(), key=lambda b: b[1])):
        where = Position(lat=lat, lon=lon)
        roster.append(UnitCreate(call_sign=f"{beat}-1", unit_type=ResponseType.police, location=where))
        if sector not in sectors_seen:
            sectors_seen.add(sector)
            roster.append(
                UnitCreate(call_sign=f"CR-{sector}", unit_type=ResponseType.co_responder, location=where)
            )
        if index % 3 == 0:
            roster.append(
                UnitCreate(
                    call_sign=f"CRT-{index // 3 + 1:02d}",
                    unit_type=ResponseType.civilian_crisis,
                    location=where,
                )
            )
    return roster


def demo_keys(session: Session, at: datetime) -> list[tuple[str, str, str]]:
    """One key per role, the unit key bound to the first civilian crisis team: (role, name, key)."""
    made = []
    for role, unit in (
        (Role.dispatcher, None),
        (Role.supervisor, None),
        (Role.admin, None),
        (Role.clinician, None),
        (Role.unit, "CRT-01"),
    ):
        name = f"demo-{role.value}"
        made.append(
            (
                role.value,
                name,
                access.create(session, name=name, role=role, unit_call_sign=unit, at=at, actor="system:seed"),
            )
        )
    return made


def seed_demo_if_empty(url: str) -> str:
    """Register the demo roster unless the database already has units; says what it did."""
    database = Database(url, pool_size=1)
    try:
        with Session(database.engine) as session, session.begin():
            if session.scalar(select(func.count()).select_from(Unit)):
                return "demo roster: units already present, nothing seeded"
            ctx = Context(session, SystemClock(), get_settings(), load_protocol(None), SEED_ACTOR)
            roster = demo_roster()
            for unit in roster:
                service.register(ctx, unit)
            keys = demo_keys(session, ctx.now())
        counts = {t.value: sum(1 for u in roster if u.unit_type is t) for t in ResponseType}
        lines = [f"demo roster seeded: {counts}", "demo API keys (shown once; keep them):"]
        lines += [f"  {role:<11} {name:<16} {key}" for role, name, key in keys]
        return "\n".join(lines)
    finally:
        database.dispose()
