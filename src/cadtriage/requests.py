"""The base of every request body: unknown fields refused, text trimmed, NUL characters refused.

PostgreSQL cannot store a NUL character in text; left to the database, one in any field became a 500 whose
traceback printed the statement's parameters (the caller's name, phone and narrative). Refused here, it is a 422
naming the field, before anything is written.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)


class RequestModel(BaseModel):
    """A request body: strict about its fields, trimmed, and free of NUL characters."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain a NUL character")
        return value


# A location outside the configured service area, on purpose (cadtriage.service_area).
MutualAid = Annotated[
    bool,
    Field(
        strict=True,
        description="the location is outside the configured service area on purpose (mutual aid); "
        "otherwise such a location is refused",
    ),
]

# Where a wrong guess is dangerous, no coercion: `"lat": true` is not 1.0, `"weapons": "n"` is not false.
Answer = Annotated[bool | None, Field(strict=True)]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]

FIRST_YEAR, LAST_YEAR = 1970, 2099


def _in_service_years(value: datetime) -> datetime:
    # Far outside these, converting between time zones overflowed into a 500 (year 1 at +14:00, year 9999 at
    # -14:00). The year is read as written, so the check itself converts nothing.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be between the years {FIRST_YEAR} and {LAST_YEAR}")
    return value


# A moment in time, with its zone, within the years a CAD record can come from.
Moment = Annotated[AwareDatetime, AfterValidator(_in_service_years)]


def _written_as_a_day(value: object) -> object:
    # Pydantic would also take a Unix time (1800000000) or a midnight timestamp as a date: a typo that would
    # silently set a certification's lapse, so only the written day is accepted.
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a day written YYYY-MM-DD")
    return value


# A calendar day, written YYYY-MM-DD.
Day = Annotated[date, BeforeValidator(_written_as_a_day)]


def round_degrees(value: float) -> float:
    """Degrees to 7 decimals (about 1 cm): finer is noise, and subnormal values underflow in earthdistance."""
    return round(value, 7) + 0.0  # + 0.0 turns -0.0 into 0.0
