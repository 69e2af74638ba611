"""The supervisor's console in headless Chromium against `cadtriage serve`: sign-in, the seeded units on the map,
a call appearing within 2 s, a queue draining when a unit frees, a network blip survived without losing events,
keyboard use, and signing out when the key is revoked."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import Console, resize, screenshot

pytestmark = pytest.mark.slow

DOWNTOWN = (47.6097, -122.3331)
CIVILIAN_CALL = {
    "call_type": "WELFARE CHECK",
    "narrative": "elderly man sitting at the bus stop for hours, confused, not aggressive, no weapons",
    "screening": {"weapons": False, "violence": False, "medical_emergency": False},
}


def until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = check()
        except StaleElementReferenceException:  # the console re-rendered what the check had found: look again
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def text_of(browser: Chrome, selector: str) -> str:
    """An element's text, found again when the console re-rendered it between finding and reading."""
    for _ in range(40):
        try:
            return str(browser.find_element(By.CSS_SELECTOR, selector).text)
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError(f"{selector} kept being re-rendered")


def click(browser: Chrome, selector: str) -> None:
    """Click an element, found again when the console re-rendered it between finding and clicking."""
    for _ in range(40):
        try:
            browser.find_element(By.CSS_SELECTOR, selector).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError(f"{selector} kept being re-rendered")


def present(browser: Chrome, selector: str) -> bool:
    return bool(browser.find_elements(By.CSS_SELECTOR, selector))


def shown(browser: Chrome, element_id: str) -> Any:
    """The element, when it is displayed."""
    element = browser.find_element(By.ID, element_id)
    return element if element.is_displayed() else None


def sign_in(browser: Chrome, console: Console, key: str) -> None:
    browser.get(f"{console.page}/console")
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.CSS_SELECTOR, "#sign-in-form button[type=submit]").click()


def signed_in(browser: Chrome, console: Console, role: str) -> None:
    sign_in(browser, console, console.keys[role])
    until(lambda: browser.find_element(By.ID, "connection").text == "live", 10, "the event stream live")
    until(lambda: present(browser, "#map [data-unit-id]"), 10, "units on the map")


_taken = iter(range(1, 10_000))


def post_call(console: Console, **record: Any) -> dict[str, Any]:
    lat, lon = record.pop("at", DOWNTOWN)
    body = {
        "external_id": f"WEB-{next(_taken)}-{time.time_ns()}",
        "location": {"lat": lat, "lon": lon},
        **record,
    }
    with console.client("dispatcher") as api:
        response = api.post("/v1/calls", json=body)
    assert response.status_code == 201, response.text
    taken: dict[str, Any] = response.json()
    return taken


def test_a_supervisor_sees_the_roster_and_a_new_call_within_two_seconds(
    browser: Chrome, console: Console
) -> None:
    signed_in(browser, console, "supervisor")
    with console.client("supervisor") as api:
        units = api.get("/v1/units", params={"limit": 500}).json()["items"]
    until(
        lambda: len(browser.find_elements(By.CSS_SELECTOR, "#map [data-unit-id]")) == len(units),
        5,
        "every unit",
    )
    counts = text_of(browser, "#counts tr[data-type=police] td[data-status=available]")
    assert int(counts) == sum(1 for u in units if u["unit_type"] == "police" and u["status"] == "available")

    started = time.monotonic()
    taken = post_call(
        console, call_type="ASSAULT", narrative="two men fighting outside the bar, one has a knife"
    )
    until(lambda: present(browser, f"#map [data-call-id='{taken['id']}']"), 2, "the call on the map")
    until(
        lambda: present(browser, f"#active [data-call-id='{taken['id']}']"),
        2 - (time.monotonic() - started),
        "the call listed",
    )
    unit_id = taken["assignment"]["unit_id"]
    until(
        lambda: (
            browser.find_element(By.CSS_SELECTOR, f"#map [data-unit-id='{unit_id}']").get_attribute(
                "data-status"
            )
            == "dispatched"
        ),
        2,
        "its unit shown busy",
    )
    others = [
        post_call(
            console,
            call_type="MENTAL HEALTH",
            narrative="son hearing voices, pacing",
            at=(47.6205, -122.3493),
        ),
        post_call(console, **CIVILIAN_CALL, at=(47.6588, -122.3130)),
    ]
    for other in others:
        until(
            lambda other=other: present(browser, f"#active [data-call-id='{other['id']}']"),
            3,
            "every call listed",
        )
    screenshot(browser, "console-1920x1080")
    click(browser, f"#active [data-call-id='{taken['id']}']")
    detail = until(
        lambda: (
            browser.find_element(By.ID, "detail").is_displayed() and browser.find_element(By.ID, "detail")
        ),
        3,
        "the call's detail",
    )
    until(lambda: "Timeline" in detail.text, 3, "the timeline")
    assert "safety.weapon_and_violence" in detail.text
    assert "“knife” in the narrative" in detail.text
    assert taken["assignment"]["call_sign"] in detail.text
    screenshot(browser, "call-detail")
    resize(browser, 1366, 768)
    time.sleep(0.3)
    screenshot(browser, "console-1366x768")


