"""`cadtriage export`: the de-identified exports written from the command line, as CSV or Parquet."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from cadtriage import migrations
from cadtriage.config import get_settings
from cadtriage.database_url import database_url
from cadtriage.db import Database
from cadtriage.errors import CadTriageError
from cadtriage.exports import repository, service
from cadtriage.exports.parquet import write_parquet


def export(
    since: datetime | None, until: datetime | None, *, summary: bool, file_format: str, out: Path | None
) -> int:
    """Write the row-level (or, with `summary`, the aggregate) export of calls received in [since, until) to
    `out` or standard output; the exit status (2, said plainly, for a range or format that cannot be had)."""
    if file_format == "parquet" and out is None:
        print("cadtriage: a Parquet export needs --out FILE", file=sys.stderr)
        return 2
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=30)
    with database_url(get_settings()) as url:
        migrations.upgrade(url)
        database = Database(url, pool_size=1)
        try:
            with Session(database.engine) as session, session.begin():
                if out is not None and file_format == "parquet":
                    columns, rows = _table(session, start, end, summary)
                    write_parquet(out, columns, rows, service.metadata(summary))
                    return 0
                write = service.summary_csv if summary else service.calls_csv
                lines = list(write(session, start, end))
        except CadTriageError as exc:
            print(f"cadtriage: {exc.detail}", file=sys.stderr)
            return 2
        finally:
            database.dispose()
    with open(out, "w", encoding="utf-8") if out else contextlib.nullcontext(sys.stdout) as stream:
        stream.writelines(lines)
    return 0


def _table(
    session: Session, since: datetime, until: datetime, summary: bool
) -> tuple[Sequence[str], list[list[object]]]:
    if summary:
        return service.SUMMARY_COLUMNS, service.summary_cells(session, since, until)
    return repository.COLUMNS, list(service.call_rows(session, since, until))
