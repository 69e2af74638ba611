"""EIDO webhook subscriptions and deliveries as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cadtriage.eido.models import DeliveryState
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
