"""What every report over a time range shares: the range it accepts, and how it rounds times and shares."""

from __future__ import annotations

from datetime import datetime, timedelta

from cadtriage.errors import Unprocessable


def require_window(since: datetime, until: datetime, *, longest: timedelta | None = None) -> None:
    """Refuse (422) a range that is empty or backwards, or, with `longest`, longer than that."""
    if until <= since:
        raise Unprocessable(
            "until must be after since", errors=[{"field": "until", "message": "not after since"}]
        )
    if longest is not None and until - since > longest:
        raise Unprocessable(
            f"at most {longest.days} days at a time",
            errors=[{"field": "since", "message": f"more than {longest.days} days"}],
        )


def seconds(value: float | None) -> float | None:
    """A duration in seconds to a tenth, or None when there is none."""
    return None if value is None else round(float(value), 1)


def share(part: int, whole: int) -> float | None:
    """`part` of `whole` to four places, or None when `whole` is empty."""
    return round(part / whole, 4) if whole else None
