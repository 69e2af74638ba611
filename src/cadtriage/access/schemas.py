"""API keys and the protocol summary as the admin API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from cadtriage.access.models import Role
from cadtriage.requests import RequestModel
from cadtriage.triage.types import ResponseType


class KeyCreate(RequestModel):
    """A new key: its name (recorded as the actor of every change it makes), role, and a unit's call sign for a
    `unit` key."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "console-3", "role": "dispatcher"},
                {"name": "crt-12-mdt", "role": "unit", "unit": "CRT-12"},
            ]
        },
    )

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    role: Role
    unit: str | None = Field(default=None, min_length=1, max_length=32)


class KeyOut(BaseModel):
    """A key, without its secret."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    role: Role
    unit_id: int | None
    unit: str | None = Field(
        default=None,
        validation_alias=AliasChoices("unit_call_sign", "unit"),  # the entity's attribute, or a dumped KeyOut
        description="the call sign of the key's unit",
    )
    created_at: datetime
    revoked_at: datetime | None


class Me(BaseModel):
    """Who the key in use is: its name (the actor of every change it makes), its role, and its unit if any."""

    name: str
    role: Role
    unit_id: int | None


class KeyCreated(KeyOut):
    """A key just created: `key` is shown this once and cannot be recovered."""

    key: str


class RuleOut(BaseModel):
    """One rule of the loaded protocol."""

    id: str
    response_type: ResponseType | None
    priority: int | None
    reason: str
    criterion: str


class ProtocolOut(BaseModel):
    """The protocol this process triages with."""

    version: str
    name: str
    rules: list[RuleOut]
    escalation: dict[str, dict[str, object]]
