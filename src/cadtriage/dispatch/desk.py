"""The crisis desk's side of a call: sent to the desk at intake, taken off it when it must go on.

The desk's own workflow (claim, outcome, pull, the timeout) is `dispatch.consults`; this module holds what intake,
cancellation, later screening answers and overrides share with it. A consult changes only under its call's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cadtriage.calls.models import Call
from cadtriage.consults import repository
from cadtriage.consults.models import Consult, ConsultState, DeskMode, NotServed
from cadtriage.context import Context
from cadtriage.dispatch.matching import requeue
from cadtriage.dispatch.moves import set_consult_state
from cadtriage.dispatch.transitions import DESK_CALL
from cadtriage.triage.types import Decision


@dataclass(frozen=True)
class DeskPlan:
    """What the desk does with an eligible call: its mode, and why it cannot take the call now (if so)."""

    mode: DeskMode
    closed_because: str | None

    @property
    def holds_call(self) -> bool:
        """Transfer mode with the desk staffed: the call waits on the desk instead of being dispatched."""
        return self.mode is DeskMode.transfer and self.closed_because is None


def plan(ctx: Context, decision: Decision) -> DeskPlan | None:
    """The desk's plan for a call just triaged; None when the call is not eligible or there is no desk."""
    mode = ctx.protocol.runtime.desk.mode
    if not decision.consult.eligible or mode == "off":
        return None
    return DeskPlan(DeskMode(mode), ctx.settings.desk_coverage.closed_because(ctx.now()))


def open_consult(ctx: Context, call: Call, desk: DeskPlan, decision: Decision) -> Consult:
    """Record an eligible call's consult at intake: waiting for a clinician, or not served, the desk closed."""
    now, mode = ctx.now(), desk.mode
    if desk.closed_because is not None:
        consult = Consult(
            call_id=call.id,
            mode=mode,
            state=ConsultState.not_served,
            requested_at=now,
            ended_at=now,
            ended_by=ctx.actor,
            not_served=NotServed.desk_closed,
            not_served_detail=desk.closed_because,
        )
        repository.add(ctx.session, consult)
        data = {"reason": NotServed.desk_closed.value, "mode": mode.value}
        reason = desk.closed_because
        # Its own kind: a clinician's stream carries the desk's events, and this call never reached the desk.
        ctx.record(
            "consult.desk_closed", at=now, call_id=call.id, to_state=consult.state, reason=reason, data=data
        )
        return consult
    max_wait_s = ctx.protocol.runtime.desk.max_wait_s
    consult = Consult(
        call_id=call.id,
        mode=mode,
        state=ConsultState.waiting,
        requested_at=now,
        on_desk_at=now,
        due_at=now + timedelta(seconds=max_wait_s),
    )
    repository.add(ctx.session, consult)
    ctx.record(
        "consult.requested",
        at=now,
        call_id=call.id,
        to_state=consult.state,
        reason=decision.consult.reason,
        data={"mode": mode.value, "max_wait_s": max_wait_s},
    )
    return consult


def end_consult(ctx: Context, call: Call, why: NotServed, detail: str) -> Consult | None:
    """End the locked call's open consult unserved, saying why; None when it has none open."""
    consult = repository.get(ctx.session, call.id)
    if consult is None or consult.state not in repository.OPEN:
        return None
    consult.not_served, consult.not_served_detail = why, detail
    set_consult_state(ctx, consult, ConsultState.not_served, detail, {"reason": why.value})
    return consult


def release_to_dispatch(ctx: Context, call: Call, why: NotServed, detail: str) -> None:
    """Take a locked call off the desk: its consult ends unserved, and a call held on the desk is dispatched as
    it is requested (as triaged, unless a later answer changed it), or queued."""
    end_consult(ctx, call, why, detail)
    if call.status in DESK_CALL:
        requeue(ctx, call, detail)
