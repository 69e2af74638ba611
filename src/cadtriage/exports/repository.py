"""The SQL of the de-identified export: nothing that names, reaches or locates a person is selected at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# Location to a grid cell of 0.01 degrees (about 1.1 km north-south), time to the hour (UTC). No ids: neither
# the call's nor the upstream CAD's (either would lead back to the record with the caller in it).
_ROWS = text(
    """
    SELECT to_char(date_trunc('hour', c.received_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24:00"Z"') AS received_hour,
           to_char(floor(c.lat * 100) / 100, 'FM990.00') || ',' || to_char(floor(c.lon * 100) / 100, 'FM9990.00')
               AS zone,
           c.decided_type, c.requested_type, c.dispatched_type, c.priority, c.notify_ems,
           (SELECT string_agg(rule, ';') FROM jsonb_array_elements_text(d.rules) AS rule) AS rules,
           c.divergence, c.escalations, c.status,
           coalesce(k.outcome, k.not_served, k.state) AS crisis_desk,
           o.resolution,
           coalesce(jsonb_array_length(o.referrals), 0) AS referrals_made,
           (SELECT count(*) FROM jsonb_array_elements(o.referrals) r WHERE r -> 'accepted' = 'true'::jsonb)
               AS referrals_accepted,
           o.backup_requested AS police_backup_requested, o.force_used AS use_of_force, o.injury,
           round(extract(epoch FROM c.assigned_at - c.received_at)::numeric, 1) AS received_to_assigned_s,
           round(extract(epoch FROM c.on_scene_at - c.received_at)::numeric, 1) AS received_to_on_scene_s,
           round(extract(epoch FROM c.closed_at - c.on_scene_at)::numeric, 1) AS on_scene_to_clear_s,
           c.person_key,
           c.person_key IS NOT NULL AND EXISTS (
               SELECT 1 FROM calls earlier
               WHERE earlier.person_key = c.person_key AND earlier.person_key_version = c.person_key_version
                 AND earlier.received_at < c.received_at
                 AND earlier.received_at >= c.received_at - interval '30 days') AS repeat_within_30d
    FROM calls c
    JOIN LATERAL (
        SELECT rules FROM triage_decisions t
        WHERE t.call_id = c.id AND t.kind IN ('triage', 'screening') ORDER BY t.id DESC LIMIT 1
    ) d ON true
    LEFT JOIN call_outcomes o ON o.call_id = c.id
    LEFT JOIN consults k ON k.call_id = c.id
    WHERE c.received_at >= :since AND c.received_at < :until
    ORDER BY c.received_at, c.id
    """
)
COLUMNS = (
    "received_hour", "zone", "decided_type", "requested_type", "dispatched_type", "priority", "notify_ems", "rules",
    "divergence", "escalations", "status", "crisis_desk", "resolution", "referrals_made", "referrals_accepted",
    "police_backup_requested", "use_of_force", "injury", "received_to_assigned_s", "received_to_on_scene_s",
    "on_scene_to_clear_s", "person_key", "repeat_within_30d",
)  # fmt: skip


def rows(session: Session, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
    """One de-identified row per call received in [since, until), oldest first, streamed from the server."""
    result = session.execute(_ROWS, {"since": since, "until": until}, execution_options={"yield_per": 1000})
    for row in result.mappings():
        yield dict(row)
