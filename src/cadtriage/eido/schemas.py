"""EIDO webhook subscriptions and deliveries as the API takes and shows them."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cadtriage.calls.schemas import CallLocation, Screening
from cadtriage.eido.models import DeliveryState, EidoIncident
from cadtriage.eido.reading import Report
from cadtriage.requests import RequestModel
from cadtriage.triage.types import ResponseType


class SubscriptionCreate(RequestModel):
    """Another system to send the EIDO of each call to on every change: where, the shared secret the bodies are
    signed with, and optionally which response types it covers (default: every call)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://cad.neighbour.example/eido",
                    "secret": "a-long-random-shared-secret",
                    "response_types": ["civilian_crisis", "co_responder"],
                }
            ]
        }
    )

    url: str = Field(pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=2000)
    secret: str = Field(min_length=16, max_length=200, description="the HMAC-SHA256 key; never shown again")
    response_types: list[ResponseType] | None = Field(default=None, min_length=1)

    @field_validator("url")
    @classmethod
    def _a_receiver(cls, url: str) -> str:
        # Every change to a covered call, caller details included, is POSTed here: no credentials that the
        # subscription list would show to every admin (the secret signs instead), a real port, and no address that
        # is never a receiver (link-local, where cloud metadata services answer; multicast; unspecified). Loopback
        # and private addresses stay allowed: a centre's receivers are on its own network. Names are not resolved.
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            raise ValueError("no user or password in the URL: the secret signs every body")
        try:
            parts.port  # noqa: B018 - raises for a port outside 0-65535
        except ValueError:
            raise ValueError("a port from 1 to 65535") from None
        if parts.port == 0:
            raise ValueError("a port from 1 to 65535")
        try:
            address = ipaddress.ip_address((parts.hostname or "").strip("[]"))
        except ValueError:
            return url  # a name
        never = address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved
        if never and not address.is_loopback:
            raise ValueError(f"{address} is not an address a receiver listens on")
        return url

    @field_validator("response_types")
    @classmethod
    def _each_once(cls, types: list[ResponseType] | None) -> list[ResponseType] | None:
        return list(dict.fromkeys(types)) if types else types


class SubscriptionOut(BaseModel):
    """A subscription, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    response_types: list[ResponseType] | None
    active: bool
    last_event_id: int
    created_at: datetime
    created_by: str


class DeliveryOut(BaseModel):
    """One call's EIDO sent (or to send) to one subscription, and what the receiver answered."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: int
    call_id: int
    event_id: int
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class IncidentOut(BaseModel):
    """An EIDO incident received: the call made from it, or, while it waits, what it lacks and what it says."""

    incident_id: str
    issued_by: str
    last_update: datetime
    received_at: datetime
    call_id: int | None = Field(description="the call made from it; null while it waits")
    missing: list[str] = Field(description="what a dispatch needs and the EIDO does not give")
    closed_by_sender: bool = Field(
        description="its sender says the incident is closed: held, not dispatched, until a dispatcher makes a call"
    )
    address: str | None = Field(
        description="the civic address or description it gives, to look up or confirm"
    )
    call_type: str | None
    narrative: str | None
    callback: str | None = Field(
        description="the callback number the EIDO gives, to confirm where the call is"
    )

    @classmethod
    def of(cls, incident: EidoIncident, report: Report, missing: list[str]) -> IncidentOut:
        """An incident as the API shows it."""
        return cls(
            incident_id=incident.incident_id,
            issued_by=incident.issued_by,
            last_update=incident.last_update,
            received_at=incident.received_at,
            call_id=incident.call_id,
            missing=missing,
            closed_by_sender=report.closed,
            address=report.address,
            call_type=report.call_type,
            narrative=report.narrative,
            callback=report.caller_phone,
        )


class IncidentCompletion(RequestModel):
    """What a dispatcher adds to a held incident to make its call: where it is (after calling back or looking
    the address up), and what it is about when the EIDO says nothing triage can read."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "location": {
                        "lat": 39.7447,
                        "lon": -75.5484,
                        "address": "42 W Cellular St, Wilmington DE",
                    },
                    "call_type": "WELFARE CHECK",
                    "narrative": "transferred caller, confused, asking for help getting home",
                }
            ]
        }
    )

    location: CallLocation | None = None
    call_type: str | None = Field(default=None, max_length=200)
    narrative: str | None = Field(default=None, max_length=4000)
    screening: Screening | None = None
