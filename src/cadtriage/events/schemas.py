"""The audit event as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

# What a stream can be filtered on: a family, or one kind. Listed, so a typo is a 422 rather than a stream that
# stays silent forever.
EventFilter = Literal[
    "call",
    "call.received",
    "call.queued",
    "call.assigned",
    "call.en_route",
    "call.on_scene",
    "call.closed",
    "call.cancelled",
    "call.escalated",
    "call.override",
    "call.screening",
    "call.routed",
    "call.reassigned",
    "consult",
    "consult.requested",
    "consult.claimed",
    "consult.outcome",
    "consult.not_served",
    "consult.desk_closed",
    "call.with_clinician",
    "unit",
    "unit.registered",
    "unit.status",
    "unit.location",
    "unit.capabilities",
    "coverage",
    "coverage.lost",
    "coverage.restored",
    "eido",
    "eido.received",
    "eido.updated",
    "eido.awaiting",
    "key",
    "key.created",
    "key.revoked",
    "followup",
    "followup.created",
    "followup.completed",
    "followup.overdue",
]


class EventOut(BaseModel):
    """One audit event."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor: str
    kind: str
    call_id: int | None
    unit_id: int | None
    key_id: int | None = None
    from_state: str | None
    to_state: str | None
    reason: str | None
    data: dict[str, Any]
