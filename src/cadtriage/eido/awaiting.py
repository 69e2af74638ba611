"""EIDO incidents that cannot be dispatched as sent, held for a dispatcher to complete.

NENA's own sample has a civic address and no point, and no call type or notes: nothing to measure a unit's
distance from and nothing to triage. Refusing it would lose the incident; guessing a point would send a unit to
the wrong place. So it is kept, listed (`GET /v1/eido/incidents`) and announced (`eido.awaiting`), and becomes a
call when a dispatcher gives what it lacks (`POST /v1/eido/incidents/{id}/call`, after calling back or looking the
address up) or when a newer snapshot brings it. An incident that arrives closed (its sender's status "Closed":
handled and finished there) is held the same way rather than dispatched: sending a unit to what another centre
has already closed would be the service acting on a record, not a need; a dispatcher who learns otherwise makes
the call from it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from cadtriage.calls.schemas import CallView
from cadtriage.context import Context
from cadtriage.eido import creation, repository
from cadtriage.eido.models import EidoIncident
from cadtriage.eido.reading import Report, read
from cadtriage.errors import Conflict, NotFound, Unprocessable

LOCATION = "location"
TEXT = "call_type_or_narrative"
CLOSED = "closed by its sender"


class Held(NamedTuple):
    """An incident waiting for a dispatcher, with what the service reads of it."""

    incident: EidoIncident
    report: Report


def missing(report: Report, given: dict[str, Any] | None = None) -> list[str]:
    """What a dispatch needs that neither the document nor the dispatcher's additions give."""
    given = given or {}
    lacking = []
    if report.lat is None and not given.get("location"):
        lacking.append(LOCATION)
    if not (report.call_type or report.narrative or given.get("call_type") or given.get("narrative")):
        lacking.append(TEXT)
    return lacking


def held_back(report: Report) -> bool:
    """Whether an incident is held rather than dispatched as it arrives: it lacks something, or was closed."""
    return report.closed or bool(missing(report))


def hold(ctx: Context, report: Report) -> Held:
    """Announce an incident just claimed (`creation.claim`) that cannot be dispatched yet: it is held."""
    _announce(ctx, report, "received")
    held = repository.get(ctx.session, report.incident_id)
    assert held is not None
    return Held(held, report)


def refresh(ctx: Context, held: EidoIncident, report: Report, document: dict[str, Any]) -> Held:
    """A newer snapshot of an incident still held, that still lacks something."""
    creation.take_snapshot(held, report, document, ctx.now())
    _announce(ctx, report, "updated")
    return Held(held, report)


def complete(ctx: Context, incident_id: str, given: dict[str, Any]) -> CallView:
    """Make the call of a held incident, with what the dispatcher adds (a location, a call type, notes)."""
    held = repository.get(ctx.session, incident_id, lock=True)
    if held is None:
        raise NotFound(f"no EIDO incident {incident_id!r}")
    if held.call_id is not None:
        raise Conflict(f"EIDO incident {incident_id!r} is already call {held.call_id}", current=held.call_id)
    report = read(held.document)
    lacking = missing(report, given)
    if lacking:
        raise Unprocessable(
            "the incident still lacks " + " and ".join(lacking),
            errors=[{"field": name, "message": "missing: the EIDO does not give it"} for name in lacking],
        )
    return creation.create_call(ctx, report, given)


def held_incidents(ctx: Context, limit: int) -> list[Held]:
    """Incidents waiting for a dispatcher, oldest first, each with what the service reads of it."""
    return [Held(held, read(held.document)) for held in repository.held(ctx.session, limit)]


def _announce(ctx: Context, report: Report, what: str) -> None:
    lacking = missing(report)
    why = ([CLOSED] if report.closed else []) + (["it lacks " + " and ".join(lacking)] if lacking else [])
    ctx.record(
        "eido.awaiting",
        reason=f"EIDO incident {report.incident_id} from {report.issued_by} {what}, not dispatched: "
        + "; ".join(why),
        data={
            "incident_id": report.incident_id,
            "missing": lacking,
            "closed_by_sender": report.closed,
            "address": report.address,
        },
    )
