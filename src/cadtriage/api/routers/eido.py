"""HTTP: a call as a NENA EIDO document, for another centre's CAD or a crisis line."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from cadtriage.api.deps import Admin, CallId, ContextDep, Dispatcher, Reader
from cadtriage.api.problems import problem_responses as problems
from cadtriage.api.session import LoopRoute, commit_before_answer
from cadtriage.calls.schemas import CallOut
from cadtriage.eido import awaiting, importer, subscriptions
from cadtriage.eido.export import call_as_eido
from cadtriage.eido.models import DeliveryState
from cadtriage.eido.schemas import (
    DeliveryOut,
    IncidentCompletion,
    IncidentOut,
    SubscriptionCreate,
    SubscriptionOut,
)

router = APIRouter(tags=["interoperability"], route_class=LoopRoute)
SubscriptionId = Annotated[int, PathParam(ge=1, le=2**62)]
EidoBody = Annotated[dict[str, Any], Body(description="an EIDO 1.0 document (NENA-STA-021)")]


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


@router.post(
    "/eido",
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "description": "The same snapshot again (unchanged), a newer one applied (updated), or this "
            "centre's own call sent back to it (own: nothing changed)"
        },
        202: {
            "model": IncidentOut,
            "description": "Held: the EIDO lacks a point or anything to triage, or its sender closed it",
        },
        **problems(409, 422),
    },
    summary="Take a call from another centre or a crisis line as a NENA EIDO",
)
def receive_eido(
    ctx: ContextDep, response: Response, _: Dispatcher, document: EidoBody
) -> CallOut | JSONResponse:
    """Validate the document against NENA's EIDO schema (422 naming the JSON pointer of each problem, first the
    first in the document), then create the call it describes — triaged and dispatched like any intake — or, for
    an incident already received (same `$id`), apply a newer snapshot (notes re-triaged, location while still
    queued, callback; recorded in the timeline as `eido.updated`) or refuse an older one (409). This centre's own
    call sent back (its `$id` is one this centre gave) changes nothing and answers the call (`own`). The header
    `EIDO-Result` says `created`, `unchanged`, `updated`, `own` or `awaiting`: an EIDO with no point to send a unit to
    (a civic address only), nothing to triage, or that its sender has closed is held (202, listed in
    `GET /v1/eido/incidents`) until a dispatcher completes it or a newer snapshot brings what it lacks."""
    item, result = importer.receive(ctx, document)
    commit_before_answer(ctx.session)
    if isinstance(item, awaiting.Held):
        body = IncidentOut.of(item.incident, item.report, awaiting.missing(item.report))
        return JSONResponse(
            body.model_dump(mode="json"),
            status_code=status.HTTP_202_ACCEPTED,
            headers={"EIDO-Result": result},
        )
    response.headers["EIDO-Result"] = result
    if result != "created":
        response.status_code = status.HTTP_200_OK
    return CallOut.from_view(item, show_caller=True)


@router.get("/eido/incidents", response_model=list[IncidentOut], responses=problems(422))
def held_incidents(
    ctx: ContextDep, _: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[IncidentOut]:
    """EIDO incidents held because they cannot be dispatched as sent, oldest first: what each lacks (`location`,
    `call_type_or_narrative`), the address and callback number it gives to confirm where it is."""
    return [
        IncidentOut.of(incident, report, awaiting.missing(report))
        for incident, report in awaiting.held_incidents(ctx, limit)
    ]


@router.post(
    "/eido/incidents/{incident_id:path}/call",  # an incident id may hold "/" (sent percent-encoded)
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(404, 409, 422),
)
def complete_incident(
    incident_id: Annotated[str, PathParam(min_length=1, max_length=255)],
    given: IncidentCompletion,
    ctx: ContextDep,
    _: Dispatcher,
) -> CallOut:
    """Make the call of a held EIDO incident with what the dispatcher adds — where it is, and a call type,
    notes or screening answers when the EIDO has nothing to triage — triaged and dispatched like any intake.
    422 names what is still missing; 409 when the incident already is a call."""
    values = given.model_dump(exclude_none=True)
    item = awaiting.complete(ctx, incident_id, values)
    commit_before_answer(ctx.session)
    return CallOut.from_view(item, show_caller=True)


@router.post(
    "/eido/subscriptions",
    response_model=SubscriptionOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(422),
)
def subscribe(body: SubscriptionCreate, ctx: ContextDep, _: Admin) -> SubscriptionOut:
    """Send another system the EIDO of each call it covers on every change, from now on: a POST of the document,
    signed (`X-Cadtriage-Signature: sha256=` HMAC-SHA256 with the secret over `X-Cadtriage-Timestamp`, a `.`, and
    the body), retried with backoff until a 2xx, each attempt in the delivery log."""
    created = subscriptions.subscribe(ctx, body)
    commit_before_answer(ctx.session)
    return SubscriptionOut.model_validate(created)


@router.get("/eido/subscriptions", response_model=list[SubscriptionOut], responses=problems())
def list_subscriptions(ctx: ContextDep, _: Admin) -> list[SubscriptionOut]:
    """Every subscription, ended ones included, without secrets."""
    return [SubscriptionOut.model_validate(s) for s in subscriptions.subscriptions(ctx)]


@router.delete(
    "/eido/subscriptions/{subscription_id}", response_model=SubscriptionOut, responses=problems(404)
)
def unsubscribe(subscription_id: SubscriptionId, ctx: ContextDep, _: Admin) -> SubscriptionOut:
    """End a subscription (kept, inactive, for its delivery log)."""
    ended = subscriptions.unsubscribe(ctx, subscription_id)
    commit_before_answer(ctx.session)
    return SubscriptionOut.model_validate(ended)


@router.get("/eido/deliveries", response_model=list[DeliveryOut], responses=problems(422))
def delivery_log(
    ctx: ContextDep,
    _: Admin,
    subscription_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    state: DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    """The delivery log, newest first: each call sent, its attempts, and the receiver's last answer."""
    return [
        DeliveryOut.model_validate(d) for d in subscriptions.delivery_log(ctx, subscription_id, state, limit)
    ]