@pytest.fixture
def one_civilian_team(console: Console) -> Iterator[int]:
    """Every available civilian crisis team out of service but one; all put back afterwards."""
    with console.client("supervisor") as api:
        free = [
            u["id"]
            for u in api.get("/v1/units", params={"unit_type": "civilian_crisis", "limit": 500}).json()[
                "items"
            ]
            if u["status"] == "available"
        ]
        for unit_id in free[1:]:
            assert (
                api.post(f"/v1/units/{unit_id}/status", json={"status": "out_of_service"}).status_code == 200
            )
        yield free[0]
        for unit_id in free[1:]:
            api.post(f"/v1/units/{unit_id}/status", json={"status": "available"})


def test_the_queue_fills_and_drains_as_a_unit_frees(
    browser: Chrome, console: Console, one_civilian_team: int
) -> None:
    signed_in(browser, console, "dispatcher")
    first = post_call(console, **CIVILIAN_CALL)
    assert first["assignment"]["unit_id"] == one_civilian_team
    waiting = post_call(console, **CIVILIAN_CALL)
    assert waiting["status"] == "queued"
    row = f"#queue [data-call-id='{waiting['id']}']"
    until(lambda: present(browser, row), 2, "the waiting call in the queue")
    assert "escalates in 14:" in browser.find_element(By.CSS_SELECTOR, row).text
    screenshot(browser, "console-queue")
    with console.client("dispatcher") as api:
        api.post(f"/v1/calls/{first['id']}/status", json={"status": "on_scene"})
        closed = api.post(
            f"/v1/calls/{first['id']}/status", json={"status": "closed", "disposition": "resolved"}
        )
        assert closed.status_code == 200
    until(lambda: not present(browser, row), 2, "the queue drained")
    active = f"#active [data-call-id='{waiting['id']}']"
    until(
        lambda: (
            "assigned" in browser.find_element(By.CSS_SELECTOR, active).find_element(By.XPATH, "../..").text
        ),
        2,
        "the call assigned",
    )
    assert not present(browser, f"#active [data-call-id='{first['id']}']")  # closed: no longer open


def test_a_network_blip_loses_no_event(browser: Chrome, console: Console) -> None:
    signed_in(browser, console, "supervisor")
    console.relay.cut()
    until(lambda: browser.find_element(By.ID, "connection").text == "reconnecting…", 5, "the page noticing")
    during = [post_call(console, call_type="NOISE", narrative="loud music next door") for _ in range(3)]
    console.relay.restore()
    until(lambda: browser.find_element(By.ID, "connection").text == "live", 10, "the stream back")
    for taken in during:  # only the replayed events can bring these: nothing else happened since
        until(
            lambda taken=taken: present(browser, f"#active [data-call-id='{taken['id']}']"),
            3,
            f"call {taken['id']}",
        )


