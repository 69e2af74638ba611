"""SQL for capability coverage: who holds each capability now, what the sweep last saw, and the units named."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cadtriage.units.models import CapabilityCoverage, CoverageState, Unit


@dataclass(frozen=True)
class Holders:
    """The units holding a capability on a day, and those of them available."""

    active: frozenset[int]
    available: frozenset[int]


@dataclass(frozen=True)
class Seen:
    """A capability's coverage as the sweep last saw it."""

    state: CoverageState
    available: frozenset[int]


NOBODY = Holders(frozenset(), frozenset())

# One pass over the units (a few hundred rows); a lapsed capability is not held.
_HOLDERS = text(
    """
    SELECT c.key, array_agg(u.id) AS active,
           coalesce(array_agg(u.id) FILTER (WHERE u.status = 'available'), '{}') AS available
    FROM units u, jsonb_each_text(u.capabilities) AS c(key, lapses)
    WHERE c.lapses IS NULL OR CAST(c.lapses AS date) >= :today
    GROUP BY c.key
    """
)


def holders(session: Session, today: date) -> dict[str, Holders]:
    """Per capability, the units holding it on `today` and those of them available."""
    rows = session.execute(_HOLDERS, {"today": today})
    return {key: Holders(frozenset(active), frozenset(available)) for key, active, available in rows}


def last_seen(session: Session) -> dict[str, Seen]:
    """Per capability, its coverage as last remembered."""
    rows = session.execute(
        select(CapabilityCoverage.capability, CapabilityCoverage.state, CapabilityCoverage.available_units)
    )
    return {capability: Seen(state, frozenset(units)) for capability, state, units in rows}


def remember(session: Session, capability: str, seen: Seen, at: datetime) -> None:
    """Record a capability's coverage as seen now."""
    values = {"state": seen.state.value, "available_units": sorted(seen.available), "changed_at": at}
    statement = insert(CapabilityCoverage).values(capability=capability, **values)
    session.execute(
        statement.on_conflict_do_update(index_elements=[CapabilityCoverage.capability], set_=values)
    )


def units_named(session: Session, ids: Collection[int]) -> list[Unit]:
    """The units a coverage change concerns, the most recently changed first."""
    query = select(Unit).where(Unit.id.in_(ids)).order_by(Unit.updated_at.desc(), Unit.id.desc())
    return list(session.scalars(query))
