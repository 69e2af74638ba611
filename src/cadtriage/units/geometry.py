"""The earthdistance model in Python: points on a sphere as 3-D cube coordinates, as PostgreSQL stores them.

`units.position` is `ll_to_earth(lat, lon)`, a point in metres on a sphere of radius `earth()`. Computing the
search point and box here, and sending them as arrays of coordinates, keeps `ll_to_earth` and `earth_box` (SQL
functions the planner must inline on every execution) out of the dispatch search, whose planning otherwise cost
more than running it. The formulas are earthdistance's own, so the results match the SQL functions.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6378168.0  # earthdistance's earth()


def earth_point(lat: float, lon: float) -> tuple[float, float, float]:
    """`ll_to_earth(lat, lon)`: the point's x, y, z in metres."""
    la, lo = math.radians(lat), math.radians(lon)
    return (
        EARTH_RADIUS_M * math.cos(la) * math.cos(lo),
        EARTH_RADIUS_M * math.cos(la) * math.sin(lo),
        EARTH_RADIUS_M * math.sin(la),
    )


def chord_m(great_circle_m: float) -> float:
    """`gc_to_sec`: the straight-line distance through the earth between two points this far apart."""
    return 2 * EARTH_RADIUS_M * math.sin(min(great_circle_m, math.pi * EARTH_RADIUS_M) / (2 * EARTH_RADIUS_M))


def great_circle_m(chord: float) -> float:
    """`sec_to_gc`: the distance along the surface between two points `chord` metres apart in a straight line."""
    return 2 * EARTH_RADIUS_M * math.asin(min(max(chord, 0.0), 2 * EARTH_RADIUS_M) / (2 * EARTH_RADIUS_M))


def search_box(lat: float, lon: float, radius_m: float) -> tuple[list[float], list[float]]:
    """`earth_box(ll_to_earth(lat, lon), radius_m)`'s corners: every point within range lies inside."""
    r = chord_m(radius_m)
    centre = earth_point(lat, lon)
    return [c - r for c in centre], [c + r for c in centre]
