"""A closed call's structured outcome, as a console reports it and as the API shows it.

The parts that must agree with each other are checked here (422 naming the field); the parts that must agree
with the call itself (who was sent, whether anyone arrived) are checked where the call closes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from cadtriage.calls.models import CallOutcome, Resolution
from cadtriage.errors import Unprocessable
from cadtriage.requests import Moment, RequestModel

Flag = Annotated[bool, Field(strict=True)]
# Who used force, and who was hurt: roles, never names.
ForceBy = Literal["police", "responders"]
Injured = Literal["subject", "responder", "bystander"]


class Referral(RequestModel):
    """A referral made at the call: to whom (a service or program, not a person), and whether it was taken."""

    to: str = Field(min_length=1, max_length=120, examples=["Mobile crisis follow-up team"])
    accepted: Annotated[bool | None, Field(strict=True)] = None  # None: not yet known


class BackupRequest(RequestModel):
    """Whether the team asked for police backup at the scene, why and when."""

    requested: Flag
    reason: str | None = Field(default=None, min_length=1, max_length=500)
    at: Moment | None = None

    @model_validator(mode="after")
    def _reason_with_request(self) -> BackupRequest:
        if self.requested and not self.reason:
            raise ValueError("a backup request needs its reason")
        if not self.requested and (self.reason or self.at):
            raise ValueError(
                "reason and at describe a backup request: set requested to true, or leave them out"
            )
        return self


class ForceReport(RequestModel):
    """Whether force was used, and by whom."""

    used: Flag
    by: list[ForceBy] = Field(default_factory=list, max_length=2)

    @model_validator(mode="after")
    def _by_with_use(self) -> ForceReport:
        if self.used != bool(self.by):
            raise ValueError("force used names who used it (by), and only then")
        if len(set(self.by)) != len(self.by):
            raise ValueError("each of by is named once")
        return self


class InjuryReport(RequestModel):
    """Whether anyone was hurt, and who (by role)."""

    any: Flag
    who: list[Injured] = Field(default_factory=list, max_length=3)

    @model_validator(mode="after")
    def _who_with_injury(self) -> InjuryReport:
        if self.any != bool(self.who):
            raise ValueError("an injury names who was hurt (who), and only then")
        if len(set(self.who)) != len(self.who):
            raise ValueError("each of who is named once")
        return self


class Outcome(RequestModel):
    """How the call ended. `referred` needs its referrals; neither `no_contact` nor `gone_on_arrival` can
    come with force or injury (no one was met)."""

    resolution: Resolution
    referrals: list[Referral] = Field(default_factory=list, max_length=10)
    police_backup: BackupRequest | None = None
    use_of_force: ForceReport | None = None
    injury: InjuryReport | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Outcome:
        if self.resolution is Resolution.referred and not self.referrals:
            raise refused("referrals", "a call resolved by referral names at least one referral")
        services = [r.to.casefold() for r in self.referrals]
        if len(set(services)) != len(services):
            raise refused("referrals", "each service is referred to once (one entry per service)")
        if self.resolution in (Resolution.no_contact, Resolution.gone_on_arrival):
            if self.use_of_force and self.use_of_force.used:
                raise refused("use_of_force", f"no one was met ({self.resolution.value}): no force was used")
            if self.injury and self.injury.any:
                raise refused("injury", f"no one was met ({self.resolution.value}): record no injury")
        return self


def refused(field: str, message: str) -> Unprocessable:
    """The 422 for an outcome's `field` (under `outcome.`), with why."""
    return Unprocessable(message, errors=[{"field": f"outcome.{field}", "message": message}])


class OutcomeOut(BaseModel):
    """A closed call's outcome, with its times from the status history; a part not reported is null."""

    resolution: Resolution
    referrals: list[dict[str, object]]
    police_backup: dict[str, object] | None
    use_of_force: dict[str, object] | None
    injury: dict[str, object] | None
    recorded_at: datetime
    recorded_by: str
    received_to_on_scene_s: float | None
    on_scene_to_clear_s: float | None

    @classmethod
    def from_row(
        cls, row: CallOutcome, received_at: datetime, on_scene_at: datetime | None, closed_at: datetime | None
    ) -> OutcomeOut:
        """The API's view of a stored outcome."""
        backup = {"requested": True, "reason": row.backup_reason, "at": row.backup_requested_at}
        return cls(
            resolution=row.resolution,
            referrals=row.referrals,
            police_backup=None
            if row.backup_requested is None
            else backup
            if row.backup_requested
            else {"requested": False},
            use_of_force=None if row.force_used is None else {"used": row.force_used, "by": row.force_by},
            injury=None if row.injury is None else {"any": row.injury, "who": row.injured},
            recorded_at=row.recorded_at,
            recorded_by=row.actor,
            received_to_on_scene_s=_seconds(received_at, on_scene_at),
            on_scene_to_clear_s=_seconds(on_scene_at, closed_at),
        )


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds(), 1)
