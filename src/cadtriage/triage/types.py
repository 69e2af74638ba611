"""The vocabulary shared by triage, calls and units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class ResponseType(StrEnum):
    """Who goes: also the type of a unit."""

    police = "police"
    co_responder = "co_responder"
    civilian_crisis = "civilian_crisis"


# From least to most armed: a call may be escalated only up this ladder.
RESTRICTIVENESS: dict[ResponseType, int] = {
    ResponseType.civilian_crisis: 0,
    ResponseType.co_responder: 1,
    ResponseType.police: 2,
}


SCREENING_FIELDS = (
    "weapons",
    "violence",
    "crime_in_progress",
    "medical_emergency",
    "self_harm",
    "behavioral_health",
    "domestic_violence",
    "police_requested",  # the caller asks for police: keeps a call off the crisis desk
)


@dataclass(frozen=True, slots=True)
class CallText:
    """What triage reads of a call: its type, the call-taker's remarks, and the screening answers."""

    call_type: str | None = None
    narrative: str | None = None
    screening: Mapping[str, bool | None] = field(default_factory=dict)
    language: str | None = None  # the caller's language (ISO 639-1), when it is known


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence: a screening answer, or a phrase found in the call type or narrative."""

    source: str  # "screening" | "call_type" | "narrative"
    fact: str
    field: str | None = None
    value: bool | None = None
    text: str | None = None
    concept: str | None = None
    negated: bool = False
    historical: bool = False
    unanswered: bool = False  # the text raises it and leaves it open: "not sure if he has a gun"

    def as_dict(self) -> dict[str, object]:
        """The evidence as the API shows it: screening answers by field, text by phrase."""
        if self.source == "screening":
            return {"source": self.source, "fact": self.fact, "field": self.field, "value": self.value}
        out: dict[str, object] = {
            "source": self.source,
            "fact": self.fact,
            "concept": self.concept,
            "text": self.text,
            "negated": self.negated,
        }
        if self.historical:
            out["historical"] = True
        if self.unanswered:
            out["unanswered"] = True
        return out


@dataclass(frozen=True, slots=True)
class Question:
    """An unanswered screening question whose answer would change the decision, and to what."""

    field: str
    answer: bool
    response_type: ResponseType
    notify_ems: bool

    def as_dict(self) -> dict[str, object]:
        """The question as the API shows it: `{"field": "weapons", "if": false, "response_type": ...}`."""
        return {
            "field": self.field,
            "if": self.answer,
            "response_type": self.response_type.value,
            "notify_ems": self.notify_ems,
        }


@dataclass(frozen=True, slots=True)
class Consult:
    """Whether a call may go to the crisis desk (a clinician in the 911 centre), why, and on what evidence."""

    eligible: bool
    reason: str
    evidence: tuple[Evidence, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The eligibility as the API shows it."""
        return {
            "eligible": self.eligible,
            "reason": self.reason,
            "evidence": [e.as_dict() for e in self.evidence],
        }


NO_DESK = Consult(False, "no crisis desk: the protocol's consult mode is off")


@dataclass(frozen=True, slots=True)
class Need:
    """A capability the unit sent should have (a response plan's): `required`, or preferred within `within_m`
    of the nearest unit; for calls sent to one of `response_types`."""

    capability: str
    required: bool
    within_m: float | None
    response_types: tuple[ResponseType, ...]
    rule: str

    def as_dict(self) -> dict[str, object]:
        """The need as the API shows it and the call stores it."""
        return {
            "capability": self.capability,
            "required": self.required,
            "within_m": self.within_m,
            "response_types": [t.value for t in self.response_types],
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """What triage decided about a call, and why."""

    response_type: ResponseType
    priority: int
    notify_ems: bool
    protocol_version: str
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    ask: tuple[Question, ...] = ()
    consult: Consult = NO_DESK
    plan: tuple[Need, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The decision in the public JSON shape."""
        return {
            "response_type": self.response_type.value,
            "priority": self.priority,
            "notify_ems": self.notify_ems,
            "protocol_version": self.protocol_version,
            "rules": list(self.rules),
            "reasons": list(self.reasons),
            "evidence": [e.as_dict() for e in self.evidence],
            "ask": [q.as_dict() for q in self.ask],
            "consult": self.consult.as_dict(),
            "plan": [need.as_dict() for need in self.plan],
        }
