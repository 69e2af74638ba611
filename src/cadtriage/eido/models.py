"""A call that came from another centre as an EIDO, and the document as last received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cadtriage.db import Base


class EidoIncident(Base):
    """The EIDO incident a call was created from: its tracking id, the latest snapshot's time and digest, and the
    whole document (what the service does not read is kept, not dropped)."""

    __tablename__ = "eido_incidents"

    incident_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    call_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("calls.id"), unique=True)
    issued_by: Mapped[str] = mapped_column(String(255))
    last_update: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
