"""Program outcomes per team sent: how calls ended, referrals, police backup, force, injuries, time to scene.

The measures the programs' evaluations report (NYC B-HEARD, Denver STAR, CAHOOTS; Vera's and CSG's toolkits),
over closed calls received in [since, until), by the type of team that was sent (`crisis_desk`: closed on the
phone by the crisis desk before any unit was sent). Rates are over the calls whose
outcome was recorded (the backup rate: over those that reported backup either way); `with_outcome` says how
many that is. Repeat contacts are counted on the pseudonymous
person key (`calls.person`), over the calls that have one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from cadtriage.calls.models import Resolution
from cadtriage.stats import repository
from cadtriage.stats.figures import require_window, seconds, share
from cadtriage.stats.schemas import Percentiles
from cadtriage.triage.types import ResponseType

TRANSPORTS = (Resolution.transported_crisis_center, Resolution.transported_hospital)
# Calls the crisis desk closed on the phone before any unit was sent: a "team" of their own.
CRISIS_DESK = "crisis_desk"


class Referrals(BaseModel):
    """Referrals made at calls, and what became of them (the rest: not yet known)."""

    made: int
    accepted: int
    declined: int
    acceptance_rate: float | None  # accepted / (accepted + declined)


class TeamOutcomes(BaseModel):
    """Outcomes of the closed calls one type of team was sent to."""

    closed: int
    with_outcome: int
    resolutions: dict[str, int]
    referrals: Referrals
    police_backup_requested: int
    police_backup_rate: float | None
    arrests: int
    use_of_force: int
    injuries: int
    transports: int
    involuntary_holds: int
    received_to_on_scene: Percentiles
    # Of the closed calls whose person is known (pseudonymously), those about someone with another call in the
    # 30 days before it.
    identified: int
    repeat_contacts: int
    repeat_contact_rate: float | None


class OutcomeStats(BaseModel):
    """Outcomes over calls received in [since, until), by the type of team sent."""

    since: datetime
    until: datetime
    by_team: dict[str, TeamOutcomes]


def outcome_statistics(
    session: Session, since: datetime, until: datetime, team: ResponseType | None = None
) -> OutcomeStats:
    """Every team's outcome figures (or one team's) over calls received in [since, until)."""
    require_window(since, until)
    rows = repository.outcomes_by_team(session, since, until)
    mix = repository.resolutions_by_team(session, since, until)
    teams = [team.value] if team else [*(t.value for t in ResponseType), CRISIS_DESK]
    return OutcomeStats(
        since=since,
        until=until,
        by_team={t: _team(rows.get(t, {}), mix.get(t, {})) for t in teams},
    )


def _team(row: Any, resolutions: dict[str, int]) -> TeamOutcomes:
    with_outcome = int(row.get("with_outcome", 0))
    accepted, declined = int(row.get("accepted", 0)), int(row.get("declined", 0))
    backup = int(row.get("backup", 0))
    return TeamOutcomes(
        closed=int(row.get("closed", 0)),
        with_outcome=with_outcome,
        resolutions={r.value: resolutions.get(r.value, 0) for r in Resolution},
        referrals=Referrals(
            made=int(row.get("referrals", 0)),
            accepted=accepted,
            declined=declined,
            acceptance_rate=share(accepted, accepted + declined),
        ),
        police_backup_requested=backup,
        police_backup_rate=share(backup, int(row.get("backup_reported", 0))),
        arrests=resolutions.get(Resolution.arrest.value, 0),
        use_of_force=int(row.get("force", 0)),
        injuries=int(row.get("injuries", 0)),
        transports=sum(resolutions.get(r.value, 0) for r in TRANSPORTS),
        involuntary_holds=resolutions.get(Resolution.involuntary_hold.value, 0),
        identified=int(row.get("identified", 0)),
        repeat_contacts=int(row.get("repeats", 0)),
        repeat_contact_rate=share(int(row.get("repeats", 0)), int(row.get("identified", 0))),
        received_to_on_scene=Percentiles(
            median_s=seconds(row.get("scene_p50")), p90_s=seconds(row.get("scene_p90"))
        ),
    )
