"""Call intake: triage, store, dispatch — idempotent on external_id."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from cadtriage.calls import repository
from cadtriage.calls.models import Call, CallStatus, TriageDecision
from cadtriage.calls.person import person_key
from cadtriage.calls.schemas import CallView, IntakeRecord
from cadtriage.context import Context
from cadtriage.dispatch import desk
from cadtriage.dispatch.matching import match_committed_intake, record_queued, try_assign
from cadtriage.dispatch.views import new_call_view, views
from cadtriage.errors import IdempotencyConflict, Unprocessable
from cadtriage.events.service import entry
from cadtriage.service_area import refuse_outside
from cadtriage.triage.engine import decide
from cadtriage.triage.types import Decision

# A console's clock may run a little ahead of the service's; a call received later than this from now is a wrong
# clock or a typo, and every time measured from it (to dispatch, to arrival) would be negative.
CLOCK_SKEW = timedelta(minutes=5)


def refuse_future(received_at: datetime | None, now: datetime, field: str = "received_at") -> None:
    """Refuse (422, naming `field`) a call received more than CLOCK_SKEW after now."""
    if received_at is not None and received_at > now + CLOCK_SKEW:
        clock, minutes = now.isoformat(timespec="seconds"), CLOCK_SKEW.total_seconds() / 60
        message = f"is later than the service's clock ({clock}) by more than {minutes:.0f} minutes"
        raise Unprocessable(f"{field} {message}", errors=[{"field": field, "message": message}])


def record_hash(record: IntakeRecord) -> str:
    """A stable digest of a call record, to tell a replay from a different call under the same external_id."""
    # `mutual_aid`, `person_id`, `language` and the police_requested answer count only when set, so records
    # digested before the fields existed still match their replays.
    unset: dict[str, Any] = {
        name: True for name in ("mutual_aid", "person_id", "language") if not getattr(record, name)
    }
    if record.screening.police_requested is None:
        unset["screening"] = {"police_requested"}
    dumped = record.model_dump(mode="json", exclude=unset)
    canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def decision_row(
    call_id: int,
    decision: Decision,
    actor: str,
    at: datetime,
    *,
    kind: str = "triage",
    reason: str | None = None,
) -> TriageDecision:
    """A protocol decision as stored beside its call."""
    public = decision.as_dict()
    return TriageDecision(
        call_id=call_id,
        kind=kind,
        response_type=decision.response_type.value,
        priority=decision.priority,
        notify_ems=decision.notify_ems,
        protocol_version=decision.protocol_version,
        rules=public["rules"],
        reasons=public["reasons"],
        evidence=public["evidence"],
        ask=public["ask"],
        consult=public["consult"],
        plan=public["plan"],
        actor=actor,
        reason=reason,
        created_at=at,
    )


def intake(
    ctx: Context, record: IntakeRecord, *, on_stored: Callable[[Call], None] | None = None
) -> tuple[CallView, bool]:
    """Triage and store a call, then assign the nearest unit of the decided type or queue it.

    `on_stored` runs right after the new call is written, in its transaction, before anything commits: what must
    be seen together with the call (an EIDO incident's link to it) is never seen without it.

    An eligible call meets the crisis desk (`dispatch.desk`): in transfer mode, with the desk staffed, it waits
    there instead of being dispatched.

    Returns the call and whether it was created (False: an identical record was already taken). A call no unit
    can take at once is committed queued, then matched again under the queue lock (`match_committed_intake`):
    the lock is never held while the call itself is written and flushed to disk, so intakes queue in parallel.
    """
    record.require_triage_input()
    refuse_future(record.received_at, ctx.now())
    refuse_outside(ctx.settings.area, record.location.lat, record.location.lon, mutual_aid=record.mutual_aid)
    digest = record_hash(record)
    decision = decide(record.call_text(), ctx.protocol)
    desk_plan = desk.plan(ctx, decision)
    held = desk_plan is not None and desk_plan.holds_call
    now = ctx.now()
    values = _call_values(ctx, record, digest, decision, now, held)
    triage = decision_row(0, decision, ctx.actor, now)  # its call_id is the new call's, given by the INSERT
    received = entry(
        actor=ctx.actor,
        kind="call.received",
        at=now,
        to_state=values["status"],
        reason="; ".join(decision.reasons),
        data={
            "response_type": decision.response_type.value,
            "priority": decision.priority,
            "rules": list(decision.rules),
            "protocol_version": decision.protocol_version,
        },
    )
    call = repository.insert_if_new(ctx.session, values, triage, received)
    if call is None:
        return _replay(ctx, record, digest), False
    triage.call_id = call.id
    if on_stored is not None:
        on_stored(call)
    consult = desk.open_consult(ctx, call, desk_plan, decision) if desk_plan else None
    if held:
        return new_call_view(ctx, call, triage, None, consult), True
    with ctx.session.no_autoflush:  # the decision and events are written together with what follows
        assignment = try_assign(ctx, call, wait_for_nearer=True)
    if assignment is None:
        record_queued(ctx, call)
        ctx.session.commit()
        assignment, position = match_committed_intake(ctx, call)
        # The answer is built before the queue lock ends with the commit: what it reads (the position, with the
        # last look for a unit) is read in this transaction, not one of its own.
        view = new_call_view(ctx, call, triage, assignment, consult, position)
        ctx.session.commit()
        return view, True
    return new_call_view(ctx, call, triage, assignment, consult), True


def _call_values(
    ctx: Context, record: IntakeRecord, digest: str, decision: Decision, now: datetime, held: bool
) -> dict[str, Any]:
    settings = ctx.settings
    secret = settings.person_key_secret.get_secret_value() if settings.person_key_secret else ""
    person = person_key(
        secret,
        settings.person_key_version,
        person_id=record.person_id,
        phone=record.caller.phone if record.caller else None,
    )
    return {
        "external_id": record.external_id,
        "record_hash": digest,
        "record": record.model_dump(mode="json", exclude={"person_id"}),  # kept only as its keyed hash
        "person_key": person,
        "person_key_version": settings.person_key_version if person else None,
        "call_type": record.call_type,
        "narrative": record.narrative,
        "lat": record.location.lat,
        "lon": record.location.lon,
        "address": record.location.address,
        "caller_name": record.caller.name if record.caller else None,
        "caller_phone": record.caller.phone if record.caller else None,
        "screening": record.screening.answered(),
        "received_at": record.received_at or now,
        "created_at": now,
        "status": CallStatus.on_desk if held else CallStatus.queued,
        "queued_at": None if held else now,  # a call on the desk is queued only when it leaves it
        "priority": decision.priority,
        "notify_ems": decision.notify_ems,
        "decided_type": decision.response_type.value,
        "requested_type": decision.response_type.value,
        "needs": [need.as_dict() for need in decision.plan],
    }


def _replay(ctx: Context, record: IntakeRecord, digest: str) -> CallView:
    existing = repository.get_by_external_id(ctx.session, record.external_id)
    assert existing is not None
    if existing.record_hash != digest:
        raise IdempotencyConflict(
            f"external_id {record.external_id} was already used for a different call record",
            external_id=record.external_id,
            call_id=existing.id,
        )
    return views(ctx, [existing])[0]
