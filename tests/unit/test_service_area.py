"""The service area as a pure value: boxes, polygons with holes, GeoJSON's shapes, and plain errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadtriage.service_area import ServiceArea, parse_service_area

# A square with a square hole (GeoJSON order: lon, lat).
OUTER = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
HOLE = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]


def _file(tmp_path: Path, document: object) -> str:
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(document))
    return str(path)


def test_a_box_holds_what_lies_within_it() -> None:
    area = parse_service_area("-122.46,47.48,-122.22,47.76")
    assert area.contains(47.6, -122.33)
    assert not area.contains(47.6, 122.33)  # the sign typo
    assert not area.contains(-47.6, -122.33)


def test_a_box_across_the_antimeridian() -> None:
    area = parse_service_area("170,-20,-170,-10")  # Fiji-like: west > east
    assert area.contains(-15, 175)
    assert area.contains(-15, -175)
    assert not area.contains(-15, 0)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda g: g,
        lambda g: {"type": "Feature", "properties": {}, "geometry": g},
        lambda g: {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": g}]},
    ],
)
def test_a_polygon_with_a_hole_in_any_geojson_wrapping(tmp_path: Path, wrap: object) -> None:
    geometry = {"type": "Polygon", "coordinates": [OUTER, HOLE]}
    area = parse_service_area(_file(tmp_path, wrap(geometry)))  # type: ignore[operator]
    assert area.contains(2, 2)
    assert not area.contains(5, 5)  # the hole
    assert not area.contains(11, 5)


def test_a_multipolygon_serves_each_part(tmp_path: Path) -> None:
    far = [[20, 20], [30, 20], [30, 30], [20, 30], [20, 20]]
    area = parse_service_area(_file(tmp_path, {"type": "MultiPolygon", "coordinates": [[OUTER], [far]]}))
    assert area.contains(25, 25)
    assert area.contains(1, 1)
    assert not area.contains(15, 15)  # inside the bounding box, between the parts


@given(st.floats(-1, 11), st.floats(-1, 11))
def test_a_rectangle_polygon_agrees_with_the_same_box(lat: float, lon: float) -> None:
    ring = tuple((float(x), float(y)) for x, y in OUTER)
    polygon = ServiceArea(0, 0, 10, 10, ((ring,),))
    box = parse_service_area("0,0,10,10")
    if lat not in (0, 10) and lon not in (0, 10):  # edges may fall either way
        assert polygon.contains(lat, lon) == box.contains(lat, lon)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("-122.46,47.48,-122.22", "neither"),
        ("a,b,c,d", "not west,south,east,north"),
        ("0,50,10,40", "south < north"),
        ("/no/such/area.geojson", "readable file"),
    ],
)
def test_an_area_that_cannot_be_read_is_refused_plainly(value: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_service_area(value)


def test_a_geojson_file_without_an_area_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no Polygon"):
        parse_service_area(_file(tmp_path, {"type": "Point", "coordinates": [0, 0]}))
