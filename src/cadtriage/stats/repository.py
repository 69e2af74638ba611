"""The statistics queries: one pass per question over calls received in a time range."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_BY_TYPE = text(
    """
    SELECT decided_type,
           count(*) AS decided,
           count(*) FILTER (WHERE dispatched_type = decided_type) AS sent_as_decided,
           count(*) FILTER (WHERE escalations > 0) AS escalated,
           count(*) FILTER (WHERE divergence = 'override') AS overridden,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM assigned_at - created_at))
               FILTER (WHERE assigned_at IS NOT NULL) AS assign_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM assigned_at - created_at))
               FILTER (WHERE assigned_at IS NOT NULL) AS assign_p90,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM on_scene_at - created_at))
               FILTER (WHERE on_scene_at IS NOT NULL) AS scene_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM on_scene_at - created_at))
               FILTER (WHERE on_scene_at IS NOT NULL) AS scene_p90
    FROM calls
    WHERE received_at >= :since AND received_at < :until
    GROUP BY decided_type
    """
)

# Why an eligible call was not served by the civilian team: the recorded divergence first, else its state.
_NOT_SERVED = text(
    """
    SELECT CASE WHEN divergence IS NOT NULL THEN divergence
                WHEN status IN ('on_desk', 'with_clinician') THEN 'on_crisis_desk'
                WHEN status = 'closed' AND dispatched_type IS NULL THEN 'resolved_by_crisis_desk'
                WHEN status = 'queued' THEN 'still_waiting'
                WHEN status = 'cancelled' THEN 'cancelled_before_dispatch'
                ELSE 'other' END AS reason,
           count(*) AS n
    FROM calls
    WHERE decided_type = 'civilian_crisis' AND received_at >= :since AND received_at < :until
      AND dispatched_type IS DISTINCT FROM 'civilian_crisis'
    GROUP BY 1
    """
)


def by_decided_type(session: Session, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Counts and latency percentiles per decided response type."""
    return [dict(row._mapping) for row in session.execute(_BY_TYPE, {"since": since, "until": until})]


def civilian_not_served(session: Session, since: datetime, until: datetime) -> dict[str, int]:
    """Civilian-eligible calls the civilian team did not serve, by reason."""
    rows = session.execute(_NOT_SERVED, {"since": since, "until": until})
    return {reason: int(n) for reason, n in rows}


_CALLS = text("SELECT decided_type, count(*) FROM calls GROUP BY decided_type")
_QUEUE = text("SELECT requested_type, count(*) FROM calls WHERE status = 'queued' GROUP BY requested_type")
_LATENCY = text(
    "SELECT width_bucket(extract(epoch FROM assigned_at - created_at), CAST(:bounds AS float8[])) AS bucket, "
    "count(*), sum(extract(epoch FROM assigned_at - created_at)) "
    "FROM calls WHERE assigned_at IS NOT NULL GROUP BY 1"
)


def calls_by_decided_type(session: Session) -> dict[str, float]:
    """How many calls triage has sent to each response type, ever."""
    return {k: float(n) for k, n in session.execute(_CALLS)}


def queue_depth_by_type(session: Session) -> dict[str, float]:
    """How many calls wait now for a unit of each type."""
    return {k: float(n) for k, n in session.execute(_QUEUE)}


def assignment_latency(session: Session, bounds: tuple[float, ...]) -> list[tuple[int, int, float | None]]:
    """Intake-to-assignment latencies as (bucket, count, sum of seconds); bucket 0 is below the first bound."""
    rows = session.execute(_LATENCY, {"bounds": list(bounds)})
    return [(int(bucket), int(n), None if s is None else float(s)) for bucket, n, s in rows]


_BY_TEAM = text(
    """
    SELECT coalesce(c.dispatched_type, 'crisis_desk') AS team,
           count(*) AS closed,
           count(o.call_id) AS with_outcome,
           count(*) FILTER (WHERE o.backup_requested) AS backup,
           count(o.backup_requested) AS backup_reported,
           count(*) FILTER (WHERE o.force_used) AS force,
           count(*) FILTER (WHERE o.injury) AS injuries,
           count(*) FILTER (WHERE c.person_key IS NOT NULL) AS identified,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM calls earlier
               WHERE earlier.person_key = c.person_key AND earlier.person_key_version = c.person_key_version
                 AND earlier.received_at < c.received_at
                 AND earlier.received_at >= c.received_at - interval '30 days')) AS repeats,
           coalesce(sum(jsonb_array_length(o.referrals)), 0) AS referrals,
           coalesce(sum((SELECT count(*) FROM jsonb_array_elements(o.referrals) r
                         WHERE r -> 'accepted' = 'true'::jsonb)), 0) AS accepted,
           coalesce(sum((SELECT count(*) FROM jsonb_array_elements(o.referrals) r
                         WHERE r -> 'accepted' = 'false'::jsonb)), 0) AS declined,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.on_scene_at - c.received_at))
               FILTER (WHERE c.on_scene_at IS NOT NULL) AS scene_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM c.on_scene_at - c.received_at))
               FILTER (WHERE c.on_scene_at IS NOT NULL) AS scene_p90
    FROM calls c LEFT JOIN call_outcomes o ON o.call_id = c.id
    WHERE c.status = 'closed' AND c.received_at >= :since AND c.received_at < :until
    GROUP BY 1
    """
)
_RESOLUTIONS = text(
    """
    SELECT coalesce(c.dispatched_type, 'crisis_desk') AS team, o.resolution, count(*) AS n
    FROM calls c JOIN call_outcomes o ON o.call_id = c.id
    WHERE c.status = 'closed' AND c.received_at >= :since AND c.received_at < :until
    GROUP BY 1, o.resolution
    """
)


def outcomes_by_team(session: Session, since: datetime, until: datetime) -> dict[str, dict[str, Any]]:
    """Per type of team sent, over closed calls received in [since, until): counts of outcomes and their parts,
    referrals made, accepted and declined, and time from receipt to on scene."""
    rows = session.execute(_BY_TEAM, {"since": since, "until": until}).mappings()
    return {row["team"]: dict(row) for row in rows}


def resolutions_by_team(session: Session, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
    """Per type of team sent, how many closed calls ended with each resolution."""
    mix: dict[str, dict[str, int]] = {}
    for row in session.execute(_RESOLUTIONS, {"since": since, "until": until}).mappings():
        mix.setdefault(row["team"], {})[row["resolution"]] = int(row["n"])
    return mix


_OUTCOMES = text(
    """
    SELECT coalesce(c.dispatched_type, 'crisis_desk') AS team, o.resolution, count(*) AS n,
           count(*) FILTER (WHERE o.backup_requested) AS backup,
           count(o.backup_requested) AS backup_reported, count(*) FILTER (WHERE o.force_used) AS force
    FROM call_outcomes o JOIN calls c ON c.id = o.call_id
    GROUP BY 1, o.resolution
    """
)
_OVERDUE = text("SELECT count(*) FROM followups WHERE status = 'open' AND due_at < :now")


def outcome_counts(session: Session) -> list[dict[str, Any]]:
    """Recorded outcomes, ever, by team sent and resolution, with police backup requests and uses of force."""
    return [dict(row) for row in session.execute(_OUTCOMES).mappings()]


def overdue_followups(session: Session, now: datetime) -> int:
    """Open follow-ups past their due time now."""
    return int(session.execute(_OVERDUE, {"now": now}).scalar_one())
