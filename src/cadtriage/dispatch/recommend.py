"""Which unit to send when a response plan asks for a capability: the nearest qualified unit, and why.

A required capability limits every search to units holding it (the call waits for one otherwise). A preferred
one is looked for only as far as `within_m` beyond the nearest unit of the type (looked at, not locked); if a
qualified unit is there, it goes, else the nearest does. With a required capability, preferences for others are
not searched: one capability per search keeps it an index walk. Each choice is explained for the assignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cadtriage.calls.models import Call
from cadtriage.context import Context
from cadtriage.units import repository as units
from cadtriage.units.models import Unit


@dataclass(frozen=True)
class Needs:
    """What a call's plan asks of the unit now, for the type it is requested as."""

    required: str | None
    preferred: str | None
    within_m: float


def needs_of(call: Call) -> Needs:
    """The first required and first preferred capability of the plans that apply to the call's requested type."""
    required = preferred = None
    within_m = 0.0
    for need in call.needs or ():
        if call.requested_type not in need["response_types"]:
            continue
        if need["required"] and required is None:
            required = need["capability"]
        elif not need["required"] and preferred is None:
            preferred, within_m = need["capability"], float(need["within_m"] or 0)
    return Needs(required, None if required else preferred, within_m)


def today(ctx: Context) -> date:
    """The day capabilities are judged on (they lapse at the end of their day, UTC)."""
    return ctx.now().astimezone(UTC).date()


def brief(unit: Unit, distance_m: float) -> dict[str, Any]:
    """A unit as a recommendation names it."""
    return {"unit_id": unit.id, "call_sign": unit.call_sign, "distance_m": round(distance_m, 1)}


def explain(nearest: tuple[Unit, float], chosen: tuple[Unit, float], reason: str) -> dict[str, Any]:
    """The recommendation recorded with an assignment."""
    return {"nearest": brief(*nearest), "chosen": brief(*chosen), "reason": reason}


def preferred_unit(
    ctx: Context, call: Call, needs: Needs, fresh_since: datetime | None
) -> tuple[Unit, float, dict[str, Any]] | None:
    """The nearest unit holding the preferred capability within tolerance of the nearest unit, locked, with the
    recommendation; None when the nearest unit already holds it or none is near enough (the nearest goes)."""
    assert needs.preferred is not None
    on = today(ctx)
    limit = ctx.max_distance_m(call.requested_type)

    def look(reach: float, capability: str | None, lock: bool) -> tuple[Unit, float] | None:
        return units.nearest_available(
            ctx.session,
            unit_type=call.requested_type,
            lat=call.lat,
            lon=call.lon,
            max_distance_m=reach,
            fresh_since=fresh_since,
            qualified=(capability, on) if capability else None,
            lock=lock,
        )

    nearest = look(limit, None, False)
    if nearest is None or nearest[0].holds(needs.preferred, on):
        return None
    found = look(min(limit, nearest[1] + needs.within_m), needs.preferred, True)
    if found is None:
        return None
    farther = found[1] - nearest[1]
    return (*found, explain(nearest, found, f"{needs.preferred}, {farther:.0f} m farther than the nearest"))


def plain_reason(needs: Needs, unit: Unit, on: date) -> str:
    """Why the unit found by the ordinary search (the nearest, qualified if required) was the one."""
    if needs.required:
        return f"{needs.required} required: the nearest unit holding it"
    if needs.preferred and unit.holds(needs.preferred, on):
        return f"the nearest unit holds {needs.preferred}"
    return f"no {needs.preferred} unit within {needs.within_m:.0f} m of the nearest: the nearest"


def required_reason(needs: Needs, nearest: tuple[Unit, float], chosen: tuple[Unit, float]) -> str:
    """Why the nearest unit holding a required capability went, measured against the nearest of the type."""
    farther = chosen[1] - nearest[1]
    if nearest[0].id == chosen[0].id:
        return f"{needs.required} required: the nearest unit, and it holds it"
    return f"{needs.required} required: the nearest unit holding it, {farther:.0f} m farther than the nearest"


def freed_reason(needs: Needs, unit: Unit, on: date) -> str:
    """Why a unit that has just become available took a waiting call with a plan: it was the first free."""
    if needs.required:
        return f"{needs.required} required: the first unit holding it to become available"
    having = "holds" if needs.preferred and unit.holds(needs.preferred, on) else "does not hold"
    return f"the first unit to become available for the waiting call ({having} {needs.preferred})"
