"""SQL for units, including the nearest-available search over the GiST KNN index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnClause,
    ColumnElement,
    Date,
    Double,
    Exists,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from cadtriage.calls.models import Assignment
from cadtriage.units import geometry
from cadtriage.units.models import CALL_SIGN_KEY_OF, Unit, UnitStatus

_POSITION: ColumnClause[Any] = literal_column("units.position")


_BY_ID = select(Unit).where(Unit.id == bindparam("unit_id"))
_GET = {  # built once: a unit is read or locked on every status change
    False: _BY_ID,
    True: _BY_ID.with_for_update(key_share=True).execution_options(populate_existing=True),
}


def get(session: Session, unit_id: int, *, for_update: bool = False) -> Unit | None:
    """A unit by id, optionally locked for the rest of the transaction."""
    return session.scalars(_GET[for_update], {"unit_id": unit_id}).one_or_none()


_BY_CALL_SIGN = select(Unit).where(text(f"call_sign_key = {CALL_SIGN_KEY_OF.format(':call_sign')}"))


def get_by_call_sign(session: Session, call_sign: str) -> Unit | None:
    """The unit a call sign names, however it is written: `crt 01` finds `CRT-01` (look-alikes are unique)."""
    return session.scalars(_BY_CALL_SIGN, {"call_sign": call_sign}).one_or_none()


def add(session: Session, unit: Unit) -> Unit:
    """Insert a unit and assign its id."""
    session.add(unit)
    session.flush()
    return unit


def has_capability(capability: str, today: date) -> ColumnElement[bool]:
    """A unit qualified for `capability` on `today`: it has it, and it has not lapsed (the GIN index serves the
    first test)."""
    lapses = Unit.capabilities[capability].astext
    return and_(Unit.capabilities.has_key(capability), or_(lapses.is_(None), cast(lapses, Date) >= today))


def page(
    session: Session,
    *,
    unit_type: str | None,
    status: str | None,
    after_id: int | None,
    limit: int,
    capability: tuple[str, date] | None = None,
) -> Sequence[Unit]:
    """Units in id order, filtered (by a capability active on a day, too), after a keyset cursor."""
    query = select(Unit).order_by(Unit.id).limit(limit)
    if capability is not None:
        query = query.where(has_capability(*capability))
    if unit_type is not None:
        query = query.where(Unit.unit_type == unit_type)
    if status is not None:
        query = query.where(Unit.status == status)
    if after_id is not None:
        query = query.where(Unit.id > after_id)
    return session.scalars(query).all()


def open_call_ids(session: Session, unit_ids: Sequence[int]) -> dict[int, int]:
    """For each unit with an open assignment, the call it is on."""
    if not unit_ids:
        return {}
    rows = session.execute(
        select(Assignment.unit_id, Assignment.call_id).where(
            Assignment.unit_id.in_(unit_ids), Assignment.released_at.is_(None)
        )
    )
    return {unit_id: call_id for unit_id, call_id in rows}


# A unit and the call it is on, in one round trip: a unit has at most one open assignment (a partial unique index).
_WITH_OPEN_CALL = (
    select(Unit, Assignment.call_id)
    .outerjoin(Assignment, and_(Assignment.unit_id == Unit.id, Assignment.released_at.is_(None)))
    .where(Unit.id == bindparam("unit_id"))
)


def with_open_call(session: Session, unit_id: int) -> tuple[Unit, int | None] | None:
    """A unit by id and the call it is on (None when it is on none); None when there is no such unit."""
    row = session.execute(_WITH_OPEN_CALL, {"unit_id": unit_id}).one_or_none()
    return None if row is None else (row[0], row[1])


def _target(lat: float, lon: float) -> ColumnElement[object]:
    return func.ll_to_earth(lat, lon)


def _nearest_available_query(*, fresh: bool, lock: str, capable: bool) -> Select[tuple[Unit, float]]:
    # Built once with bound parameters, so SQLAlchemy compiles it once and psycopg prepares it once. A capability
    # filters the index walk: with one unit in ten qualified, the walk reads about ten entries, not the roster.
    query = (
        select(Unit, func.cube_distance(_POSITION, _POINT).label("chord_m"))
        .where(*_IN_RANGE, *(_CAPABLE if capable else ()))
        .order_by(_POSITION.op("<->")(_POINT))
        .limit(1)
    )
    if lock != "none":
        query = query.with_for_update(skip_locked=lock == "skip", key_share=True, of=Unit).execution_options(
            populate_existing=True
        )
    return query.where(_FRESH) if fresh else query


def _look_then_lock_query(*, fresh: bool, capable: bool) -> Select[tuple[Unit | None, float | None, float]]:
    # Intake's look and its lock in one round trip: the nearest available unit's distance, locking nothing
    # (`seen`), then the nearest unit within that distance that nobody holds, locked (LATERAL: the ring is read
    # from the look). No row: no unit in range. A row without a unit: another transaction holds the nearest.
    chord, by_distance = func.cube_distance(_POSITION, _POINT), _POSITION.op("<->")(_POINT)
    where = (*_IN_RANGE, *(_CAPABLE if capable else ()), *((_FRESH,) if fresh else ()))
    seen = select(chord.label("chord")).where(*where).order_by(by_distance).limit(1).subquery("seen")
    chosen = (
        select(Unit, chord.label("chord_m"))
        .where(*where, chord <= seen.c.chord + _RING_SLACK_M)
        .order_by(by_distance)
        .limit(1)
        .with_for_update(skip_locked=True, key_share=True, of=Unit)
        .lateral("chosen")
    )
    unit = aliased(Unit, chosen)
    return (
        select(unit, chosen.c.chord_m, seen.c.chord)
        .select_from(seen)
        .outerjoin(chosen, true())
        .execution_options(populate_existing=True)
    )


_COORDS = ARRAY(Double)
_POINT = func.cube(bindparam("point", type_=_COORDS))
# The ring searched around the nearest unit seen: its distance, and rounding.
_RING_SLACK_M = 0.001
# Only units whose location was reported recently enough.
_FRESH = Unit.location_updated_at >= bindparam("fresh_since")
# The box test is `&&` (overlaps), which for a point is the same test as `<@` (lies within). PostgreSQL estimates
# `<@` at a fixed 0.1% of rows: at 10,000 units that made it scan the whole box and sort it (6.9 ms at p99)
# instead of walking the index in distance order; with `&&`'s estimate it walks the index at every roster size
# the nearest-unit bench measures (1,000 to 100,000 units, p99 under 2.5 ms).
_IN_RANGE = (
    Unit.unit_type == bindparam("unit_type"),
    Unit.status == UnitStatus.available,
    _POSITION.op("&&")(func.cube(bindparam("low", type_=_COORDS), bindparam("high", type_=_COORDS))),
    func.cube_distance(_POSITION, _POINT) <= bindparam("max_chord_m"),
)
_LAPSES = Unit.capabilities.op("->>")(bindparam("capability", type_=String))
# `->` rather than `?` on purpose: `?` can use the GIN index, and the planner then fetches every qualified unit
# and sorts them by distance (9.7 ms at 100,000 units with one in ten qualified) instead of walking the KNN
# index and filtering (the bench: tests/bench/nearest_growth.py).
_CAPABLE = (
    Unit.capabilities.op("->")(bindparam("capability", type_=String)).is_not(None),
    or_(_LAPSES.is_(None), cast(_LAPSES, Date) >= bindparam("today", type_=Date)),
)
# (fresh, lock, capable) -> query. "skip" passes over units other transactions hold; "wait" waits for them and
# looks again; "none" only looks. `capable`: only units holding the capability today.
_NEAREST_AVAILABLE = {
    (fresh, lock, capable): _nearest_available_query(fresh=fresh, lock=lock, capable=capable)
    for fresh in (False, True)
    for lock in ("skip", "wait", "none")
    for capable in (False, True)
}
_LOOK_THEN_LOCK = {
    (fresh, capable): _look_then_lock_query(fresh=fresh, capable=capable)
    for fresh in (False, True)
    for capable in (False, True)
}
# How many times intake looks again when the nearest unit it waited for was taken; then it searches without waiting.
_WAIT_ROUNDS = 3
_AVAILABLE_IN_RANGE = {False: exists().where(*_IN_RANGE), True: exists().where(*_IN_RANGE, *_CAPABLE)}
_ANY_AVAILABLE = {capable: select(test) for capable, test in _AVAILABLE_IN_RANGE.items()}
# A capability a unit must hold, and the day (UTC) it must not have lapsed by.
Qualified = tuple[str, date]


def search_params(
    unit_type: str, lat: float, lon: float, max_distance_m: float, qualified: Qualified | None
) -> dict[str, Any]:
    """The parameters of a search for units of a type within range of a point (holding a capability)."""
    low, high = geometry.search_box(lat, lon, max_distance_m)
    params: dict[str, Any] = {
        "unit_type": unit_type,
        "point": list(geometry.earth_point(lat, lon)),
        "low": low,
        "high": high,
        "max_chord_m": geometry.chord_m(max_distance_m),
    }
    if qualified is not None:
        params["capability"], params["today"] = qualified
    return params


def available_in_range(capable: bool) -> Exists:
    """The test `any_available` runs (parameters from `search_params`), for statements that ask it beside
    something else: whether any available unit of the type, holding the capability if `capable`, is in range."""
    return _AVAILABLE_IN_RANGE[capable]


def any_available(
    session: Session,
    *,
    unit_type: str,
    lat: float,
    lon: float,
    max_distance_m: float,
    qualified: Qualified | None = None,
) -> bool:
    """Whether any available unit of a type (holding a capability, if given) is within range, locked or not (a
    cheap look, locking nothing)."""
    params = search_params(unit_type, lat, lon, max_distance_m, qualified)
    return bool(session.scalar(_ANY_AVAILABLE[qualified is not None], params))


def nearest_available(
    session: Session,
    *,
    unit_type: str,
    lat: float,
    lon: float,
    max_distance_m: float,
    fresh_since: datetime | None,
    wait_for_nearer: bool = False,
    qualified: Qualified | None = None,
    lock: bool = True,
) -> tuple[Unit, float] | None:
    """Lock and return the nearest available unit of a type within range, with its great-circle distance.

    KNN order (`<->`) straight from the partial GiST index, which stops at the first unlocked unit. There is no
    tie-break column on purpose: ordering by anything more makes PostgreSQL fetch and sort every unit in range,
    which grew with the roster. Rows another transaction has locked are skipped, so concurrent dispatchers never
    take the same unit. `fresh_since` limits the search to units whose location was reported since then.

    A unit skipped that way may only be reporting its position, and stay available. With `wait_for_nearer`, the
    nearest available unit is first looked at without a lock and the search confined to that distance (one
    statement); if someone holds every unit within it, the search runs again waiting for the holder to commit
    (PostgreSQL re-checks a row that changed and passes over one no longer available). If the unit was taken, the
    look starts over. The caller holds no unit lock while it waits, so waits cannot form a cycle; a caller must
    also hold no lock that a unit's holder could wait for (intake before it takes the queue lock qualifies).

    `qualified`: only units holding that capability on that day. `lock=False`: only look (nothing is locked).
    """
    params = search_params(unit_type, lat, lon, max_distance_m, qualified)
    if fresh_since is not None:
        params["fresh_since"] = fresh_since
    fresh, capable = fresh_since is not None, qualified is not None
    if not lock:
        row = session.execute(_NEAREST_AVAILABLE[fresh, "none", capable], params).one_or_none()
        return None if row is None else (row[0], geometry.great_circle_m(float(row[1])))
    for _ in range(_WAIT_ROUNDS if wait_for_nearer else 0):
        seen = session.execute(_LOOK_THEN_LOCK[fresh, capable], params).one_or_none()
        if seen is None:
            return None  # no unit in range, held or not
        unit, chord_m, seen_chord = seen
        if unit is not None:
            return unit, geometry.great_circle_m(float(chord_m))
        ring = {**params, "max_chord_m": float(seen_chord) + _RING_SLACK_M}
        row = session.execute(_NEAREST_AVAILABLE[fresh, "wait", capable], ring).one_or_none()
        if row is not None:
            return row[0], geometry.great_circle_m(float(row[1]))
    row = session.execute(_NEAREST_AVAILABLE[fresh, "skip", capable], params).one_or_none()
    return None if row is None else (row[0], geometry.great_circle_m(float(row[1])))


def nearest(
    session: Session,
    *,
    unit_type: str | None,
    status: str | None,
    lat: float,
    lon: float,
    limit: int,
    radius_m: float | None = None,
    capability: tuple[str, date] | None = None,
) -> Sequence[tuple[Unit, float]]:
    """Units nearest a point (read only), with distances in metres."""
    target = _target(lat, lon)
    distance = func.earth_distance(_POSITION, target)
    query = (
        select(Unit, distance.label("distance_m")).order_by(_POSITION.op("<->")(target), Unit.id).limit(limit)
    )
    if unit_type is not None:
        query = query.where(Unit.unit_type == unit_type)
    if status is not None:
        query = query.where(Unit.status == status)
    if radius_m is not None:
        query = query.where(func.earth_box(target, radius_m).op("@>")(_POSITION), distance <= radius_m)
    if capability is not None:
        query = query.where(has_capability(*capability))
    return [(unit, float(d)) for unit, d in session.execute(query).all()]


def distance_m(session: Session, unit_id: int, lat: float, lon: float) -> float:
    """Great-circle distance in metres from a unit to a point."""
    distance = func.earth_distance(_POSITION, _target(lat, lon))
    return float(session.scalar(select(distance).where(Unit.id == unit_id)) or 0.0)


def counts_by_type_and_status(session: Session) -> dict[str, dict[str, int]]:
    """How many units of each type are in each status."""
    rows = session.execute(
        select(Unit.unit_type, Unit.status, func.count()).group_by(Unit.unit_type, Unit.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for kind, status, n in rows:
        counts.setdefault(kind, {})[status] = int(n)
    return counts
