"""A real service (`cadtriage serve`, two workers, the demo roster) and headless Chromium driving its console.

Chromium and its driver come from Debian's packages (`apt-get install chromium chromium-driver`); a browser that a
Python package would download cannot be installed where only package registries are reachable. Without them these
tests are skipped, unless CADTRIAGE_REQUIRE_BROWSER is set (CI sets it: there, a missing browser is a failure).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from cadtriage.seed import seed_demo_if_empty
from tests.browser.relay import Relay
from tests.integration.servers import start_serve, stop
from tests.pg import PgServer

pytestmark = pytest.mark.slow


@dataclass
class Console:
    """The service: its URL for the test's own requests, the URL the browser uses (through a relay that can cut
    the network), and the demo keys by role."""

    api: str
    page: str
    keys: dict[str, str]
    relay: Relay

    def client(self, role: str) -> httpx.Client:
        """An API client speaking as the demo key of `role`, straight to the service."""
        return httpx.Client(
            base_url=self.api, headers={"Authorization": f"Bearer {self.keys[role]}"}, timeout=10
        )


@pytest.fixture(scope="module")
def console(pg: PgServer) -> Iterator[Console]:
    url = pg.copy()
    printed = seed_demo_if_empty(url)
    keys = dict(re.findall(r"^\s+(\w+)\s+\S+\s+(ctk_\S+)$", printed, flags=re.MULTILINE))
    # Streams of a revoked key end within a second; the console then signs out.
    process, base = start_serve(url, workers=2, CADTRIAGE_SSE_KEY_CHECK_S="1", CADTRIAGE_LOG_LEVEL="warning")
    relay = Relay(int(base.rsplit(":", 1)[1]))
    try:
        yield Console(api=base, page=f"http://127.0.0.1:{relay.port}", keys=keys, relay=relay)
    finally:
        relay.close()
        output = stop(process)
        assert "Traceback" not in output, output


def _chromium() -> tuple[str, str]:
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    why = "headless Chromium is not installed: apt-get install chromium chromium-driver"
    if os.environ.get("CADTRIAGE_REQUIRE_BROWSER"):
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium at a dispatch monitor's size, 1920x1080."""
    binary, driver = _chromium()
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.binary_location = binary
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    resize(chrome, 1920, 1080)
    try:
        yield chrome
    finally:
        chrome.quit()


def resize(chrome: webdriver.Chrome, width: int, height: int) -> None:
    """Set the page's viewport to exactly width x height."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    chrome.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def screenshot(chrome: webdriver.Chrome, name: str) -> None:
    """Save the page as docs/console/<name>.png when CADTRIAGE_CONSOLE_SCREENSHOTS names a folder."""
    folder = os.environ.get("CADTRIAGE_CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        chrome.save_screenshot(str(Path(folder) / f"{name}.png"))
