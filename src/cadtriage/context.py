"""The context every use case runs in: its transaction, the time, the limits, the protocol, and who acts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cadtriage.clock import Clock
from cadtriage.config import Settings
from cadtriage.events.service import record
from cadtriage.triage.protocol import Protocol
from cadtriage.triage.types import ResponseType


@dataclass(frozen=True)
class Context:
    """Bound to one transaction and one actor (a key's name, or `system:...` for the service's own moves)."""

    session: Session
    clock: Clock
    settings: Settings
    protocol: Protocol
    actor: str

    def now(self) -> datetime:
        """The current time, from the injectable clock."""
        return self.clock.now()

    def max_distance_m(self, response_type: str) -> float:
        """How far a unit of this type may be sent."""
        return self.settings.max_distance_m(ResponseType(response_type))

    def acting_as(self, actor: str) -> Context:
        """The same transaction, acted in by someone else (the system, when a request wakes a sweep)."""
        return replace(self, actor=actor)

    def record(
        self,
        kind: str,
        *,
        at: datetime | None = None,
        call_id: int | None = None,
        unit_id: int | None = None,
        from_state: str | None = None,
        to_state: str | None = None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit event in this transaction, by this actor, at `at` (default: now)."""
        record(
            self.session,
            actor=self.actor,
            kind=kind,
            at=at or self.now(),
            call_id=call_id,
            unit_id=unit_id,
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            data=data,
        )
