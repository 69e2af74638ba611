"""The call record as consoles send it, and the call as the API returns it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cadtriage.calls.models import QUEUE_COUNTED, Assignment, Call, CallOutcome, CallStatus, TriageDecision
from cadtriage.calls.outcome import Outcome, OutcomeOut
from cadtriage.consults.schemas import ConsultOut
from cadtriage.errors import Unprocessable
from cadtriage.requests import Answer, Latitude, Longitude, Moment, MutualAid, RequestModel, round_degrees
from cadtriage.triage.types import CallText, ResponseType


@dataclass(frozen=True)
class CallView:
    """A call with what the API shows beside it: its triage decision, its unit, its place in the queue."""

    call: Call
    decision: TriageDecision
    assignment: Assignment | None
    call_sign: str | None
    queue_position: int | None
    outcome: CallOutcome | None = None
    consult: ConsultOut | None = None  # its time with the crisis desk, as of the view


class Screening(RequestModel):
    """The call-taker's answers: true, false, or null/absent for not asked or not known."""

    weapons: Answer = None
    violence: Answer = None
    crime_in_progress: Answer = None
    medical_emergency: Answer = None
    self_harm: Answer = None
    behavioral_health: Answer = None
    domestic_violence: Answer = None
    police_requested: Answer = Field(
        default=None, description="the caller asks for police: the call does not wait for a clinician"
    )

    def answered(self) -> dict[str, bool]:
        """Only the questions that have an answer."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class CallLocation(RequestModel):
    """Where the call is: WGS84 degrees, and the address as the console shows it."""

    lat: Latitude
    lon: Longitude
    address: str | None = Field(default=None, max_length=200)

    @classmethod
    def of(cls, call: Call) -> CallLocation:
        """A stored call's location."""
        return cls(lat=call.lat, lon=call.lon, address=call.address)

    @field_validator("lat", "lon")
    @classmethod
    def _centimetres(cls, value: float) -> float:
        return round_degrees(value)


class Caller(RequestModel):
    """Who called: personal data, readable only by dispatchers and supervisors, never logged."""

    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+() .-]{3,32}$")

    @classmethod
    def of(cls, call: Call) -> Caller | None:
        """A stored call's caller, or None when it has no caller details."""
        return (
            cls(name=call.caller_name, phone=call.caller_phone)
            if call.caller_name or call.caller_phone
            else None
        )


