"""Assembling the statistics supervisors and auditors ask for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cadtriage.stats import repository
from cadtriage.stats.desk import desk_statistics
from cadtriage.stats.figures import require_window, seconds, share
from cadtriage.stats.schemas import EligibleVersusServed, Percentiles, Stats, TypeStats
from cadtriage.triage.types import ResponseType


def statistics(session: Session, since: datetime, until: datetime) -> Stats:
    """Per response type: decided, sent as decided, escalated, overridden, and latencies; for the civilian
    team, the share of eligible calls it served and why the rest were not; the crisis desk's figures."""
    require_window(since, until)
    rows = {row["decided_type"]: row for row in repository.by_decided_type(session, since, until)}
    by_type = {}
    for kind in ResponseType:
        row = rows.get(kind.value, {})
        by_type[kind.value] = TypeStats(
            decided=int(row.get("decided", 0)),
            sent_as_decided=int(row.get("sent_as_decided", 0)),
            escalated=int(row.get("escalated", 0)),
            overridden=int(row.get("overridden", 0)),
            intake_to_assignment=Percentiles(
                median_s=seconds(row.get("assign_p50")), p90_s=seconds(row.get("assign_p90"))
            ),
            intake_to_on_scene=Percentiles(
                median_s=seconds(row.get("scene_p50")), p90_s=seconds(row.get("scene_p90"))
            ),
        )
    eligible = by_type[ResponseType.civilian_crisis.value].decided
    reasons = repository.civilian_not_served(session, since, until)
    served = eligible - sum(reasons.values())
    return Stats(
        since=since,
        until=until,
        by_response_type=by_type,
        civilian_crisis=EligibleVersusServed(
            eligible=eligible,
            served=served,
            served_share=share(served, eligible),
            not_served_reasons=reasons,
        ),
        crisis_desk=desk_statistics(session, since, until),
    )
