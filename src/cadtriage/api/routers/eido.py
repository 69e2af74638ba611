"""HTTP: a call as a NENA EIDO document, for another centre's CAD or a crisis line."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from cadtriage.api.deps import CallId, ContextDep, Reader
from cadtriage.api.problems import problem_responses as problems
from cadtriage.eido.export import call_as_eido

router = APIRouter(tags=["interoperability"])


@router.get(
    "/calls/{call_id}/eido",
    responses={
        200: {"content": {"application/json": {}}, "description": "an EIDO 1.0 document"},
        **problems(404),
    },
    summary="A call as a NENA EIDO 1.0 document (NENA-STA-021)",
)
def call_eido(call_id: CallId, ctx: ContextDep, _: Reader) -> JSONResponse:
    """The call's current state as an Emergency Incident Data Object: this centre as the dispatching agency, the
    incident (APCO common incident type, the triage response type as an internal code, priority, status, and once
    closed its disposition), the call, the caller and callback number, the location as PIDF-LO, every unit sent
    with its status and capabilities' EIDO attributes, and the triage reasons as notes. `$id` is the incident
    tracking identifier, stable for the call."""
    document: dict[str, Any] = call_as_eido(ctx, call_id, show_caller=True)
    return JSONResponse(document)
