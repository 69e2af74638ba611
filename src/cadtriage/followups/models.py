"""A follow-up: a provider's appointment to contact the person a call was about, after the call."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadtriage.db import Base, status_column


class FollowupStatus(StrEnum):
    """Open until completed; an open one past its due time is overdue (computed, not stored)."""

    open = "open"
    completed = "completed"


class FollowupResult(StrEnum):
    """What the follow-up found."""

    connected_to_care = "connected_to_care"
    no_further_need = "no_further_need"
    not_reached = "not_reached"
    declined = "declined"


class Followup(Base):
    """Who follows up (a provider, not a person's name), by when, on whose consent, and what came of it."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    provider: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    consent_method: Mapped[str] = mapped_column(String(16))
    status: Mapped[FollowupStatus] = mapped_column(status_column(FollowupStatus))
    result: Mapped[FollowupResult | None] = mapped_column(status_column(FollowupResult, length=32))
    result_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = mapped_column(String(64))
    overdue_announced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
