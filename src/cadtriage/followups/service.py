"""Follow-up use cases: schedule one for a call, list them, complete one, announce the overdue ones.

This module owns the follow-up's small state machine: open, then completed, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cadtriage.calls import repository as calls
from cadtriage.calls.models import CallStatus
from cadtriage.context import Context
from cadtriage.errors import Conflict, NotFound, Unprocessable
from cadtriage.followups import repository
from cadtriage.followups.models import Followup, FollowupStatus
from cadtriage.followups.schemas import FollowupCreate, FollowupDone, FollowupOut

OVERDUE_BATCH = 100


def view(followup: Followup, now: datetime) -> FollowupOut:
    """A follow-up as the API shows it, overdue when open and past due at `now`."""
    shown = FollowupOut.model_validate(followup)
    shown.overdue = followup.status is FollowupStatus.open and followup.due_at < now
    return shown


def schedule(ctx: Context, call_id: int, data: FollowupCreate) -> FollowupOut:
    """Schedule a follow-up for a call that was not cancelled, due after the call was received."""
    call = calls.get(ctx.session, call_id)
    if call is None:
        raise NotFound(f"no call with id {call_id}", call_id=call_id)
    if call.status is CallStatus.cancelled:
        raise Conflict(f"call {call_id} was cancelled: there is no one to follow up", current=call.status)
    if data.due_at <= call.received_at:
        raise Unprocessable(
            "a follow-up is due after the call", errors=[{"field": "due_at", "message": "before the call"}]
        )
    now = ctx.now()
    if data.due_at <= now:
        raise Unprocessable(
            "a follow-up is scheduled ahead: this due time has passed",
            errors=[{"field": "due_at", "message": "in the past"}],
        )
    followup = repository.add(
        ctx.session,
        Followup(
            call_id=call_id,
            provider=data.provider,
            due_at=data.due_at,
            consent_method=data.consent.method,
            status=FollowupStatus.open,
            created_at=now,
            created_by=ctx.actor,
        ),
    )
    ctx.record(
        "followup.created",
        at=now,
        call_id=call_id,
        to_state=FollowupStatus.open,
        data={"followup_id": followup.id, "provider": data.provider, "due_at": data.due_at.isoformat()},
    )
    return view(followup, now)


def listing(
    ctx: Context,
    *,
    status: FollowupStatus | None,
    overdue: bool,
    due_before: datetime | None,
    call_id: int | None,
    limit: int,
) -> list[FollowupOut]:
    """Follow-ups soonest due first, filtered; `overdue`: only open ones past due now."""
    now = ctx.now()
    found = repository.page(
        ctx.session,
        status=status,
        overdue_at=now if overdue else None,
        due_before=due_before,
        call_id=call_id,
        limit=limit,
    )
    return [view(f, now) for f in found]


def complete(ctx: Context, followup_id: int, done: FollowupDone) -> FollowupOut:
    """Record what an open follow-up found; 409 if it was completed already."""
    followup = repository.get(ctx.session, followup_id, for_update=True)
    if followup is None:
        raise NotFound(f"no follow-up with id {followup_id}", followup_id=followup_id)
    if followup.status is not FollowupStatus.open:
        raise Conflict(f"follow-up {followup_id} is {followup.status}", current=followup.status)
    now = ctx.now()
    followup.status = FollowupStatus.completed
    followup.result, followup.result_note = done.result, done.note
    followup.completed_at, followup.completed_by = now, ctx.actor
    ctx.record(
        "followup.completed",
        at=now,
        call_id=followup.call_id,
        from_state=FollowupStatus.open,
        to_state=FollowupStatus.completed,
        reason=done.result,
        data={"followup_id": followup.id, "provider": followup.provider},
    )
    return view(followup, now)


def announce_overdue(ctx: Context) -> Sequence[int]:
    """Record a `followup.overdue` event, once, for each open follow-up that has passed its due time; the ids."""
    now = ctx.now()
    late = repository.newly_overdue(ctx.session, now, OVERDUE_BATCH)
    for followup in late:
        followup.overdue_announced_at = now
        ctx.record(
            "followup.overdue",
            at=now,
            call_id=followup.call_id,
            reason=f"due {followup.due_at.isoformat()}, not completed",
            data={"followup_id": followup.id, "provider": followup.provider},
        )
    return [f.id for f in late]
