"""Settings: the only reader of environment variables.

Every variable is listed, with its default and meaning, in `.env.example`.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cadtriage.consults.coverage import Coverage, parse_coverage
from cadtriage.service_area import ServiceArea, parse_service_area
from cadtriage.triage.types import ResponseType


class Settings(BaseSettings):
    """Service configuration, read from `CADTRIAGE_*` variables (and `DATABASE_URL`)."""

    # An empty value means the default: `cp .env.example .env` leaves blanks that are not settings.
    model_config = SettingsConfigDict(
        env_prefix="CADTRIAGE_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "CADTRIAGE_DATABASE_URL")
    )
    data_dir: Path = Path(".cadtriage")
    protocol_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=2, ge=1, le=64)
    # No "trace": uvicorn then logs each request's scope, its path and query string, which can hold caller data.
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    max_in_flight: int = Field(default=8, ge=1, le=10_000)
    max_distance_police_m: float = Field(default=40_000, gt=0)
    max_distance_co_responder_m: float = Field(default=25_000, gt=0)
    max_distance_civilian_crisis_m: float = Field(default=15_000, gt=0)
    unit_location_stale_s: int = Field(default=900, ge=1)
    escalation_interval_s: float = Field(default=10.0, gt=0)
    http_keep_alive_s: int = Field(default=5, ge=1, le=300)
    http_header_timeout_s: float = Field(default=10.0, gt=0, le=300)
    http_body_timeout_s: float = Field(default=30.0, gt=0, le=300)
    sse_heartbeat_s: float = Field(default=15.0, gt=0, le=300)
    sse_max_streams_per_worker: int = Field(default=100, ge=1, le=10_000)
    sse_max_streams_per_key: int = Field(default=4, ge=1, le=1_000)
    sse_key_check_s: float = Field(default=5.0, gt=0, le=300)
    # The secret of the pseudonymous person key (calls.person); unset: no key, and no repeat-contact counts.
    person_key_secret: SecretStr | None = None
    person_key_version: str = Field(default="1", min_length=1, max_length=16, pattern=r"^[A-Za-z0-9._-]+$")
    service_area: str | None = None  # west,south,east,north, or a GeoJSON file; unset: no check
    # When the crisis desk is staffed (consults/coverage.py); unset hours: always staffed.
    desk_hours: str | None = None
    desk_holidays: str | None = None
    desk_timezone: str = "UTC"
    # The console's map background: XYZ tiles on the centre's own network ("https://tiles.example/{z}/{x}/{y}.png");
    # unset, the console draws units and calls over the service area's outline only (no tile server needed).
    console_tile_url: str | None = Field(default=None, pattern=r"^https?://\S*\{z\}\S*\{x\}\S*\{y\}\S*$")
    console_tile_attribution: str | None = Field(default=None, max_length=200)
    # EIDO webhook deliveries: how often the worker looks, how long a receiver may take, how many tries.
    eido_delivery_interval_s: float = Field(default=1.0, gt=0, le=300)
    eido_delivery_timeout_s: float = Field(default=5.0, gt=0, le=60)
    eido_delivery_attempts: int = Field(default=8, ge=1, le=50)
    # This centre's identifier in NENA EIDO documents (an agency id, a domain name by convention).
    eido_agency: str = Field(
        default="cadtriage.local", pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,98}[A-Za-z0-9]$"
    )

    @model_validator(mode="after")
    def _readable_desk_hours(self) -> Settings:
        parse_coverage(self.desk_hours, self.desk_holidays, self.desk_timezone)  # refuse at start, plainly
        return self

    @cached_property
    def desk_coverage(self) -> Coverage:
        """The crisis desk's hours, parsed once."""
        return parse_coverage(self.desk_hours, self.desk_holidays, self.desk_timezone)

    @field_validator("service_area")
    @classmethod
    def _readable_area(cls, value: str | None) -> str | None:
        if value is not None:
            parse_service_area(value)  # refuse at start, plainly, an area that cannot be read
        return value

    @cached_property
    def area(self) -> ServiceArea | None:
        """The configured service area, parsed once."""
        return parse_service_area(self.service_area) if self.service_area else None

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_case_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _psycopg_url(cls, value: str | None) -> str | None:
        return normalise_database_url(value) if value else None

    def max_distance_m(self, response_type: ResponseType) -> float:
        """The farthest a unit of this type may be sent from, in metres."""
        return {
            ResponseType.police: self.max_distance_police_m,
            ResponseType.co_responder: self.max_distance_co_responder_m,
            ResponseType.civilian_crisis: self.max_distance_civilian_crisis_m,
        }[response_type]


def normalise_database_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` URLs and make them use psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
