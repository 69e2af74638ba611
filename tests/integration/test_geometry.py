"""The dispatch search computes its point and box in Python: they must be exactly earthdistance's."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.units import geometry
from cadtriage.units import repository as units

# Degrees to 1e-7, as the API stores them (a subnormal float would underflow PostgreSQL's trigonometry).
LATITUDES = st.integers(min_value=-899_000_000, max_value=899_000_000).map(lambda v: v / 1e7)
LONGITUDES = st.integers(min_value=-1_800_000_000, max_value=1_800_000_000).map(lambda v: v / 1e7)
RADII = st.integers(min_value=1, max_value=200_000_000).map(lambda v: v / 1e3)


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lat=LATITUDES, lon=LONGITUDES, radius_m=RADII)
def test_point_box_and_distances_match_postgresql(
    session: Session, lat: float, lon: float, radius_m: float
) -> None:
    row = session.execute(
        text(
            "SELECT cube_ll_coord(ll_to_earth(:lat, :lon), 1), cube_ll_coord(ll_to_earth(:lat, :lon), 2), "
            "cube_ll_coord(ll_to_earth(:lat, :lon), 3), gc_to_sec(:r), sec_to_gc(gc_to_sec(:r)), "
            "cube_ll_coord(earth_box(ll_to_earth(:lat, :lon), :r), 1), "
            "cube_ur_coord(earth_box(ll_to_earth(:lat, :lon), :r), 3)"
        ),
        {"lat": lat, "lon": lon, "r": radius_m},
    ).one()
    x, y, z, chord, back, low_x, high_z = row
    assert geometry.earth_point(lat, lon) == pytest.approx((x, y, z), abs=1e-6)
    assert geometry.chord_m(radius_m) == pytest.approx(chord, abs=1e-6)
    assert geometry.great_circle_m(chord) == pytest.approx(back, abs=1e-6)
    low, high = geometry.search_box(lat, lon, radius_m)
    assert low[0] == pytest.approx(low_x, abs=1e-6)
    assert high[2] == pytest.approx(high_z, abs=1e-6)


def test_a_unit_just_inside_range_is_found_and_just_outside_is_not(session: Session) -> None:
    # The range is a great-circle distance: compare with earth_distance itself, a metre either side.
    session.execute(
        text(
            "INSERT INTO units (call_sign, unit_type, status, lat, lon, location_updated_at) "
            "VALUES ('R-1', 'police', 'available', 47.70, -122.30, now())"
        )
    )
    exact = session.execute(
        text("SELECT earth_distance(ll_to_earth(47.70, -122.30), ll_to_earth(47.60, -122.33))")
    ).scalar_one()
    search = {"unit_type": "police", "lat": 47.60, "lon": -122.33, "fresh_since": None}
    found = units.nearest_available(session, **search, max_distance_m=exact + 1)
    assert found is not None
    assert found[1] == pytest.approx(exact, abs=1e-6)
    assert units.nearest_available(session, **search, max_distance_m=exact - 1) is None
    assert units.any_available(session, unit_type="police", lat=47.60, lon=-122.33, max_distance_m=exact + 1)