class CallRecord(RequestModel):
    """A call record for a dry-run triage: location and external_id optional."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "CAD-2026-000123",
                    "call_type": "SUICIDAL PERSON",
                    "narrative": "RP says brother is off his meds, hearing voices, no weapons",
                    "screening": {"weapons": False, "violence": False, "behavioral_health": True},
                    "location": {"lat": 47.6097, "lon": -122.3331, "address": "3RD AV / PIKE ST"},
                    "received_at": "2026-11-22T10:15:00Z",
                }
            ]
        }
    )

    external_id: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")
    call_type: str | None = Field(default=None, max_length=200)
    narrative: str | None = Field(default=None, max_length=4000)
    screening: Screening = Field(default_factory=Screening)
    location: CallLocation | None = None
    received_at: Moment | None = None
    caller: Caller | None = None
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2,3}$",
        description="the caller's language (ISO 639-1, `es`); another than the centre's asks for an interpreter",
    )

    def call_text(self) -> CallText:
        """What triage reads of this record."""
        return CallText(
            self.call_type or None, self.narrative or None, self.screening.model_dump(), self.language
        )

    def require_triage_input(self) -> None:
        """Refuse a record with nothing to triage on: no call type, no narrative, no screening answer."""
        answered = any(v is not None for v in self.screening.model_dump().values())
        if not (self.call_type or self.narrative or answered):
            raise Unprocessable(
                "nothing to triage on: give a call_type, a narrative or at least one screening answer",
                errors=[
                    {"field": name, "message": "missing: at least one of these is required"}
                    for name in ("call_type", "narrative", "screening")
                ],
            )


class IntakeRecord(CallRecord):
    """A call record for intake: it must have an external_id and a location to dispatch to."""

    external_id: str = Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")
    location: CallLocation
    mutual_aid: MutualAid = False
    person_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the upstream system's id of the person the call is about; stored only as a keyed hash",
    )


class EvidenceOut(BaseModel):
    """One piece of evidence behind a decision."""

    source: str
    fact: str
    field: str | None = None
    value: bool | None = None
    concept: str | None = None
    text: str | None = None
    negated: bool | None = None
    historical: bool | None = None
    unanswered: bool | None = None


class QuestionOut(BaseModel):
    """An unanswered screening question that would change the decision: `if` this answer, then this."""

    model_config = ConfigDict(populate_by_name=True)

    field: str
    answer: bool = Field(alias="if", serialization_alias="if")
    response_type: ResponseType
    notify_ems: bool


class ConsultEligibility(BaseModel):
    """Whether the call may go to the crisis desk, why, and on what evidence."""

    eligible: bool
    reason: str
    evidence: list[EvidenceOut] = []


class NeedOut(BaseModel):
    """A capability a response plan asks of the unit: required, or preferred within `within_m` of the nearest."""

    capability: str
    required: bool
    within_m: float | None
    response_types: list[ResponseType]
    rule: str


class DecisionOut(BaseModel):
    """What triage decided, under which protocol, by which rules, on what evidence."""

    response_type: ResponseType
    priority: int
    notify_ems: bool
    protocol_version: str
    rules: list[str]
    reasons: list[str]
    evidence: list[EvidenceOut]
    ask: list[QuestionOut] = []
    consult: ConsultEligibility | None = None  # None: decided before the crisis desk existed
    plan: list[NeedOut] = []  # capabilities the unit sent should have (the protocol's response plans)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> DecisionOut:
        """Build from a decision's public dict."""
        return cls.model_validate(data)


class AssignmentOut(BaseModel):
    """The unit sent to a call."""

    unit_id: int
    call_sign: str
    distance_m: float
    assigned_at: datetime
    recommendation: dict[str, Any] | None = Field(
        default=None, description="when a response plan applied: the nearest unit, the one chosen, and why"
    )


class CallOut(BaseModel):
    """A call: what was received, what triage decided, what was sent, and why they differ."""

    id: int
    external_id: str
    status: str
    call_type: str | None
    narrative: str | None
    language: str | None = Field(description="the caller's language, as the record gave it")
    location: CallLocation
    received_at: datetime
    priority: int
    notify_ems: bool
    decision: DecisionOut
    decided_type: ResponseType
    requested_type: ResponseType
    dispatched_type: ResponseType | None
    divergence: str | None
    divergence_detail: str | None
    escalations: int
    assignment: AssignmentOut | None
    queue_position: int | None = Field(
        description=f"while queued: its place in its type's queue, most urgent then oldest first; counted up to "
        f"{QUEUE_COUNTED + 1}, which then means that place or further back (`queue_position_at_least`)"
    )
    queue_position_at_least: bool = Field(
        description=f"true when {QUEUE_COUNTED} or more calls are ahead: `queue_position` is a lower bound"
    )
    required_capability: str | None = Field(
        description="while queued: the capability a unit must hold to take the call (a response plan's)"
    )
    caller: Caller | None = None
    queued_at: datetime | None
    assigned_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    closed_at: datetime | None
    disposition: str | None
    outcome: OutcomeOut | None = None
    cancel_reason: str | None
    consult: ConsultOut | None = None

    @classmethod
    def from_view(cls, item: CallView, *, show_caller: bool) -> CallOut:
        """The API's view of a call; the caller's details only when the reader may see them."""
        call, decision, assignment = item.call, item.decision, item.assignment
        return cls(
            id=call.id,
            external_id=call.external_id,
            status=call.status,
            call_type=call.call_type,
            narrative=call.narrative,
            language=call.record.get("language"),
            location=CallLocation.of(call),
            received_at=call.received_at,
            priority=call.priority,
            notify_ems=call.notify_ems,
            decision=DecisionOut.model_validate(
                {
                    "response_type": decision.response_type,
                    "priority": decision.priority,
                    "notify_ems": decision.notify_ems,
                    "protocol_version": decision.protocol_version,
                    "rules": decision.rules,
                    "reasons": decision.reasons,
                    "evidence": decision.evidence,
                    "ask": decision.ask,
                    "consult": decision.consult,
                    "plan": decision.plan or [],
                }
            ),
            decided_type=ResponseType(call.decided_type),
            requested_type=ResponseType(call.requested_type),
            dispatched_type=ResponseType(call.dispatched_type) if call.dispatched_type else None,
            divergence=call.divergence,
            divergence_detail=call.divergence_detail,
            escalations=call.escalations,
            assignment=AssignmentOut(
                unit_id=assignment.unit_id,
                call_sign=item.call_sign or "",
                distance_m=round(assignment.distance_m, 1),
                assigned_at=assignment.assigned_at,
                recommendation=assignment.recommendation,
            )
            if assignment
            else None,
            queue_position=item.queue_position,
            queue_position_at_least=item.queue_position is not None and item.queue_position > QUEUE_COUNTED,
            required_capability=call.required_capability if call.status == CallStatus.queued else None,
            caller=Caller.of(call) if show_caller else None,
            queued_at=call.queued_at,
            assigned_at=call.assigned_at,
            en_route_at=call.en_route_at,
            on_scene_at=call.on_scene_at,
            closed_at=call.closed_at,
            disposition=call.disposition,
            outcome=OutcomeOut.from_row(item.outcome, call.received_at, call.on_scene_at, call.closed_at)
            if item.outcome
            else None,
            cancel_reason=call.cancel_reason,
            consult=item.consult,
        )


