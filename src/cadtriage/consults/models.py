"""A consult: one eligible call's time with the crisis desk, from the request to a clinician's outcome."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadtriage.db import Base, status_column


class DeskMode(StrEnum):
    """How the desk meets a call (the protocol's `consult.mode`)."""

    transfer = "transfer"  # the call waits on the desk instead of being dispatched
    conference = "conference"  # the call is dispatched as usual and a clinician joins it


class ConsultState(StrEnum):
    """Waiting for a clinician, claimed by one, done (an outcome recorded), or not served (with the reason);
    which state may follow which is `dispatch.transitions`'."""

    waiting = "waiting"
    claimed = "claimed"
    done = "done"
    not_served = "not_served"


class ConsultOutcome(StrEnum):
    """What the clinician decided: the call ends on the phone, or is routed on."""

    resolved_by_phone = "resolved_by_phone"
    transferred_988 = "transferred_988"
    mobile_crisis = "mobile_crisis"  # dispatch civilian_crisis
    co_responder = "co_responder"
    police = "police"
    returned_to_dispatch = "returned_to_dispatch"  # dispatch as triaged


class NotServed(StrEnum):
    """Why an eligible call got no clinician's outcome."""

    desk_closed = "desk_closed"  # outside the desk's hours, or a holiday
    timed_out = "timed_out"  # no clinician picked it up within max_wait_s
    pulled = "pulled"  # a dispatcher took it off the desk (new information)
    no_longer_eligible = (
        "no_longer_eligible"  # a later answer: a weapon, a medical emergency, police asked for
    )
    timed_out_claimed = (
        "timed_out_claimed"  # picked up, but no outcome within max_claim_s (or its key revoked)
    )
    cancelled = "cancelled"
    call_ended = "call_ended"  # the call closed before a clinician recorded an outcome


class Consult(Base):
    """One per eligible call (while the protocol has a desk): where it stands with the desk, who took it, and
    what they decided. Changed only under its call's lock."""

    __tablename__ = "consults"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    mode: Mapped[DeskMode] = mapped_column(status_column(DeskMode, length=12))
    state: Mapped[ConsultState] = mapped_column(status_column(ConsultState, length=12))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    on_desk_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: never reached it
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the wait ends here
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[ConsultOutcome | None] = mapped_column(status_column(ConsultOutcome, length=24))
    rationale: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(64))
    not_served: Mapped[NotServed | None] = mapped_column(status_column(NotServed, length=20))
    not_served_detail: Mapped[str | None] = mapped_column(Text)
