"""The crisis desk's figures: calls eligible, sent to the desk, resolved on the phone, routed on, not served.

Over calls received in [since, until) that triage found eligible while the protocol had a desk (one consult
each). The share resolved by phone is over the calls that reached the desk; time to pick-up is from the call's
arrival on the desk to a clinician's claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.consults.models import ConsultOutcome, ConsultState, NotServed
from cadtriage.stats.figures import seconds, share
from cadtriage.stats.schemas import CrisisDeskStats, Percentiles

_BY_RESULT = text(
    """
    SELECT k.state, k.outcome, k.not_served, count(*) AS n, count(k.on_desk_at) AS on_desk
    FROM consults k JOIN calls c ON c.id = k.call_id
    WHERE c.received_at >= :since AND c.received_at < :until
    GROUP BY k.state, k.outcome, k.not_served
    """
)
_PICKUP = text(
    """
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM k.claimed_at - k.on_desk_at)),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM k.claimed_at - k.on_desk_at))
    FROM consults k JOIN calls c ON c.id = k.call_id
    WHERE c.received_at >= :since AND c.received_at < :until AND k.claimed_at IS NOT NULL
    """
)
_OPEN = text("SELECT state, count(*) FROM consults WHERE state IN ('waiting', 'claimed') GROUP BY state")
# Only ended consults: a counter never goes down, and open ones are the gauge's.
_EVER = text(
    "SELECT coalesce(outcome, not_served) AS result, count(*) FROM consults "
    "WHERE state IN ('done', 'not_served') GROUP BY 1"
)
ROUTED = {
    ConsultOutcome.mobile_crisis: "civilian_crisis",
    ConsultOutcome.co_responder: "co_responder",
    ConsultOutcome.police: "police",
}


def desk_statistics(session: Session, since: datetime, until: datetime) -> CrisisDeskStats:
    """The crisis desk's figures over calls received in [since, until) (the range already checked)."""
    window = {"since": since, "until": until}
    outcomes: dict[str, int] = {}
    not_served = dict.fromkeys(NotServed, 0)
    eligible = sent = still_open = 0
    for row in session.execute(_BY_RESULT, window).mappings():
        n = int(row["n"])
        eligible += n
        sent += int(row["on_desk"])
        if row["outcome"]:
            outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + n
        elif row["not_served"]:
            not_served[NotServed(row["not_served"])] += n
        elif row["state"] in (ConsultState.waiting, ConsultState.claimed):
            still_open += n
    p50, p90 = session.execute(_PICKUP, window).one()
    by_phone = outcomes.get(ConsultOutcome.resolved_by_phone, 0)
    return CrisisDeskStats(
        eligible=eligible,
        sent_to_desk=sent,
        resolved_by_phone=by_phone,
        resolved_by_phone_share=share(by_phone, sent),
        transferred_988=outcomes.get(ConsultOutcome.transferred_988, 0),
        routed={team: outcomes.get(outcome, 0) for outcome, team in ROUTED.items()},
        returned_to_dispatch=outcomes.get(ConsultOutcome.returned_to_dispatch, 0),
        still_open=still_open,
        eligible_not_served={reason.value: n for reason, n in not_served.items()},
        time_to_pickup=Percentiles(median_s=seconds(p50), p90_s=seconds(p90)),
    )


def desk_counts(session: Session) -> tuple[dict[str, int], dict[str, int]]:
    """For /metrics: ended consults ever, by outcome or reason not served; and open ones now, by state."""
    ever = {str(result): int(n) for result, n in session.execute(_EVER)}
    now = {str(state): int(n) for state, n in session.execute(_OPEN)}
    return ever, now
