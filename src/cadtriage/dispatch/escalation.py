"""Escalation: a queued call that waits past its type's limit moves up the protocol's chain.

Run on every unit change and periodically in each worker; a transaction-scoped advisory lock makes sure only one
sweep runs at a time across all workers, and SKIP LOCKED keeps it off calls other transactions are changing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from cadtriage.calls.models import Call, Divergence
from cadtriage.clock import Clock
from cadtriage.config import Settings
from cadtriage.context import Context
from cadtriage.db import Database
from cadtriage.dispatch import queue
from cadtriage.dispatch.consults import expire_overdue
from cadtriage.dispatch.coverage import announce_coverage
from cadtriage.dispatch.matching import match_waiting
from cadtriage.dispatch.redirect import divert
from cadtriage.followups.service import announce_overdue
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import ResponseType

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "system:escalation"
FOLLOWUP_ACTOR = "system:followups"
DESK_ACTOR = "system:crisis-desk"
COVERAGE_ACTOR = "system:coverage"
# Calls escalated in one transaction. Re-dispatching holds the queue lock (shared) until the transaction ends,
# and units being freed wait for it, and intakes behind them: after an overload hundreds of calls can fall due
# at once, and escalating them all in one transaction would stall dispatch for seconds.
SWEEP_BATCH = 25


def _escalate(ctx: Context, call: Call, to: ResponseType, waited_s: float) -> None:
    reason = f"waited {waited_s:.0f} s with no {call.requested_type} unit; escalated to {to.value}"
    call.escalations += 1
    divert(ctx, call, to, Divergence.escalation, reason, reason)


def escalate_overdue(ctx: Context) -> list[int]:
    """Escalate up to SWEEP_BATCH queued calls past their wait limit, most urgent and longest waiting first within
    each type; the ids escalated (none if another sweep is running)."""
    now = ctx.now()
    due = {source: now - timedelta(seconds=step.after_s) for source, step in ctx.protocol.escalation.items()}
    if not due or not queue.sweep_if_overdue(ctx.session, [(s.value, since) for s, since in due.items()]):
        return []  # another sweep is running, or nothing is overdue
    overdue: list[tuple[Call, ResponseType]] = []
    for source, step in ctx.protocol.escalation.items():
        if len(overdue) == SWEEP_BATCH:
            break
        calls_due = queue.overdue_queued_calls(
            ctx.session, source.value, due[source], SWEEP_BATCH - len(overdue)
        )
        overdue += [(call, step.to) for call in calls_due]
    for call, to in overdue:
        assert call.queued_at is not None
        _escalate(ctx, call, to, (now - call.queued_at).total_seconds())
    return [call.id for call, _ in overdue]


def sweep_once(database: Database, clock: Clock, settings: Settings, protocol: Protocol) -> list[int]:
    """One sweep: calls no crisis-desk clinician picked up in time are dispatched as triaged, then waiting calls
    a free unit could take are dispatched (see `match_waiting`), then every overdue call is escalated, then
    changes of capability coverage and late follow-ups are announced, each SWEEP_BATCH calls to a transaction;
    the ids escalated."""
    while True:
        with Session(database.engine, expire_on_commit=False) as session, session.begin():
            expired = expire_overdue(Context(session, clock, settings, protocol, DESK_ACTOR), SWEEP_BATCH)
        if expired:
            log.info("calls left the crisis desk unclaimed %s", expired)
        if len(expired) < SWEEP_BATCH:
            break
    with Session(database.engine, expire_on_commit=False) as session, session.begin():
        matched = match_waiting(Context(session, clock, settings, protocol, SYSTEM_ACTOR), SWEEP_BATCH)
    if matched:
        log.info("dispatched waiting calls %s", matched)
    escalated: list[int] = []
    while True:
        with Session(database.engine, expire_on_commit=False) as session, session.begin():
            batch = escalate_overdue(Context(session, clock, settings, protocol, SYSTEM_ACTOR))
        escalated += batch
        if len(batch) < SWEEP_BATCH:  # none left, or another worker's sweep holds them
            break
    with Session(database.engine, expire_on_commit=False) as session, session.begin():
        lost_or_back = announce_coverage(Context(session, clock, settings, protocol, COVERAGE_ACTOR))
    if lost_or_back:
        log.info("capability coverage changed %s", lost_or_back)
    with Session(database.engine, expire_on_commit=False) as session, session.begin():
        late = announce_overdue(Context(session, clock, settings, protocol, FOLLOWUP_ACTOR))
    if late:
        log.info("follow-ups overdue %s", list(late))
    return escalated


async def run_periodically(database: Database, clock: Clock, settings: Settings, protocol: Protocol) -> None:
    """Sweep every `escalation_interval_s` until cancelled; a failed sweep is logged and retried next time."""
    while True:
        await asyncio.sleep(settings.escalation_interval_s)
        try:
            escalated = await asyncio.to_thread(sweep_once, database, clock, settings, protocol)
        except Exception:
            log.exception("escalation sweep failed")
            continue
        if escalated:
            log.info("escalated calls %s", escalated)
