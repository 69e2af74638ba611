"""Follow-ups as consoles send them and as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cadtriage.followups.models import FollowupResult, FollowupStatus
from cadtriage.requests import Moment, RequestModel


class Consent(RequestModel):
    """The person's consent to be contacted again: joint case management needs it, and says how it was given."""

    given: Annotated[bool, Field(strict=True)]
    method: Literal["verbal", "written"]

    @field_validator("given")
    @classmethod
    def _given(cls, value: bool) -> bool:
        if not value:
            raise ValueError("a follow-up needs the person's consent; without it, record none")
        return value


class FollowupCreate(RequestModel):
    """A follow-up to schedule: which provider (a service, not a person), by when, on what consent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "provider": "Mobile crisis follow-up team",
                    "due_at": "2026-12-02T17:00:00Z",
                    "consent": {"given": True, "method": "verbal"},
                }
            ]
        }
    )

    provider: str = Field(min_length=1, max_length=120)
    due_at: Moment
    consent: Consent


class FollowupDone(RequestModel):
    """What the follow-up found, with an optional note (no names: roles and services only)."""

    result: FollowupResult
    note: str | None = Field(default=None, min_length=1, max_length=500)


class FollowupOut(BaseModel):
    """A follow-up, and whether it is overdue now."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    call_id: int
    provider: str
    due_at: datetime
    consent_method: str
    status: FollowupStatus
    overdue: bool = False
    result: FollowupResult | None
    result_note: str | None
    created_at: datetime
    created_by: str
    completed_at: datetime | None
    completed_by: str | None
