"""The audit event as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class EventOut(BaseModel):
    """One audit event."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor: str
    kind: str
    call_id: int | None
    unit_id: int | None
    from_state: str | None
    to_state: str | None
    reason: str | None
    data: dict[str, Any]
