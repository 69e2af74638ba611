"""The console's page and assets as the service serves them: no CDN, a strict content policy, and the service
area for its map. What the page does is tested in a real browser (tests/browser)."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from cadtriage.api.console import content_policy, page_config
from cadtriage.config import Settings

STATIC = resources.files("cadtriage") / "console" / "static"


def test_the_page_and_its_assets_are_served_without_a_key(client: TestClient) -> None:
    page = client.get("/console", headers={"Authorization": ""})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    for asset in re.findall(r'(?:src|href)="(/console/static/[^"]+)"', page.text):
        served = client.get(asset, headers={"Authorization": ""})
        assert served.status_code == 200, asset
        assert served.headers["cache-control"] == "no-cache"  # revalidated: no stale module after an upgrade
    assert client.head("/console", headers={"Authorization": ""}).status_code == 200


def test_nothing_is_loaded_from_another_origin() -> None:
    """A centre's network is isolated: every asset is the package's own, no CDN, no web font."""
    for asset in STATIC.iterdir():
        text = asset.read_text(encoding="utf-8")
        origins = set(re.findall(r"https?://[^\s\"'`)]+", text)) - {"http://www.w3.org/2000/svg"}
        assert origins == set(), (asset.name, origins)


def test_the_config_gives_the_service_area_for_the_map(db_url: str) -> None:
    settings = Settings(database_url=db_url, service_area="-122.46,47.48,-122.22,47.76")
    assert page_config(settings)["service_area"] == {
        "west": -122.46,
        "south": 47.48,
        "east": -122.22,
        "north": 47.76,
        "polygons": [],
    }


def test_a_tile_server_is_allowed_as_an_image_source_only() -> None:
    policy = content_policy("https://tiles.centre.local/{z}/{x}/{y}.png")
    assert "img-src 'self' data: https://tiles.centre.local;" in policy
    assert "connect-src 'self';" in policy


@pytest.mark.parametrize(
    "url", ["https://tiles.example/{x}/{y}.png", "ftp://tiles/{z}/{x}/{y}", "javascript:{z}{x}{y}"]
)
def test_a_tile_url_without_z_x_y_over_http_is_refused_at_start(db_url: str, url: str) -> None:
    with pytest.raises(ValidationError, match="console_tile_url"):
        Settings(database_url=db_url, console_tile_url=url)
