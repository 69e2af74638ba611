"""The unit: one team (a patrol car, a co-responder pair, a civilian crisis van) and its lifecycle."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Computed, DateTime, Double, Identity, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cadtriage.db import Base, status_column


class UnitStatus(StrEnum):
    """Where a unit is in its work; only `available` units can be assigned."""

    available = "available"
    dispatched = "dispatched"
    en_route = "en_route"
    on_scene = "on_scene"
    transporting = "transporting"
    out_of_service = "out_of_service"


# A call sign as a dispatcher might misread it: without separators, O read as 0, I and L as 1.
CALL_SIGN_KEY_OF = "translate(upper(regexp_replace({}, '[ _./-]', '', 'g')), 'OIL', '011')"
CALL_SIGN_KEY = CALL_SIGN_KEY_OF.format("call_sign")


class Unit(Base):
    """A responding unit. Its `position` (an earthdistance point) is a generated column used by the KNN index."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    call_sign: Mapped[str] = mapped_column(String(32), unique=True)
    # Unique, so `CRT-0l` and `crt 01` cannot be registered beside `CRT-01` (migration 0006).
    call_sign_key: Mapped[str] = mapped_column(
        String(32), Computed(CALL_SIGN_KEY, persisted=True), unique=True
    )
    unit_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[UnitStatus] = mapped_column(status_column(UnitStatus))
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    location_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # What the unit is qualified for: capability id -> the date it lapses ("2027-06-30", counting through that
    # day, UTC), or None when it does not. Ids come from the protocol's catalogue.
    capabilities: Mapped[dict[str, str | None]] = mapped_column(JSONB, default=dict)

    def holds(self, capability: str, on: date) -> bool:
        """Whether the unit holds a capability on a day: it has it, and it has not lapsed (the same rule as
        `units.repository.has_capability`, in SQL)."""
        held = self.capabilities or {}
        return capability in held and still_counts(held[capability], on)


def still_counts(lapses: str | None, on: date) -> bool:
    """Whether a capability that lapses at the end of `lapses` (or never) still counts on `on`."""
    return lapses is None or date.fromisoformat(lapses) >= on


class CoverageState(StrEnum):
    """Whether some available unit holds a capability, as the coverage sweep last saw it."""

    covered = "covered"
    lost = "lost"  # was covered, and the loss was announced
    uncovered = "uncovered"  # not covered since first looked at: nothing was lost


class CapabilityCoverage(Base):
    """A capability's coverage as last seen by the sweep, which compares it with the units now and records
    `coverage.lost` or `coverage.restored` when it changes; the units a change concerns are the difference
    between `available_units` and the available holders now."""

    __tablename__ = "capability_coverage"

    capability: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[CoverageState] = mapped_column(status_column(CoverageState, length=12))
    available_units: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
