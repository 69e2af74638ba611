"""The supervisor's console: a page served by the service itself, from files shipped in the package.

No build step and no CDN (a 911 centre's network is often isolated): plain HTML, CSS and JavaScript modules in
`cadtriage/console/static`. The page holds no data of its own; it signs in with an API key and reads the same
`/v1` endpoints and event stream any client does, so the API's role checks decide what it may show.
"""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from cadtriage.config import Settings

STATIC = "/console/static"


def install_console(app: FastAPI, settings: Settings) -> None:
    """Serve /console, its assets and its configuration (the service area's outline, optional map tiles)."""
    files = resources.files("cadtriage") / "console" / "static"
    app.mount(STATIC, _Revalidated(directory=str(files)), name="console-static")
    page = (files / "index.html").read_text(encoding="utf-8")
    headers = {
        "Content-Security-Policy": content_policy(settings.console_tile_url),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    config = page_config(settings)

    @app.api_route("/console", methods=["GET", "HEAD"], include_in_schema=False)
    async def console() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    @app.get("/console/config.json", include_in_schema=False)
    async def console_config() -> JSONResponse:
        return JSONResponse(config, headers={"Cache-Control": "no-store"})


class _Revalidated(StaticFiles):
    """The console's scripts, revalidated on every load (ETag): after an upgrade, no browser mixes a cached old
    module with the new page."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


def content_policy(tile_url: str | None) -> str:
    """The page's Content-Security-Policy."""
    # Scripts, styles and connections only from this service: a narrative holding markup cannot run, and the
    # page cannot send what it shows anywhere else. Images also from the centre's tile server, when it has one.
    images = "'self' data:"
    if tile_url:
        parts = urlsplit(tile_url)
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        f"img-src {images}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def page_config(settings: Settings) -> dict[str, Any]:
    """What the page needs to know of the settings: the service area's outline and the optional tiles."""
    area = settings.area
    outline = None
    if area is not None:
        outline = {
            "west": area.west,
            "south": area.south,
            "east": area.east,
            "north": area.north,
            "polygons": [[list(map(list, ring)) for ring in polygon] for polygon in area.polygons],
        }
    return {
        "service_area": outline,
        "tile_url": settings.console_tile_url,
        "tile_attribution": settings.console_tile_attribution,
    }
