"""The crisis desk as the API shows it, and what clinicians and dispatchers send it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cadtriage.consults.models import Consult, ConsultOutcome, ConsultState, DeskMode, NotServed
from cadtriage.requests import RequestModel

# Outcomes that send no unit: the clinician must say why the call could end on the phone.
ENDS_ON_PHONE = frozenset({ConsultOutcome.resolved_by_phone, ConsultOutcome.transferred_988})
MIN_WORDS = 3  # letters or digits a rationale must hold


class ConsultOut(BaseModel):
    """A call's time with the crisis desk: waiting, claimed, done (with the clinician's outcome) or not served
    (with the reason)."""

    mode: DeskMode
    state: ConsultState
    requested_at: datetime
    on_desk_at: datetime | None
    due_at: datetime | None
    waited_s: float | None = Field(
        description="from the desk's request to the pick-up, or to now while waiting"
    )
    claimed_at: datetime | None
    claimed_by: str | None
    outcome: ConsultOutcome | None
    rationale: str | None
    ended_at: datetime | None
    ended_by: str | None
    not_served: NotServed | None
    not_served_detail: str | None

    @classmethod
    def from_row(cls, consult: Consult, now: datetime) -> ConsultOut:
        """The consult as of `now`."""
        start = consult.on_desk_at
        until = consult.claimed_at or (now if consult.state is ConsultState.waiting else consult.ended_at)
        return cls(
            mode=consult.mode,
            state=consult.state,
            requested_at=consult.requested_at,
            on_desk_at=start,
            due_at=consult.due_at,
            waited_s=round((until - start).total_seconds(), 1) if start and until else None,
            claimed_at=consult.claimed_at,
            claimed_by=consult.claimed_by,
            outcome=consult.outcome,
            rationale=consult.rationale,
            ended_at=consult.ended_at,
            ended_by=consult.ended_by,
            not_served=consult.not_served,
            not_served_detail=consult.not_served_detail,
        )


class ConsultDecision(RequestModel):
    """The clinician's outcome, once: the call ends on the phone, or goes on to a team, with the reason."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "resolved_by_phone",
                    "rationale": "talked through the panic attack; safety plan made",
                },
                {"outcome": "mobile_crisis", "rationale": "needs an in-person check; calm, no weapons"},
            ]
        }
    )

    outcome: ConsultOutcome
    rationale: str | None = Field(
        default=None,
        min_length=3,
        max_length=1000,
        validate_default=True,
        description="why; required when no unit is sent (resolved_by_phone, transferred_988)",
    )

    @field_validator("rationale")
    @classmethod
    def _why_no_unit(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("outcome") in ENDS_ON_PHONE and not value:
            raise ValueError("a call that ends on the phone needs the clinician's rationale")
        if value is not None and sum(ch.isalnum() for ch in value) < MIN_WORDS:
            raise ValueError("a rationale says why, in words")  # not control or invisible characters alone
        return value


class ConsultPull(RequestModel):
    """A dispatcher takes a call off the desk, with the new information."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "caller now says he has a knife"}]})

    reason: str = Field(min_length=3, max_length=500)
