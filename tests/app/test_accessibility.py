"""The app against WCAG 2.2 AA (axe-core in Chromium), by keyboard, and with a configured basemap.

The app runs with ``[map] tiles_url`` pointing at a tile server this test starts on 127.0.0.1:
tiles must come from there and nothing from any other host. axe-core (``tests/js``, installed by
``make jsdeps``) is injected into the page and into the map's frame on every tab.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from geo.app.folium_component import folium_map
from tests.app.serve import serve_app
from tests.app.test_app import write_app_config

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
MAP = f"iframe[title='{folium_map.name}']"  # streamlit-folium's frontend, declared by geo.app.folium_component
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TABS = ["Priority areas", "Wards", "Hubs", "Options", "Charts", "Trends", "Equity", "Data and sources"]


# --------------------------------------------------------------------------- no browser


def test_outlines_differ_by_dash_pattern_and_show_on_every_layer_under_deuteranopia():
    from geo.maps.overlays import CASING, OUTLINES
    from geo.maps.style import LAYERS

    patterns = [s["dashArray"] for s in OUTLINES.values()]
    assert len(set(patterns)) == len(patterns)  # told apart without colour
    assert OUTLINES["near but not engaged"]["color"] not in {c for layer in LAYERS.values() for c in layer.colors}
    # as seen with deuteranopia (Machado et al. 2009, severity 1): each line keeps >= 3:1 (WCAG 1.4.11)
    # against its white casing, and the casing or the line keeps >= 3:1 against every class of every layer
    casing = _deuteranopia(CASING["color"])
    for name, style in OUTLINES.items():
        line = _deuteranopia(style["color"])
        assert _contrast(line, casing) >= 3.0, name
        for layer in LAYERS.values():
            for colour in layer.colors:
                area = _deuteranopia(colour)
                assert max(_contrast(line, area), _contrast(casing, area)) >= 3.0, (name, layer.column, colour)


def test_hub_markers_have_a_white_and_a_black_ring(biborough_build):
    from geo.maps.webmap import area_map

    html = area_map(biborough_build.lsoa, hubs=biborough_build.hubs, tiles=None).get_root().render()
    icons = [json.loads(s) for s in re.findall(r'"html": ("(?:[^"\\]|\\.)*")', html)]
    hubs = [i for i in icons if "class='hub-marker hub'" in i]
    assert len(hubs) == 5 and len(icons) == 6
    assert all("border:2px solid white" in i and "box-shadow:0 0 0 1.5px #000" in i for i in icons)
    assert all(re.search(r"<span class='sr-only'>(Family Hub|Spoke): [^<]+ \([A-Z-]+\)</span>", i) for i in icons)
    # any colour has >= 4.5:1 with white or with black, so one of the rings always shows
    for colour in ["#08306b", "#67000d", "#ffffff", "#777777", "#1b4f9c"]:
        c = _srgb(colour)
        assert max(_contrast(c, _srgb("#ffffff")), _contrast(c, _srgb("#000000"))) >= 4.5
    assert "maximum-scale" not in html and "user-scalable=no" not in html  # zoom allowed
    assert re.search(r'class="hub-legend"[^>]*z-index: 640;', html)  # under Leaflet's tooltip pane (650)


def _srgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def _linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _deuteranopia(hex_colour: str) -> np.ndarray:
    m = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]])
    lin = np.clip(m @ _linear(_srgb(hex_colour)), 0, 1)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def _contrast(a: np.ndarray, b: np.ndarray) -> float:
    la, lb = (float(_linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


# --------------------------------------------------------------------------- browser


class _Tiles(BaseHTTPRequestHandler):
    """A tile server: the same pale 256 px PNG for every ``/{z}/{x}/{y}.png``; records the paths asked for."""

    requested: list[str] = []
    png = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requested.append(self.path)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(self.png)))
            self.end_headers()
            self.wfile.write(self.png)
        except (BrokenPipeError, ConnectionResetError):  # the page moved on before the tile arrived
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def tile_server():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (222, 235, 222)).save(buf, "PNG")
    handler = type("Tiles", (_Tiles,), {"requested": [], "png": buf.getvalue()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{httpd.server_address[1]}", handler.requested
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def app(tmp_path_factory, biborough_config, tile_server):
    """The app on 127.0.0.1 with the bi-borough demo and ``[map] tiles_url`` at the test's tile server."""
    config = write_app_config(tmp_path_factory.mktemp("a11y"), biborough_config)
    with open(config, "a") as f:
        f.write(
            f'\n[map]\ntiles_url = "http://{tile_server[0]}/{{z}}/{{x}}/{{y}}.png"\n'
            'tiles_attribution = "Test tiles from the local tile server"\n'
        )
    yield from serve_app(tmp_path_factory, [config])


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make jsdeps` (npm ci in tests/js)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt install chromium, or set CHROMIUM=...)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _open(browser, url):
    """A page on the app with its map loaded; the hosts of every request it makes are collected."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.locator(MAP).first.wait_for(timeout=180_000)
    frame = _map_frame(page)
    frame.locator(".hub-legend").wait_for(timeout=60_000)
    frame.locator(".leaflet-marker-icon").first.wait_for(timeout=60_000)
    return page, frame, requests


def _map_frame(page):
    deadline = time.time() + 60
    while time.time() < deadline:
        handle = page.locator(MAP).first.element_handle()
        frame = handle.content_frame() if handle else None
        if frame is not None and frame.locator(".hub-legend").count():
            return frame
        time.sleep(0.3)
    raise AssertionError("the map did not load")


def _violations(frame) -> list[str]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations in a page or frame, one line each."""
    frame.add_script_tag(path=str(AXE))
    found = frame.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, iframes: false}).then(r =>
             r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' x, e.g. '
                              + v.nodes[0].target.join(' ') + ': ' + v.nodes[0].failureSummary))""",
        WCAG,
    )
    return found


def _settled(page) -> None:
    """Wait until Streamlit has finished running the script (no stale, faded elements)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    time.sleep(1.0)


@pytest.mark.browser
def test_tiles_come_from_the_configured_server_and_nothing_else_leaves_the_machine(app, browser, tile_server):
    host, requested = tile_server
    page, frame, requests = _open(browser, app)
    frame.locator(".leaflet-tile-loaded").first.wait_for(timeout=60_000)
    app_host = urlsplit(app).netloc
    hosts = {urlsplit(u).netloc for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {app_host, host}, hosts
    tiles = [u for u in requests if urlsplit(u).netloc == host]
    assert tiles and all(urlsplit(u).path.count("/") == 3 and u.endswith(".png") for u in tiles), tiles[:5]
    # the server saw those tiles (some requests are cancelled before they reach it)
    assert requested and set(requested) <= {urlsplit(u).path for u in tiles}
    credit = frame.locator(".leaflet-control-attribution").inner_text()
    assert "Test tiles from the local tile server" in credit and "Open Government Licence" in credit
    assert "OpenStreetMap" not in credit
    page.close()


@pytest.mark.browser
def test_no_wcag_violations_on_any_tab_or_in_the_map(app, browser):
    page, frame, _ = _open(browser, app)
    _settled(page)
    assert _violations(frame) == []
    assert _violations(page) == []
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        page.get_by_role("tabpanel").filter(has=page.locator("[data-testid='stVerticalBlock']")).first.wait_for()
        _settled(page)
        assert _violations(page) == [], tab
        if tab == "Charts":  # the chart images say what they show (drawn once the tab is open)
            page.locator("[data-testid='stImage'] img").nth(1).wait_for(timeout=120_000)
            _settled(page)
            assert _violations(page) == [], tab
            alts = page.locator("[data-testid='stImage'] img").evaluate_all("els => els.map(e => e.alt)")
            assert len(alts) == 2 and alts[0].startswith("Funnel plot of 2-2½ year review take-up"), alts
            assert "significantly low" in alts[0] and alts[1].startswith("Distance-decay plot"), alts
    # the ward map too
    page.get_by_role("tab", name="Map").click()
    page.get_by_test_id("stSidebar").get_by_text("Ward", exact=True).click()
    _settled(page)
    frame = _map_frame(page)
    frame.locator("path.leaflet-interactive[aria-label^='Abbey Road (E05']").first.wait_for(timeout=60_000)
    assert _violations(frame) == []
    assert _violations(page) == []
    page.close()


@pytest.mark.browser
def test_areas_and_markers_by_keyboard_and_screen_reader(app, browser, biborough_build):
    page, frame, _ = _open(browser, app)
    _settled(page)
    # every area and marker has a name
    areas = frame.locator("path.leaflet-interactive[role='button']")
    assert areas.count() == len(biborough_build.lsoa)
    labels = areas.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert all(lbl and "(E01" in lbl and "Priority" in lbl for lbl in labels)
    markers = frame.locator(".leaflet-marker-icon").evaluate_all("els => els.map(e => e.innerText || e.textContent)")
    names = frame.locator(".leaflet-marker-icon .sr-only").all_text_contents()
    from geo.sites import suggest_sites_per_hub

    hubs = biborough_build.hubs
    per_hub, _ = suggest_sites_per_hub(biborough_build, list(hubs.loc[hubs["site_type"] == "hub", "hub_id"]), k=5)
    venue_names = [n for n in names if n.startswith("Suggested venue")]   # venues close together share a marker
    assert len(names) == len(markers) == 6 + len(venue_names)  # 5 hubs, 1 spoke, then the venue markers
    assert sum(n.startswith("Family Hub: ") for n in names) == 5
    for v in per_hub.itertuples():  # every venue suggested per hub (as the pack) is named by one marker
        assert sum(f"{v.name}" in n for n in venue_names) >= 1, v.name

    # Enter on a focused area opens its profile in the page (published rank 1, by band: the gate's order)
    from geo.app import views
    from geo.disclosure import DisclosureRule

    published = views.gated_tables(biborough_build, DisclosureRule.from_config(biborough_build.config)).lsoa.display
    assert list(published["priority_rank"].iloc[:2]) == [1, 2]
    top, second = published.iloc[0], published.iloc[1]
    target = frame.locator(f"path.leaflet-interactive[aria-label^='{top['lsoa21nm']} ({top['lsoa21cd']})']")
    target.focus()
    target.press("Enter")
    page.get_by_text("priority rank 1 of").first.wait_for(timeout=60_000)
    assert top["lsoa21nm"] in page.get_by_test_id("stMain").inner_text()
    _settled(page)

    # the skip link (shown when focused) jumps past the map to the area picker, which opens any profile
    skip = page.locator("a.skip-link")
    skip.focus()
    assert skip.bounding_box()["width"] > 50
    page.keyboard.press("Enter")
    picker = page.get_by_role("combobox", name="Area", exact=True)
    stops = []
    for _ in range(2):  # the picker's help button, then the picker
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.getAttribute('aria-label')"))
        if picker.evaluate("el => el === document.activeElement"):
            break
    assert stops[-1] == "Area" and stops[0] in ("Help for Area", "Area"), stops
    page.keyboard.type(str(second["lsoa21cd"]))
    page.keyboard.press("Enter")
    page.get_by_text("priority rank 2 of").first.wait_for(timeout=60_000)
    assert second["lsoa21nm"] in page.get_by_test_id("stMain").inner_text()
    _settled(page)
    assert _violations(page) == []  # with a profile open
    page.close()
