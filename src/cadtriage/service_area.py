"""The area a centre serves: a call or a unit placed outside it is almost always a typo, not a place.

A sign slip (`lon 122.33` for `-122.33`) put a call on the other side of the planet, where it queued in silence.
`CADTRIAGE_SERVICE_AREA` is a bounding box `west,south,east,north` in degrees, or the path of a GeoJSON file with
the area's polygon(s) (a Polygon, MultiPolygon, Feature or FeatureCollection). Pure: no I/O but reading that file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cadtriage.errors import Unprocessable

Ring = tuple[tuple[float, float], ...]  # (lon, lat) pairs, GeoJSON's order
Polygon = tuple[Ring, ...]  # the outer ring, then its holes


@dataclass(frozen=True)
class ServiceArea:
    """A bounding box, and optionally the polygons inside it that the centre actually serves."""

    west: float
    south: float
    east: float
    north: float
    polygons: tuple[Polygon, ...] = ()

    def contains(self, lat: float, lon: float) -> bool:
        """Whether a point lies in the area (a point on an edge may fall either way)."""
        in_longitude = (
            self.west <= lon <= self.east if self.west <= self.east else lon >= self.west or lon <= self.east
        )
        if not (self.south <= lat <= self.north and in_longitude):
            return False
        return not self.polygons or any(_inside(polygon, lon, lat) for polygon in self.polygons)

    def describe(self) -> str:
        """The area in words, for an error message."""
        box = f"{self.west},{self.south},{self.east},{self.north}"
        return f"{len(self.polygons)} polygon(s) within {box}" if self.polygons else f"the box {box}"


def refuse_outside(area: ServiceArea | None, lat: float, lon: float, *, mutual_aid: bool) -> None:
    """A 422 naming `location` when the point is outside the configured area, unless the request says it is
    there on purpose (`mutual_aid`). No area configured: no check."""
    if area is None or mutual_aid or area.contains(lat, lon):
        return
    message = (
        f"({lat}, {lon}) is outside the service area ({area.describe()}); check the signs of the coordinates, "
        "or send mutual_aid: true for a place outside the area on purpose"
    )
    raise Unprocessable("invalid fields: location", errors=[{"field": "location", "message": message}])


def parse_service_area(value: str) -> ServiceArea:
    """A service area from the setting's text: `west,south,east,north`, or a GeoJSON file's path."""
    parts = value.split(",")
    if len(parts) == 4:
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError:
            raise ValueError(f"{value!r} is not west,south,east,north in degrees") from None
        return _checked_box(west, south, east, north)
    path = Path(value).expanduser()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(
            f"{value!r} is neither west,south,east,north nor a readable file ({exc.strerror})"
        ) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not GeoJSON: {exc.msg} at line {exc.lineno}") from None
    polygons = tuple(_polygons(document))
    if not polygons:
        raise ValueError(f"{path} has no Polygon or MultiPolygon")
    lons = [lon for polygon in polygons for lon, _ in polygon[0]]
    lats = [lat for polygon in polygons for _, lat in polygon[0]]
    box = _checked_box(min(lons), min(lats), max(lons), max(lats))
    return ServiceArea(box.west, box.south, box.east, box.north, polygons)


def _checked_box(west: float, south: float, east: float, north: float) -> ServiceArea:
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        raise ValueError(
            "the box must be west,south,east,north with -180 <= lon <= 180 and -90 <= south < north <= 90"
        )
    return ServiceArea(west, south, east, north)


def _polygons(node: Any) -> list[Polygon]:
    # GeoJSON nests geometries in Features and FeatureCollections; only areas count.
    kind = node.get("type") if isinstance(node, dict) else None
    if kind == "FeatureCollection":
        return [polygon for feature in node.get("features", []) for polygon in _polygons(feature)]
    if kind == "Feature":
        return _polygons(node.get("geometry"))
    if kind == "Polygon":
        return [_polygon(node["coordinates"])]
    if kind == "MultiPolygon":
        return [_polygon(rings) for rings in node["coordinates"]]
    return []


def _polygon(rings: list[list[list[float]]]) -> Polygon:
    return tuple(tuple((float(point[0]), float(point[1])) for point in ring) for ring in rings)


def _inside(polygon: Polygon, x: float, y: float) -> bool:
    # Even-odd rule over every ring: a point in a hole crosses the outer ring and the hole's, and is outside.
    inside = False
    for ring in polygon:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside
