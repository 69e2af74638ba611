"""The assignment of a unit to a call. Open assignments are unique per unit and per call (primary)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Double, ForeignKey, Identity, String
from sqlalchemy.orm import Mapped, mapped_column

from cadtriage.db import Base


class Assignment(Base):
    """A unit sent to a call; `released_at` is set when the call closes, is cancelled or is re-triaged."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    distance_m: Mapped[float] = mapped_column(Double)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    release_reason: Mapped[str | None] = mapped_column(String(32))
