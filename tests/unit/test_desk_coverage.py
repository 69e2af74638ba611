"""The crisis desk's hours: weekly spans (overnight ones too), holidays, the centre's time zone, bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cadtriage.config import Settings
from cadtriage.consults.coverage import parse_coverage

CHICAGO = "America/Chicago"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_unset_hours_mean_always_staffed() -> None:
    always = parse_coverage(None, None, "UTC")
    assert always.closed_because(at("2026-11-29T03:00:00")) is None


@pytest.mark.parametrize(
    ("utc", "staffed"),
    [
        ("2026-11-30T14:00:00", True),  # Mon 08:00 Chicago: opens
        ("2026-11-30T13:59:00", False),  # Mon 07:59
        ("2026-12-01T01:59:00", True),  # Mon 19:59
        ("2026-12-01T02:00:00", False),  # Mon 20:00: closed (the end is exclusive)
        ("2026-11-29T04:30:00", True),  # Sat 22:30: the overnight span
        ("2026-11-29T11:59:00", True),  # Sun 05:59: the same span, past midnight
        ("2026-11-29T12:00:00", False),  # Sun 06:00
    ],
)
def test_weekly_spans_in_the_centres_time_zone(utc: str, staffed: bool) -> None:
    desk = parse_coverage("mon-fri 08:00-20:00; sat 22:00-06:00", None, CHICAGO)
    assert (desk.closed_because(at(utc)) is None) is staffed


def test_a_holiday_closes_the_desk_all_its_local_day() -> None:
    desk = parse_coverage(None, "2026-12-25", CHICAGO)
    assert (
        desk.closed_because(at("2026-12-25T15:00:00")) == "the crisis desk is closed on 2026-12-25 (holiday)"
    )
    assert desk.closed_because(at("2026-12-26T05:00:00")) is not None  # still the 25th in Chicago
    assert desk.closed_because(at("2026-12-26T06:00:00")) is None


@pytest.mark.parametrize(
    ("hours", "holidays", "zone", "named"),
    [
        ("weekdays 08:00-20:00", None, "UTC", "unknown day"),
        ("mon 8-20", None, "UTC", "expected 'mon-fri 08:00-20:00'"),
        ("mon 08:00-25:00", None, "UTC", "hour must be in 0..23"),
        ("mon 08:00-08:00", None, "UTC", "needs a length"),
        (None, "25/12/2026", "UTC", "expected YYYY-MM-DD"),
        (None, None, "Mars/Olympus", "unknown time zone"),
    ],
)
def test_settings_refuse_hours_they_cannot_read(
    hours: str | None, holidays: str | None, zone: str, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        Settings(desk_hours=hours, desk_holidays=holidays, desk_timezone=zone)
