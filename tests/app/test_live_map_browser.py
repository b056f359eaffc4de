"""In Chromium: a control change redraws the map in the same frame (issue 16: a control change <= 0.7 s).

The base map (areas, hubs) is drawn once per study area and level; a change of layer or of
hubs restyles it in place (:mod:`geo.maps.livemap`). Checked here: the same iframe element and
the same window inside it before and after; the new legend and colours; the user's pan and zoom
kept on a layer change; areas out of view gone from the DOM (and from the Tab order); Tab and
Enter still open an area's profile; axe-core finds nothing in the map frame after each change.
"""

from __future__ import annotations

import time

import pytest

from geo.maps.style import LAYERS
from tests.app import test_accessibility as a11y
from tests.app import test_app_browser as base

pytestmark = pytest.mark.browser

# the shared Chromium (with axe-core) and bi-borough app server
browser, server, app_result = a11y.browser, base.server, base.app_result

MAP = base.MAP
HUB, HUB_NAME = "WCC-CHS", "Church Street Family Hub"


def _mark(page) -> None:
    """Mark the map's iframe element, the window inside it and its current legend."""
    assert page.locator(MAP).count() == 1
    page.locator(MAP).evaluate("el => { el.dataset.liveMark = 'kept'; }")
    frame = page.locator(MAP).content_frame
    frame.locator("body").evaluate("() => { window.__liveMark = 'kept'; }")
    frame.locator(".hub-legend").evaluate_all("els => els.forEach(e => e.setAttribute('data-old', '1'))")


def _fresh_legend(page, text: str, timeout: float = 60):
    """The map frame once a new legend (not marked by :func:`_mark`) containing ``text`` shows."""
    frame = page.locator(MAP).content_frame
    legend = frame.locator(".hub-legend:not([data-old])").filter(has_text=text)
    legend.wait_for(state="visible", timeout=timeout * 1000)
    return frame


def _same_frame(page) -> None:
    assert page.locator(MAP).count() == 1
    assert page.locator(MAP).evaluate("el => el.dataset.liveMark") == "kept"  # the same iframe element
    frame = page.locator(MAP).content_frame
    assert frame.locator("body").evaluate("() => window.__liveMark") == "kept"  # not reloaded
    assert frame.locator(".hub-legend").count() == 1  # the old legend replaced, not added to


def _areas(frame):
    return frame.locator("path.leaflet-interactive[role='button']")


def _fills(frame) -> set[str]:
    return set(_areas(frame).evaluate_all("els => els.map(e => e.getAttribute('fill'))"))


def _settled(page) -> None:
    a11y._settled(page)


def _axe(page) -> list[str]:
    """axe-core's violations inside the map's frame."""
    return a11y._violations(page.locator(MAP).element_handle().content_frame())


