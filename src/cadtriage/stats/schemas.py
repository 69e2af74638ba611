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


class Stats(BaseModel):
    """Statistics over calls received in [since, until)."""

    since: datetime
    until: datetime
    by_response_type: dict[str, TypeStats]
    civilian_crisis: EligibleVersusServed
