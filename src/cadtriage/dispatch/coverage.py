"""Coverage warnings: when the last available unit holding a capability goes busy (or stops holding it), and when
one is back.

Run by the periodic sweep on committed state, one sweep at a time across workers (an advisory lock), so two
units going busy at once in different transactions cannot both look like "another one is still free": each
change is announced once, within one sweep interval. This module owns the coverage state machine:

    covered --(no available holder)--> lost      announced: coverage.lost
    lost    --(an available holder)--> covered   announced: coverage.restored
    uncovered --(an available holder)--> covered  silent: nothing was lost (a first certification)

A capability first looked at is remembered as it is, silently.
"""

from __future__ import annotations

from cadtriage.context import Context
from cadtriage.dispatch import repository
from cadtriage.dispatch.recommend import today
from cadtriage.units import coverage
from cadtriage.units.coverage import NOBODY, Holders, Seen
from cadtriage.units.models import CoverageState, Unit

COVERAGE_LOCK_KEY = 0x0CAD00C0


def next_state(before: CoverageState | None, covered: bool) -> CoverageState:
    """A capability's coverage state once it is (or is not) covered."""
    if covered:
        return CoverageState.covered
    if before in (CoverageState.covered, CoverageState.lost):
        return CoverageState.lost
    return CoverageState.uncovered


def announce_coverage(ctx: Context) -> list[str]:
    """Record `coverage.lost` or `coverage.restored` for each catalogue capability whose coverage was lost or is
    back since last seen; the capabilities announced."""
    if not repository.try_advisory_lock(ctx.session, COVERAGE_LOCK_KEY):
        return []
    now, held = ctx.now(), coverage.holders(ctx.session, today(ctx))
    seen_before = coverage.last_seen(ctx.session)
    announced = []
    for capability in ctx.protocol.capabilities:
        holders = held.get(capability, NOBODY)
        before = seen_before.get(capability)
        state = next_state(before.state if before else None, bool(holders.available))
        seen = Seen(state, holders.available)
        if before is not None and (before.state, seen.state) in _ANNOUNCED:
            _announce(ctx, capability, before, seen, holders)
            announced.append(capability)
        if seen != before:
            coverage.remember(ctx.session, capability, seen, now)
    return announced


_ANNOUNCED = {
    (CoverageState.covered, CoverageState.lost): "coverage.lost",
    (CoverageState.lost, CoverageState.covered): "coverage.restored",
}


def _announce(ctx: Context, capability: str, before: Seen, now: Seen, holders: Holders) -> None:
    kind = _ANNOUNCED[(before.state, now.state)]
    lost = now.state is CoverageState.lost
    named = coverage.units_named(ctx.session, before.available - now.available if lost else now.available)
    what = ", ".join(_change(unit, holders, capability) for unit in named)
    counts = f"{len(now.available)} available of {len(holders.active)} holding {capability}"
    ctx.record(
        kind,
        unit_id=named[0].id,
        from_state=before.state.value,
        to_state=now.state.value,
        reason=f"{counts}: {what}",
        data={
            "capability": capability,
            "available": len(now.available),
            "active": len(holders.active),
            "units": [unit.call_sign for unit in named],
        },
    )


def _change(unit: Unit, holders: Holders, capability: str) -> str:
    if unit.id not in holders.active:
        return f"{unit.call_sign} no longer holds {capability}"
    return f"{unit.call_sign} {unit.status.value.replace('_', ' ')}"