class CallPage(BaseModel):
    """A page of calls, newest first; pass `next_cursor` as `cursor` for the next page."""

    items: list[CallOut]
    next_cursor: int | None


class CallStatusChange(RequestModel):
    """A reported step in a call's life. Closing needs a disposition, and may say how the call ended (`outcome`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "en_route"},
                {
                    "status": "closed",
                    "disposition": "talked through it; mobile crisis follow-up accepted",
                    "outcome": {
                        "resolution": "referred",
                        "referrals": [{"to": "Mobile crisis follow-up team", "accepted": True}],
                        "police_backup": {"requested": False},
                        "use_of_force": {"used": False},
                        "injury": {"any": False},
                    },
                },
            ]
        }
    )

    status: Literal["en_route", "on_scene", "transporting", "closed"]
    disposition: str | None = Field(default=None, min_length=1, max_length=500, validate_default=True)
    outcome: Outcome | None = None

    @model_validator(mode="after")
    def _outcome_only_on_close(self) -> CallStatusChange:
        if self.outcome is not None and self.status != "closed":
            raise ValueError("an outcome is given when the call closes")
        return self

    @field_validator("disposition")
    @classmethod
    def _closing_has_disposition(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("status") == "closed" and not value:
            raise ValueError("closing a call needs a disposition")
        return value


class CallCancel(RequestModel):
    """Cancel a call, with the reason."""

    reason: str = Field(min_length=1, max_length=500)


class ScreeningAnswers(Screening):
    """The call-taker's later answers to screening questions (at least one); unanswered ones stay as they were."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"weapons": False, "violence": False}]},
    )

    @model_validator(mode="after")
    def _something_answered(self) -> ScreeningAnswers:
        if not self.answered():
            raise ValueError("give at least one screening answer (true or false)")
        return self


class CallOverride(RequestModel):
    """A dispatcher's re-triage: the response type to send instead, and why."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"response_type": "police", "reason": "caller now reports a gun"}]}
    )

    response_type: ResponseType
    reason: str = Field(min_length=3, max_length=500)


class CallReassign(RequestModel):
    """A dispatcher's choice of unit for a call, and why."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"unit_id": 12, "reason": "CRT-12 knows the person from last week"}]}
    )

    unit_id: int = Field(ge=1, le=2**63 - 1, strict=True)  # `true` or "17" is not a unit
    reason: str = Field(min_length=3, max_length=500)
