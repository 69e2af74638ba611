"""The API key. Only a SHA-256 digest of the key is stored; the key itself is shown once, at creation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, String, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from cadtriage.db import Base
from cadtriage.units.models import Unit


class Role(StrEnum):
    """What a key may do (see the README's role table)."""

    dispatcher = "dispatcher"
    supervisor = "supervisor"
    unit = "unit"
    admin = "admin"
    researcher = "researcher"  # de-identified exports only
    clinician = "clinician"  # the crisis desk and the calls on it


class ApiKey(Base):
    """A named key with one role; a `unit` key is bound to one unit."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The unit's call sign, read with the key: a key is created for a call sign, and listed by it.
    unit_call_sign: Mapped[str | None] = column_property(
        select(Unit.call_sign).where(Unit.id == unit_id).correlate_except(Unit).scalar_subquery()
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