def test_layer_and_hub_changes_redraw_the_same_frame(server, browser, app_result):
    from geo.app import views
    from geo.disclosure import DisclosureRule

    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]) if r.url.startswith(("http", "ws")) else None)
    page.goto(server)
    frame = base._map_frame(page, "Priority", timeout=180)
    _settled(page)
    n_lsoa = len(app_result.lsoa)
    assert _areas(frame).count() == n_lsoa
    assert _fills(frame) <= set(LAYERS["priority"].colors) | {"#cccccc"}

    # a layer change: same frame, new legend and colours, the user's pan and zoom kept
    frame.locator(".leaflet-container").evaluate("() => window.map.setView([51.52, -0.19], 14, {animate: false})")
    view_before = frame.locator(".leaflet-container").evaluate("() => [window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]")
    _mark(page)
    base._select(page, "Map layer", "Need")
    frame = _fresh_legend(page, "Need (percentile")
    _same_frame(page)
    assert "80 – 100" in frame.locator(".hub-legend").inner_text()
    fills = _fills(frame)
    assert fills <= set(LAYERS["need"].colors) | {"#cccccc"} and len(fills & set(LAYERS["need"].colors)) == 5, fills
    labels = _areas(frame).evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert len(labels) == n_lsoa and all("Need (percentile in study area), 0-100: " in lbl for lbl in labels)
    view_after = frame.locator(".leaflet-container").evaluate("() => [window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]")
    assert view_after == pytest.approx(view_before, abs=1e-6)
    assert frame.locator(".hub-marker.hub").count() == 5
    _settled(page)
    assert _axe(page) == []

    # a hub filter: same frame, only that catchment's areas in the DOM, the map fitted to them
    in_hub = app_result.lsoa[app_result.lsoa["hub_id"] == HUB]
    out = app_result.lsoa[app_result.lsoa["hub_id"] != HUB].iloc[0]
    assert frame.locator(f"path[aria-label*='({out['lsoa21cd']})']").count() == 1
    _mark(page)
    page.get_by_test_id("stMultiSelect").filter(has_text="Hubs (catchments)").click()
    page.get_by_role("option", name=HUB_NAME).click()
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => document.querySelector(\"{MAP}\").contentDocument"
                           f".querySelectorAll(\"path.leaflet-interactive[role='button']\").length === {len(in_hub)}", timeout=60_000)
    frame = _fresh_legend(page, "Need (percentile")
    _same_frame(page)
    codes = _areas(frame).evaluate_all("els => els.map(e => e.getAttribute('aria-label').split('(')[1].split(')')[0])")
    assert sorted(codes) == sorted(in_hub["lsoa21cd"])
    assert frame.locator(f"path[aria-label*='({out['lsoa21cd']})']").count() == 0  # not drawn, not in the Tab order
    centre = in_hub.to_crs(4326).union_all().centroid
    bounds = frame.locator(".leaflet-container").evaluate("() => window.map.getBounds().toBBoxString()")
    west, south, east, north = map(float, bounds.split(","))
    assert west < centre.x < east and south < centre.y < north
    assert view_after != pytest.approx(
        frame.locator(".leaflet-container").evaluate("() => [window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]"),
        abs=1e-6)
    _settled(page)
    assert _axe(page) == []

    # Tab to an area and Enter: its profile opens in the page (after both changes)
    published = views.gated_tables(app_result, DisclosureRule.from_config(app_result.config)).lsoa.display
    top = published[published["lsoa21cd"].isin(set(in_hub["lsoa21cd"]))].iloc[0]
    target = frame.locator(f"path.leaflet-interactive[aria-label^='{top['lsoa21nm']} ({top['lsoa21cd']})']")
    target.focus()
    target.press("Enter")
    page.get_by_text(f"priority rank {top['priority_rank']} of").first.wait_for(timeout=60_000)
    assert top["lsoa21nm"] in page.get_by_test_id("stMain").inner_text()
    _settled(page)

    # the hub filter cleared: every area back, named by the current layer, in the same frame
    _mark(page)
    page.get_by_test_id("stMultiSelect").filter(has_text="Hubs (catchments)").get_by_role("button", name="Clear all").click()
    page.wait_for_function(f"() => document.querySelector(\"{MAP}\").contentDocument"
                           f".querySelectorAll(\"path.leaflet-interactive[role='button']\").length === {n_lsoa}", timeout=60_000)
    frame = _fresh_legend(page, "Need (percentile")
    _same_frame(page)
    labels = _areas(frame).evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert all("Need (percentile in study area), 0-100: " in lbl for lbl in labels)
    time.sleep(0.5)
    base._shot(page, "app_live_map_after_changes")

    # the group layer: hub catchments drawn by the update, every LSOA hidden; then back to a layer of LSOAs
    _mark(page)
    base._select(page, "Map layer", "review take-up of a group")
    frame = _fresh_legend(page, "(hub catchments)")
    _same_frame(page)
    catchments = app_result.catchments()
    page.wait_for_function(f"() => document.querySelector(\"{MAP}\").contentDocument"
                           f".querySelectorAll(\"path.leaflet-interactive[role='button']\").length === {len(catchments)}",
                           timeout=60_000)
    assert frame.locator("path.leaflet-interactive[aria-label*='(E01']").count() == 0
    _mark(page)
    base._select(page, "Map layer", "Hub reach")
    frame = _fresh_legend(page, "Hub reach")
    _same_frame(page)
    assert _areas(frame).count() == n_lsoa
    assert _fills(frame) <= set(LAYERS["hub reach"].colors) | {"#cccccc"}
    assert hosts == {server.split("/")[2]}, hosts  # nothing requested off the machine
    assert not errors, errors
    page.close()
