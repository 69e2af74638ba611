"""The dispatch invariants, checked directly in the database (used after concurrent and crash runs)."""

from __future__ import annotations

from typing import get_args

from sqlalchemy import Connection, text

from cadtriage.events.schemas import EventFilter

# Every kind the audit log records must be one a live stream can be filtered on.
_FILTERABLE = ", ".join(f"'{kind}'" for kind in get_args(EventFilter))

# Status events are the call.* events but override, escalation, screening and a clinician's routing, which move
# the response type, and a reassignment, which names the units (its status moves are events of their own).
CHECKS = {
    "a unit on two open assignments": "SELECT unit_id FROM assignments WHERE released_at IS NULL "
    "GROUP BY unit_id HAVING count(*) > 1",
    "a call with two open primary units": "SELECT call_id FROM assignments WHERE released_at IS NULL "
    "AND is_primary GROUP BY call_id HAVING count(*) > 1",
    "an open assignment whose unit is not busy": "SELECT a.id FROM assignments a JOIN units u ON u.id = a.unit_id "
    "WHERE a.released_at IS NULL AND u.status NOT IN ('dispatched', 'en_route', 'on_scene', 'transporting')",
    "an open assignment on a call that is not in service": "SELECT a.id FROM assignments a JOIN calls c "
    "ON c.id = a.call_id WHERE a.released_at IS NULL AND c.status NOT IN ('assigned', 'en_route', 'on_scene')",
    "a busy unit with no open assignment": "SELECT u.id FROM units u WHERE u.status IN "
    "('dispatched', 'en_route', 'on_scene', 'transporting') AND NOT EXISTS (SELECT 1 FROM assignments a "
    "WHERE a.unit_id = u.id AND a.released_at IS NULL)",
    "a call in service with no unit": "SELECT c.id FROM calls c WHERE c.status IN ('assigned', 'en_route', "
    "'on_scene') AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.call_id = c.id AND a.released_at IS NULL)",
    "a queued call holding a unit": "SELECT c.id FROM calls c JOIN assignments a ON a.call_id = c.id "
    "WHERE c.status = 'queued' AND a.released_at IS NULL",
    "a call without its triage decision": "SELECT c.id FROM calls c WHERE NOT EXISTS (SELECT 1 FROM "
    "triage_decisions d WHERE d.call_id = c.id AND d.kind = 'triage')",
    "a call without its received event": "SELECT c.id FROM calls c WHERE NOT EXISTS (SELECT 1 FROM events e "
    "WHERE e.call_id = c.id AND e.kind = 'call.received')",
    "a timeline that does not chain (an event's from_state is not the previous event's to_state)": "SELECT "
    "DISTINCT call_id FROM (SELECT call_id, from_state, lag(to_state) OVER (PARTITION BY call_id ORDER BY id) "
    "AS previous FROM events WHERE kind LIKE 'call.%' AND kind NOT IN ('call.override', 'call.escalated', "
    "'call.screening', 'call.routed', 'call.reassigned')) chain WHERE previous IS NOT NULL "
    "AND from_state IS DISTINCT FROM previous",
    "a timeline whose last state is not the call's status": "SELECT c.id FROM calls c JOIN LATERAL (SELECT "
    "to_state FROM events e WHERE e.call_id = c.id AND e.kind LIKE 'call.%' AND e.kind NOT IN ('call.override', "
    "'call.escalated', 'call.screening', 'call.routed', 'call.reassigned') ORDER BY e.id DESC LIMIT 1) "
    "last ON true WHERE last.to_state <> c.status",
    # The list is the EventFilter literal's own constants, not input.
    "an event of a kind streams cannot filter on": f"SELECT id FROM events WHERE kind NOT IN ({_FILTERABLE})",  # noqa: S608
    "a status event that restates the status": "SELECT call_id FROM events WHERE kind LIKE 'call.%' "
    "AND kind NOT IN ('call.override', 'call.escalated', 'call.screening', 'call.routed', 'call.reassigned') "
    "AND from_state = to_state",
}


def violations(connection: Connection) -> dict[str, list[int]]:
    """Every broken invariant, with the ids that break it (empty when all hold)."""
    found = {}
    for name, query in CHECKS.items():
        ids = [row[0] for row in connection.execute(text(query))]
        if ids:
            found[name] = ids
    return found


def idle_matches(connection: Connection, max_distance_m: dict[str, float]) -> list[tuple[int, int]]:
    """(call, unit) pairs where a queued call and an available unit of its type in range sit idle together."""
    pairs = []
    for kind, limit in max_distance_m.items():
        rows = connection.execute(
            text(
                "SELECT c.id, u.id FROM calls c JOIN units u ON u.unit_type = c.requested_type "
                "WHERE c.status = 'queued' AND u.status = 'available' AND c.requested_type = :kind "
                "AND earth_distance(ll_to_earth(c.lat, c.lon), u.position) <= :limit"
            ),
            {"kind": kind, "limit": limit},
        )
        pairs.extend((row[0], row[1]) for row in rows)
    return pairs
