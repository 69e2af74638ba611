"""Nearest-unit search against an independent geodesic computation (geographiclib, WGS84)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from geographiclib.geodesic import Geodesic
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadtriage.units import repository
from cadtriage.units.models import Unit

# earthdistance measures on a sphere; the ellipsoid differs by well under 0.5% at Seattle's latitude.
TOLERANCE = 0.005
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _geodesic_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"])


def test_nearest_available_matches_the_geodesic_nearest_on_random_rosters(session: Session) -> None:
    rng = random.Random(20261122)
    for roster in range(3):
        session.execute(text("DELETE FROM units"))
        units = []
        for i in range(200):
            status = "available" if rng.random() < 0.7 else "on_scene"
            units.append(
                Unit(
                    call_sign=f"R{roster}-{i}",
                    unit_type=rng.choice(["police", "civilian_crisis"]),
                    status=status,
                    lat=rng.uniform(47.45, 47.75),
                    lon=rng.uniform(-122.45, -122.2),
                    location_updated_at=NOW,
                )
            )
        session.add_all(units)
        session.flush()
        for _ in range(40):
            lat, lon = rng.uniform(47.4, 47.8), rng.uniform(-122.5, -122.15)
            kind = rng.choice(["police", "civilian_crisis"])
            candidates = [u for u in units if u.status == "available" and u.unit_type == kind]
            truth = min(_geodesic_m(lat, lon, u.lat, u.lon) for u in candidates)
            found = repository.nearest_available(
                session, unit_type=kind, lat=lat, lon=lon, max_distance_m=100_000, fresh_since=None
            )
            assert found is not None
            chosen, reported = found
            chosen_true = _geodesic_m(lat, lon, chosen.lat, chosen.lon)
            assert chosen.status == "available"
            assert chosen.unit_type == kind
            assert chosen_true <= truth * (1 + TOLERANCE) + 1
            assert abs(reported - chosen_true) <= chosen_true * TOLERANCE + 1


def test_the_maximum_distance_is_respected(session: Session) -> None:
    session.execute(text("DELETE FROM units"))
    session.add(
        Unit(
            call_sign="FAR",
            unit_type="police",
            status="available",
            lat=47.6,
            lon=-122.3,
            location_updated_at=NOW,
        )
    )
    session.flush()
    point = (47.6 + 0.01, -122.3)  # about 1,112 m north
    assert (
        repository.nearest_available(
            session, unit_type="police", lat=point[0], lon=point[1], max_distance_m=1_000, fresh_since=None
        )
        is None
    )
    assert (
        repository.nearest_available(
            session, unit_type="police", lat=point[0], lon=point[1], max_distance_m=1_200, fresh_since=None
        )
        is not None
    )


def test_the_search_uses_the_knn_index(session: Session) -> None:
    session.execute(text("SET LOCAL enable_seqscan = off"))  # an empty test table would otherwise be scanned
    plan = "\n".join(
        row[0]
        for row in session.execute(
            text(
                "EXPLAIN SELECT id FROM units WHERE unit_type = 'police' AND status = 'available' "
                "ORDER BY position <-> ll_to_earth(47.6, -122.3) LIMIT 1"
            )
        )
    )
    assert "ix_units_available_type_position" in plan
    assert "Order By" in plan
