"""Names are plain text in the app, and the app page asks nothing of any other host (issue 13).

``python -m geo app`` on 127.0.0.1 with the bi-borough demo whose hub and venue names are Markdown
links and images, spreadsheet formulas and path-like ids (:mod:`tests.test_safety`); Chromium
(Playwright) records every request the page and its frames make.
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest

from tests.app.serve import serve_app
from tests.app.test_app_browser import ARTIFACTS, MAP, REPO, _map_frame, browser  # noqa: F401 (fixture)
from tests.test_safety import HOSTILE_NAMES, HUB_IDS, hostile  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

#: the address in the hostile names: nothing may ever be requested from it
EVIL = "198.51.100.7"
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def hostile_server(hostile, tmp_path_factory):  # noqa: F811 (the fixture imported above)
    _, config = hostile
    yield from serve_app(tmp_path_factory, [config])


def _visible(text: str) -> str:
    return text.replace("\u2060", "")


def _links_and_images(frame) -> list[str]:
    return frame.evaluate("""() => [...document.querySelectorAll('a[href], img[src], link[href], script[src], iframe[src]')]
        .map(e => e.getAttribute('href') || e.getAttribute('src'))""")


def test_names_are_text_and_no_request_leaves_the_machine(hostile_server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(hostile_server)
    frame = _map_frame(page, "Priority", timeout=180)
    assert frame.locator(".hub-marker.hub").count() == len(HUB_IDS)
    # hub tooltips on the map: the names as text
    tips = []
    for i in range(len(HUB_IDS)):
        frame.locator(".hub-marker.hub").nth(i).hover()
        time.sleep(0.2)
        tips.append(frame.locator(".leaflet-tooltip").last.inner_text())
    assert any("![x](http://198.51.100.7/x.png)" in t for t in tips), tips
    assert "OpenStreetMap" not in frame.locator(".leaflet-control-attribution").inner_text()
    assert frame.locator(".leaflet-tile").count() == 0

    # the hub cards: every hostile name shown as its own text, no link, no image
    page.get_by_role("tab", name="Hubs").click()
    page.get_by_text("All hubs").first.wait_for(timeout=60_000)
    time.sleep(2)
    main = _visible(page.get_by_test_id("stMain").inner_text())
    for name in HOSTILE_NAMES:
        assert name in main, name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "safety_hub_cards.png"), full_page=True)
    # the hub multiselect's options: names as text
    page.get_by_test_id("stMultiSelect").filter(has_text="Hubs (catchments)").click()
    options = _visible(" ".join(page.get_by_role("option").all_inner_texts()))
    assert "[phish](http://198.51.100.7/login)" in options, options
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Data and sources").click()
    page.get_by_text("Reconciliation").first.wait_for(timeout=60_000)
    time.sleep(2)

    for f in page.frames:
        refs = [r for r in _links_and_images(f) if r and EVIL in r]
        assert not refs, (f.url, refs)
    assert not [u for u in requests if EVIL in u]
    off = sorted({u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
                  and urlparse(u).hostname not in LOCAL})
    assert not off, off
    assert len(requests) > 10  # the recording worked
    assert not errors, errors
    context.close()
