"""When the crisis desk is staffed: weekly hours and holidays, in the centre's time zone.

`CADTRIAGE_DESK_HOURS` is a list of `days start-end` spans separated by `;`, days as `mon`..`sun`, ranges
(`mon-fri`) or lists (`sat,sun`); times `HH:MM`, `24:00` for midnight at the end of the day. A span that ends
before it starts runs past midnight into the next day (`fri 22:00-06:00`). Unset: always staffed.
`CADTRIAGE_DESK_HOLIDAYS` lists closed dates (`2026-12-25,2027-01-01`), local to the time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(?P<days>[a-z,-]+)\s+(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$")


@dataclass(frozen=True)
class Coverage:
    """The desk's hours: per weekday (0 = Monday), the minute ranges [start, end) it is staffed."""

    weekly: tuple[tuple[tuple[int, int], ...], ...] | None  # None: always staffed
    holidays: frozenset[date]
    zone: ZoneInfo

    def closed_because(self, at: datetime) -> str | None:
        """Why the desk is closed at `at`, or None when it is staffed."""
        local = at.astimezone(self.zone)
        if local.date() in self.holidays:
            return f"the crisis desk is closed on {local.date().isoformat()} (holiday)"
        if self.weekly is None:
            return None
        minute = local.hour * 60 + local.minute
        if any(start <= minute < end for start, end in self.weekly[local.weekday()]):
            return None
        return f"the crisis desk is not staffed at {local.strftime('%a %H:%M')} {self.zone.key}"


def parse_coverage(hours: str | None, holidays: str | None, timezone: str) -> Coverage:
    """Read the desk's hours, holidays and time zone; ValueError naming what cannot be read."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {timezone!r}") from error
    weekly = _weekly(hours) if hours and hours.strip() else None
    closed = frozenset(_date(text.strip()) for text in (holidays or "").split(",") if text.strip())
    return Coverage(weekly, closed, zone)


def _weekly(hours: str) -> tuple[tuple[tuple[int, int], ...], ...]:
    days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    for span in (part.strip().lower() for part in hours.split(";")):
        if not span:
            continue
        found = _SPAN.match(span)
        if found is None:
            raise ValueError(f"desk hours {span!r}: expected 'mon-fri 08:00-20:00'")
        start, end = _minute(found["start"]), _minute(found["end"])
        if start == end:
            raise ValueError(f"desk hours {span!r}: a span needs a length")
        for day in _days(found["days"]):
            if end > start:
                days[day].append((start, end))
            else:  # past midnight: the rest of this day and the start of the next
                days[day].append((start, 24 * 60))
                days[(day + 1) % 7].append((0, end))
    return tuple(tuple(sorted(ranges)) for ranges in days)


def _days(text: str) -> list[int]:
    out: list[int] = []
    for item in text.split(","):
        first, _, last = item.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"desk hours: unknown day in {item!r}; use {', '.join(DAYS)}")
        a, b = DAYS.index(first), DAYS.index(last or first)
        out += [d % 7 for d in range(a, b + 1 if b >= a else b + 8)]
    return out


def _minute(text: str) -> int:
    hour, minute = (int(part) for part in text.split(":"))
    if text == "24:00":
        return 24 * 60
    time(hour, minute)  # ValueError for 25:00 or 08:61
    return hour * 60 + minute


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"desk holiday {text!r}: expected YYYY-MM-DD") from error
