"""Coverage warnings: when the last available unit holding a capability goes busy, and when one is back.

Run by the periodic sweep on committed state, one sweep at a time across workers (an advisory lock), so two
units going busy at once in different transactions cannot both look like "another one is still free": each
change is announced once, within one sweep interval.
"""

from __future__ import annotations

from cadtriage.context import Context
from cadtriage.dispatch import repository
from cadtriage.dispatch.recommend import today
from cadtriage.units import coverage
from cadtriage.units import repository as units

COVERAGE_LOCK_KEY = 0x0CAD00C0


def announce_coverage(ctx: Context) -> list[str]:
    """Record `coverage.lost` or `coverage.restored` for each catalogue capability whose coverage changed since
    last announced; the capabilities announced. The first look at a capability only remembers it."""
    if not repository.try_advisory_lock(ctx.session, COVERAGE_LOCK_KEY):
        return []
    now, held = ctx.now(), units.counts_by_capability(ctx.session, today(ctx))
    before = coverage.announced(ctx.session)
    changed = []
    for capability in ctx.protocol.capabilities:
        active, available = held.get(capability, (0, 0))
        covered = available > 0
        if before.get(capability, covered) != covered:
            unit = coverage.last_changed_holder(ctx.session, capability)
            if unit is not None:  # a capability no unit ever held has no coverage to lose
                kind = "coverage.restored" if covered else "coverage.lost"
                ctx.record(
                    kind,
                    at=now,
                    unit_id=unit.id,
                    from_state="covered" if not covered else "uncovered",
                    to_state="covered" if covered else "uncovered",
                    reason=f"{available} available of {active} holding {capability}; last change: {unit.call_sign}",
                    data={"capability": capability, "available": available, "active": active},
                )
                changed.append(capability)
        if before.get(capability) != covered:
            coverage.remember(ctx.session, capability, covered, now)
    return changed
