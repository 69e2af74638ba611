"""The audit event. The table refuses UPDATE, DELETE and TRUNCATE (a trigger), so history cannot be rewritten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cadtriage.db import Base


class Event(Base):
    """One change: who (`actor`), when, to what (`call_id`/`unit_id`/`key_id`), from which state to which, and why."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))  # an API key created or revoked
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
