"""Units as consoles register, move and read them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from cadtriage.requests import Day, Latitude, Longitude, MutualAid, RequestModel, round_degrees
from cadtriage.triage.catalogue import CAPABILITY_ID
from cadtriage.triage.types import ResponseType
from cadtriage.units.models import Unit, UnitStatus, still_counts


class Position(RequestModel):
    """A point in WGS84 degrees: the AVL ping."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"lat": 47.6101, "lon": -122.3421}]})

    lat: Latitude
    lon: Longitude

    @field_validator("lat", "lon")
    @classmethod
    def _centimetres(cls, value: float) -> float:
        return round_degrees(value)


class PositionReport(Position):
    """The AVL ping: where the unit is now, and whether it is outside the service area on purpose."""

    mutual_aid: MutualAid = False


class CapabilityGrant(RequestModel):
    """A capability a unit has (an id from the protocol's catalogue), and the day it lapses, if it does."""

    id: str = Field(pattern=CAPABILITY_ID, max_length=32, examples=["cit", "interpreter:es"])
    expires: Day | None = Field(
        default=None,
        description="counts through this day (UTC), as YYYY-MM-DD; absent: no expiry",
    )


Capabilities = Annotated[list[CapabilityGrant], Field(max_length=20)]


def _once_each(grants: list[CapabilityGrant]) -> list[CapabilityGrant]:
    ids = [g.id for g in grants]
    if len(set(ids)) != len(ids):
        raise ValueError("each capability is listed once")
    return grants


class UnitCapabilities(RequestModel):
    """A unit's capabilities, all of them: those not listed are removed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"capabilities": [{"id": "cit", "expires": "2027-06-30"}, {"id": "medic"}]}]
        }
    )

    capabilities: Annotated[Capabilities, AfterValidator(_once_each)]


class UnitCreate(RequestModel):
    """Register a unit. It starts `available` (and takes a waiting call) unless registered out of service."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "call_sign": "CRT-12",
                    "unit_type": "civilian_crisis",
                    "location": {"lat": 47.61, "lon": -122.33},
                }
            ]
        }
    )

    call_sign: Annotated[
        str,
        Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _./-]*$"),
        AfterValidator(str.upper),  # the canonical form: call signs are spoken and shown in capitals
    ]
    unit_type: ResponseType
    location: Position
    status: UnitStatus = UnitStatus.available
    mutual_aid: MutualAid = False
    capabilities: Annotated[Capabilities, AfterValidator(_once_each)] = Field(default_factory=list)


class UnitStatusChange(RequestModel):
    """A unit reports a new status."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "en_route"}]})

    status: UnitStatus
    reason: str | None = Field(default=None, max_length=500)


class CapabilityOut(BaseModel):
    """A unit's capability, whether it still counts today, and its EIDO resource attribute (if the registry has
    one)."""

    id: str
    expires: date | None
    active: bool
    eido: str | None


class UnitOut(BaseModel):
    """A unit, where it is, what it is qualified for, and the call it is on."""

    id: int
    call_sign: str
    unit_type: ResponseType
    status: UnitStatus
    location: Position
    location_updated_at: datetime
    capabilities: list[CapabilityOut] = []
    call_id: int | None = None

    @classmethod
    def from_unit(
        cls, unit: Unit, call_id: int | None, today: date, eido: Mapping[str, str | None]
    ) -> UnitOut:
        """The API's view of a unit, its capabilities judged as of `today` (UTC)."""
        return cls(
            id=unit.id,
            call_sign=unit.call_sign,
            unit_type=ResponseType(unit.unit_type),
            status=UnitStatus(unit.status),
            location=Position(lat=unit.lat, lon=unit.lon),
            location_updated_at=unit.location_updated_at,
            capabilities=[
                CapabilityOut(
                    id=name,
                    expires=date.fromisoformat(until) if until else None,
                    active=still_counts(until, today),
                    eido=eido.get(name),
                )
                for name, until in sorted((unit.capabilities or {}).items())
            ],
            call_id=call_id,
        )


class UnitPage(BaseModel):
    """A page of units; pass `next_cursor` as `cursor` for the next page."""

    items: list[UnitOut]
    next_cursor: int | None


class Point(BaseModel):
    """A point given as `lat,lon` in a query string."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


def parse_point(text: str) -> Point:
    """`"47.6,-122.3"` to a point; a 422 naming `near` when it is not one."""
    from pydantic import ValidationError

    from cadtriage.errors import Unprocessable

    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError("expected lat,lon")
        return Point(lat=round_degrees(float(parts[0])), lon=round_degrees(float(parts[1])))
    except (ValueError, ValidationError) as exc:
        raise Unprocessable(
            "near must be 'lat,lon' in degrees",
            errors=[{"field": "near", "message": f"not a point: {type(exc).__name__}"}],
        ) from exc
