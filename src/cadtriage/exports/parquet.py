"""The de-identified exports as Parquet, for researchers whose tools read it: the same rows and cells as the CSV
files, typed, with the de-identification and suppression rules in the file's metadata.

pyarrow is an optional dependency (`pip install 'cadtriage[parquet]'`): the service never needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from cadtriage.errors import Unprocessable

# Arrow types of the row export's columns (`exports.repository.COLUMNS`); the rest are strings.
_INTEGERS = {"priority", "escalations", "referrals_made", "referrals_accepted"}
_BOOLEANS = {"notify_ems", "police_backup_requested", "use_of_force", "injury", "repeat_within_30d"}
_SECONDS = {"received_to_assigned_s", "received_to_on_scene_s", "on_scene_to_clear_s"}


def write_parquet(
    path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]], metadata: dict[str, str]
) -> None:
    """Write rows (values in `columns` order) to a Parquet file with these key-value metadata."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as error:
        raise Unprocessable(
            "Parquet needs pyarrow: pip install 'cadtriage[parquet]'",
            errors=[{"field": "format", "message": "pyarrow is not installed"}],
        ) from error
    kinds = {name: _arrow_type(pa, name) for name in columns}
    values: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for i, value in enumerate(row):
            values[i].append(float(value) if isinstance(value, Decimal) else value)
    schema = pa.schema([pa.field(name, kinds[name]) for name in columns], metadata=metadata)
    table = pa.Table.from_arrays(
        [pa.array(v, type=kinds[n]) for n, v in zip(columns, values, strict=True)], schema=schema
    )
    pq.write_table(table, path)


def _arrow_type(pa: Any, name: str) -> Any:
    if name in _INTEGERS:
        return pa.int32()
    if name in _BOOLEANS:
        return pa.bool_()
    if name in _SECONDS:
        return pa.float64()
    return pa.string()
