"""Statistics as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Percentiles(BaseModel):
    """Median and 90th percentile, in seconds (null with no data)."""

    median_s: float | None
    p90_s: float | None


class TypeStats(BaseModel):
    """For the calls triage decided as one response type."""

    decided: int
    sent_as_decided: int
    escalated: int
    overridden: int
    intake_to_assignment: Percentiles
    intake_to_on_scene: Percentiles


class EligibleVersusServed(BaseModel):
    """Of the calls triage found eligible for the civilian team: how many it served, and why not the rest."""

    eligible: int
    served: int
    served_share: float | None
    not_served_reasons: dict[str, int]


class CrisisDeskStats(BaseModel):
    """The crisis desk: calls eligible, sent to it, resolved on the phone, routed on, and not served by reason;
    the share resolved by phone is over the calls sent to the desk."""

    eligible: int
    sent_to_desk: int
    resolved_by_phone: int
    resolved_by_phone_share: float | None
    transferred_988: int
    routed: dict[str, int]
    returned_to_dispatch: int
    still_open: int
    eligible_not_served: dict[str, int]
    time_to_pickup: Percentiles


class Stats(BaseModel):
    """Statistics over calls received in [since, until)."""

    since: datetime
    until: datetime
    by_response_type: dict[str, TypeStats]
    civilian_crisis: EligibleVersusServed
    crisis_desk: CrisisDeskStats
