"""De-identified exports: one row per call, and an aggregate table with small cells suppressed.

What leaves: response types, priorities, triage rule ids, statuses, outcomes and the crisis desk's part (its
outcome, or why the call was not served) as categories and counts, durations,
the hour, a 0.01-degree zone and the pseudonymous person key. What never leaves: names, phones, narratives, call
types (free text that can hold anything), addresses, coordinates, ids that lead back to the record, free-text
dispositions, reasons, referral and provider names. In the aggregate table, counts of 1 to 10 are suppressed
(the CMS cell-size suppression policy), so that a rare combination cannot single anyone out.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cadtriage.exports import repository
from cadtriage.stats.figures import require_window

SMALL_CELL_MAX = 10
# A file is built whole before it is sent: a year at a time keeps it to a size a worker can hold.
LONGEST_WINDOW = timedelta(days=366)
RULE = (
    "# de-identified by cadtriage: no names, phones, narratives, call types, addresses, coordinates or record ids; "
    "time to the hour (UTC), location to a 0.01-degree zone; person_key is a keyed hash (pseudonymous)"
)
SUPPRESSION = (
    f"# cells of 1 to {SMALL_CELL_MAX} are suppressed (shown as '<{SMALL_CELL_MAX + 1}'), after CMS policy"
)
SUMMARY_KEYS = ("zone", "decided_type", "dispatched_type", "resolution")
SUMMARY_COLUMNS = (*SUMMARY_KEYS, "calls")


def _csv_line(values: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return out.getvalue()


def call_rows(session: Session, since: datetime, until: datetime) -> Iterator[list[object]]:
    """One de-identified row per call received in [since, until), in `repository.COLUMNS` order."""
    require_window(since, until, longest=LONGEST_WINDOW)
    for row in repository.rows(session, since, until):
        yield [row[c] for c in repository.COLUMNS]


def summary_cells(session: Session, since: datetime, until: datetime) -> list[list[object]]:
    """Counts of calls by zone, decided type, type sent and resolution (`SUMMARY_COLUMNS`), small cells
    suppressed (shown as "<11", so the count column is text)."""
    require_window(since, until, longest=LONGEST_WINDOW)
    cells = Counter(tuple(row[k] for k in SUMMARY_KEYS) for row in repository.rows(session, since, until))
    return [
        [*key, f"<{SMALL_CELL_MAX + 1}" if cells[key] <= SMALL_CELL_MAX else str(cells[key])]
        for key in sorted(cells, key=lambda k: tuple("" if v is None else str(v) for v in k))
    ]


def calls_csv(session: Session, since: datetime, until: datetime) -> Iterator[str]:
    """The row-level export as CSV text, a line at a time, its rule stated in a first comment line."""
    rows = call_rows(session, since, until)
    yield RULE + "\n"
    yield _csv_line(list(repository.COLUMNS))
    for row in rows:
        yield _csv_line(row)


def summary_csv(session: Session, since: datetime, until: datetime) -> Iterator[str]:
    """The aggregate export as CSV text, its rules stated in first comment lines."""
    cells = summary_cells(session, since, until)
    yield RULE + "\n" + SUPPRESSION + "\n"
    yield _csv_line(list(SUMMARY_COLUMNS))
    for cell in cells:
        yield _csv_line(cell)


def metadata(summary: bool) -> dict[str, str]:
    """The rules a file follows, for formats that carry metadata instead of comment lines."""
    rules = {"cadtriage.deidentification": RULE.removeprefix("# ")}
    if summary:
        rules["cadtriage.suppression"] = SUPPRESSION.removeprefix("# ")
    return rules
