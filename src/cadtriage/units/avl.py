"""SQL for the AVL ping: a unit's new position, and the event that records the move, in one statement."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Double, Table, bindparam, text
from sqlalchemy.orm import Session

from cadtriage.db import placeholders, typed_binds
from cadtriage.events.models import Event
from cadtriage.units.models import Unit, UnitStatus

_UNITS, _EVENTS = (cast(Table, m.__table__) for m in (Unit, Event))
# The event's columns the use case gives (`events.service.entry`); its unit and its data come from the row moved.
_EVENT_COLUMNS = [c.key for c in _EVENTS.columns if c.key not in ("id", "unit_id", "data")]


# A terminal reports every few seconds, so the ping is the most frequent write there is: one round trip, no entity.
# The row is locked first (FOR NO KEY UPDATE, as a status change locks it), so the event's "from" is the position
# this report replaces even when two reports for one unit race; the lock lasts until the transaction ends, and
# intake's search waits out a unit being moved rather than send a farther one (`units.repository`).
_MOVE = (
    text(
        "WITH old AS (SELECT id, lat, lon FROM units WHERE id = :unit_id FOR NO KEY UPDATE), "  # noqa: S608 (constant names)
        "moved AS (UPDATE units SET lat = :lat, lon = :lon, location_updated_at = :at, updated_at = :at "
        "FROM old WHERE units.id = old.id "
        "RETURNING units.id, units.status, old.lat AS from_lat, old.lon AS from_lon), "
        f"logged AS (INSERT INTO events (unit_id, data, {', '.join(_EVENT_COLUMNS)}) "
        "SELECT id, jsonb_build_object('from', jsonb_build_array(from_lat, from_lon), "
        "'to', jsonb_build_array(:lat, :lon)), "
        f"{placeholders(_EVENT_COLUMNS, 'event_')} FROM moved) "
        "SELECT status FROM moved"
    )
    .bindparams(
        bindparam("unit_id", type_=_UNITS.c.id.type),
        bindparam("lat", type_=Double()),
        bindparam("lon", type_=Double()),
        bindparam("at", type_=_UNITS.c.updated_at.type),
        *typed_binds(_EVENTS, _EVENT_COLUMNS, "event_"),
    )
    .columns(_UNITS.c.status)
)


def move(session: Session, unit_id: int, lat: float, lon: float, event: dict[str, Any]) -> UnitStatus | None:
    """Move a unit and record the move (`event`: the values of `events.service.entry`, its time the move's);
    the unit's status, or None when there is no such unit."""
    params = {"unit_id": unit_id, "lat": lat, "lon": lon, "at": event["occurred_at"]}
    params.update({f"event_{name}": event[name] for name in _EVENT_COLUMNS})
    status = session.execute(_MOVE, params).scalar_one_or_none()
    return None if status is None else UnitStatus(status)
