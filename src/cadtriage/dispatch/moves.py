"""The only code that changes a call's or a unit's status: checked against `transitions`, stamped, recorded.

Callers hold the row's lock (see the lock order in `cadtriage.dispatch`).
"""

from __future__ import annotations

from typing import Any

from cadtriage.calls.models import Call, CallStatus
from cadtriage.context import Context
from cadtriage.dispatch.transitions import CALL_MOVES, UNIT_MOVES, require_transition
from cadtriage.units.models import Unit, UnitStatus

# When each call status was reached; cancelled closes the call as closed does.
_STAMP = {
    CallStatus.queued: "queued_at",
    CallStatus.assigned: "assigned_at",
    CallStatus.en_route: "en_route_at",
    CallStatus.on_scene: "on_scene_at",
    CallStatus.closed: "closed_at",
    CallStatus.cancelled: "closed_at",
}


def set_call_status(
    ctx: Context,
    call: Call,
    target: CallStatus,
    reason: str | None = None,
    unit_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Move a call to a new status, stamping the time and recording the event (with the unit it concerns).
    A call already in that status is left alone: the timeline records changes, not restatements."""
    previous, now = CallStatus(call.status), ctx.now()
    if previous is target:
        return
    require_transition("call", CALL_MOVES, previous, target, call_id=call.id)
    call.status = target
    stamp = _STAMP[target]
    # A requeue restarts the wait on purpose (`matching.requeue` sets queued_at); a second assignment (an
    # override, an escalation) keeps the first, so time to assignment measures how long the caller waited.
    if target not in (CallStatus.queued, CallStatus.assigned) or getattr(call, stamp) is None:
        setattr(call, stamp, now)
    ctx.record(
        f"call.{target.value}",
        at=now,
        call_id=call.id,
        unit_id=unit_id,
        from_state=previous.value,
        to_state=target.value,
        reason=reason,
        data=data,
    )


def set_unit_status(
    ctx: Context, unit: Unit, target: UnitStatus, reason: str | None = None, call_id: int | None = None
) -> None:
    """Move a unit to a new status and record the event."""
    previous, now = UnitStatus(unit.status), ctx.now()
    require_transition("unit", UNIT_MOVES, previous, target, unit_id=unit.id)
    unit.status = target
    unit.updated_at = now
    ctx.record(
        "unit.status",
        at=now,
        unit_id=unit.id,
        call_id=call_id,
        from_state=previous.value,
        to_state=target.value,
        reason=reason,
    )