def test_calls_at_one_address_are_each_visible_and_a_detail_shows_no_gaps(
    browser: Chrome, console: Console, one_civilian_team: int
) -> None:
    signed_in(browser, console, "supervisor")
    same_place = (47.6150, -122.3400)
    taken = [post_call(console, **CIVILIAN_CALL, at=same_place) for _ in range(3)]  # two of them wait
    markers = [f"#map [data-call-id='{t['id']}']" for t in taken]
    until(lambda: all(present(browser, m) for m in markers), 3, "every call on the map")
    places = {browser.find_element(By.CSS_SELECTOR, m).get_attribute("transform") for m in markers}
    assert len(places) == 3  # fanned out, not stacked under one another
    waiting = next(t for t in taken if t["status"] == "queued")
    row = f"#queue [data-call-id='{waiting['id']}']"
    until(lambda: present(browser, row), 3, "the waiting call in the queue")
    click(browser, row)
    detail = until(lambda: shown(browser, "detail"), 3, "the waiting call's detail")
    until(lambda: "Timeline" in detail.text, 3, "its timeline")
    assert "null" not in detail.text  # no unit and no caller: the sections are absent, not "null"
    with console.client("dispatcher") as api:
        for t in taken:
            api.post(f"/v1/calls/{t['id']}/cancel", json={"reason": "test over"})


def test_a_reload_while_the_service_is_unreachable_keeps_the_key(browser: Chrome, console: Console) -> None:
    """As when the service restarts under a reloading page: the page loads, the API does not answer."""
    signed_in(browser, console, "supervisor")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/v1/me"]})
    browser.refresh()
    message = until(lambda: browser.find_element(By.ID, "sign-in-error").text, 10, "the page saying why")
    assert "Cannot reach the service" in message
    assert browser.execute_script("return sessionStorage.length") == 1  # not thrown away
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    until(lambda: browser.find_element(By.ID, "connection").text == "live", 15, "signed in again by itself")


def test_the_keyboard_opens_and_closes_a_units_detail(browser: Chrome, console: Console) -> None:
    signed_in(browser, console, "supervisor")
    marker = browser.find_element(By.CSS_SELECTOR, "#map [data-unit-id]")
    marker.send_keys(Keys.ENTER)
    detail = until(
        lambda: (
            browser.find_element(By.ID, "detail").is_displayed() and browser.find_element(By.ID, "detail")
        ),
        3,
        "the unit's detail",
    )
    assert "capabilities" in detail.text
    label = marker.get_attribute("aria-label")
    assert label is not None
    assert label.split(",")[0] in detail.text
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    until(lambda: not browser.find_element(By.ID, "detail").is_displayed(), 2, "the detail closed")
    focused = browser.switch_to.active_element.get_attribute("data-unit-id")
    assert focused == marker.get_attribute("data-unit-id")  # back on the marker that opened it


def test_a_key_that_may_not_use_the_console_is_refused(browser: Chrome, console: Console) -> None:
    sign_in(browser, console, console.keys["clinician"])
    error = until(lambda: browser.find_element(By.ID, "sign-in-error").text, 5, "the refusal")
    assert "dispatcher or supervisor" in error
    assert not browser.find_element(By.ID, "console").is_displayed()
    assert browser.execute_script("return sessionStorage.length") == 0


def test_revoking_the_key_signs_the_page_out(browser: Chrome, console: Console) -> None:
    with console.client("admin") as admin:
        created = admin.post("/v1/keys", json={"name": f"wall-{time.time_ns()}", "role": "supervisor"}).json()
    sign_in(browser, console, created["key"])
    until(lambda: browser.find_element(By.ID, "connection").text == "live", 10, "signed in")
    assert browser.execute_script("return sessionStorage.length") == 1
    with console.client("admin") as admin:
        assert admin.post(f"/v1/keys/{created['name']}/revoke").status_code == 200
    until(lambda: browser.find_element(By.ID, "sign-in").is_displayed(), 10, "the page signed out")
    assert "refused" in browser.find_element(By.ID, "sign-in-error").text
    assert browser.execute_script("return sessionStorage.length") == 0
    assert not browser.find_element(By.ID, "console").is_displayed()
