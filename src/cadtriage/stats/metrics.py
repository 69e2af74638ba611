"""The service's figures in Prometheus text format: calls by decided type, queue depths, assignment latency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cadtriage.stats import repository
from cadtriage.stats.desk import desk_counts
from cadtriage.triage.types import ResponseType

BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


def _labelled(name: str, kind: str, help_text: str, values: dict[str, float]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f'{name}{{response_type="{t.value}"}} {values.get(t.value, 0)}' for t in ResponseType]
    return lines


def render(session: Session, now: datetime) -> str:
    """The metrics in Prometheus text format, computed now."""
    calls, queue = repository.calls_by_decided_type(session), repository.queue_depth_by_type(session)
    latency = repository.assignment_latency(session, BUCKETS_S)
    lines = _labelled(
        "cadtriage_calls_total", "counter", "Calls taken, by the response type triage decided.", calls
    )
    lines += _labelled("cadtriage_queue_depth", "gauge", "Calls waiting for a unit, by response type.", queue)
    per_bucket = {int(bucket): int(n) for bucket, n, _ in latency}
    total = sum(per_bucket.values())
    seconds = sum(float(s or 0) for _, _, s in latency)
    name = "cadtriage_assignment_latency_seconds"
    lines += [f"# HELP {name} Time from intake to the assignment of a unit.", f"# TYPE {name} histogram"]
    cumulative = 0
    for index, bound in enumerate(BUCKETS_S):
        cumulative += per_bucket.get(index, 0)  # width_bucket: 0 is below the first bound
        lines.append(f'{name}_bucket{{le="{bound}"}} {cumulative}')
    lines += [
        f'{name}_bucket{{le="+Inf"}} {total}',
        f"{name}_sum {round(seconds, 3)}",
        f"{name}_count {total}",
    ]
    return "\n".join(lines + _outcome_lines(session, now)) + "\n"


def _outcome_lines(session: Session, now: datetime) -> list[str]:
    # The counters behind /v1/outcomes/stats, and the follow-ups waiting past their time.
    rows = repository.outcome_counts(session)
    lines = []
    for name, column, help_text in (
        (
            "cadtriage_outcomes_total",
            "n",
            "Closed calls with a recorded outcome, by team sent and resolution.",
        ),
        (
            "cadtriage_police_backup_requests_total",
            "backup",
            "Outcomes where the team asked for police backup.",
        ),
        ("cadtriage_use_of_force_total", "force", "Outcomes where force was used."),
    ):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
        lines += [
            f'{name}{{response_type="{r["team"]}",resolution="{r["resolution"]}"}} {r[column]}' for r in rows
        ]
    overdue = "cadtriage_followups_overdue"
    lines += [f"# HELP {overdue} Open follow-ups past their due time.", f"# TYPE {overdue} gauge"]
    return [*lines, f"{overdue} {repository.overdue_followups(session, now)}", *_desk_lines(session)]


def _desk_lines(session: Session) -> list[str]:
    # The crisis desk: every eligible call's consult by how it ended, and the calls on the desk now.
    ever, open_now = desk_counts(session)
    total, on_desk = "cadtriage_consults_total", "cadtriage_consults_open"
    lines = [
        f"# HELP {total} Crisis-desk consults, by outcome, reason not served, or state while open.",
        f"# TYPE {total} counter",
    ]
    lines += [f'{total}{{result="{result}"}} {n}' for result, n in sorted(ever.items())]
    lines += [
        f"# HELP {on_desk} Calls on the crisis desk now, waiting or claimed.",
        f"# TYPE {on_desk} gauge",
    ]
    return lines + [
        f'{on_desk}{{state="{state}"}} {open_now.get(state, 0)}' for state in ("waiting", "claimed")
    ]
