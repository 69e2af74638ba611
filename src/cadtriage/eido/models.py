"""EIDO interoperability: calls received as EIDO documents, and the systems that receive ours by webhook."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Identity, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cadtriage.db import Base, status_column


class EidoIncident(Base):
    """An EIDO incident received: its tracking id, the call made from it (once it could be), the latest snapshot's
    time and digest, and the whole document (what the service does not read is kept, not dropped)."""

    __tablename__ = "eido_incidents"

    incident_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    # None while the incident waits for what a dispatch needs (a point to send a unit to, something to triage)
    call_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("calls.id"), unique=True)
    issued_by: Mapped[str] = mapped_column(String(255))
    last_update: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeliveryState(StrEnum):
    """Where a webhook delivery is: waiting (or between attempts), delivered, or given up on."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class EidoSubscription(Base):
    """Another system that receives the EIDO of each call it covers on every change, signed with `secret`."""

    __tablename__ = "eido_subscriptions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    response_types: Mapped[list[str] | None] = mapped_column(JSONB)  # None: every call
    last_event_id: Mapped[int] = mapped_column(BigInteger)  # the latest event it has been sent a change for
    read_xmin: Mapped[int] = mapped_column(BigInteger)  # the worker has read every transaction below this one
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))


class EidoDelivery(Base):
    """One call's EIDO to send to one subscription: its attempts and what the receiver answered."""

    __tablename__ = "eido_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("eido_subscriptions.id"))
    call_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("calls.id"))
    event_id: Mapped[int] = mapped_column(BigInteger)  # the latest change it carries
    state: Mapped[DeliveryState] = mapped_column(status_column(DeliveryState, length=12))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
