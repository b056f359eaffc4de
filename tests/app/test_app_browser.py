"""The app in a real browser: ``python -m geo app`` (as ``make app``) on 127.0.0.1, driven by Playwright with Debian's Chromium.

Screenshots go to ``tests/artifacts/`` (git-ignored) for a person to look at.
Set ``CHROMIUM=/path/to/chromium`` if it is not ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from geo.app import views
from geo.app.folium_component import folium_map
from tests.app.serve import serve_app
from tests.app.test_app import XSS, write_app_config, xss_extracts

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt install chromium, or set CHROMIUM=...)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, biborough_config):
    """The app with the bi-borough demo (fetched into a temp folder)."""
    yield from serve_app(tmp_path_factory, [write_app_config(tmp_path_factory.mktemp("browser"), biborough_config)])


@pytest.fixture(scope="module")
def two_area_server(tmp_path_factory, biborough_config, leicestershire_config):
    """The app offering the bi-borough demo (opens first) and Leicestershire (configs/leicestershire.toml)."""
    from tests.conftest import write_study_config

    folder = tmp_path_factory.mktemp("two")
    lei = write_study_config(folder / "lei.toml", REPO / "configs" / "leicestershire.toml", leicestershire_config)
    configs = [write_app_config(folder, biborough_config), lei]
    # the label the study-area box shows for it (the file is named if another config has the same name)
    label = views.available_configs(REPO, list(map(str, configs)))[str(lei.resolve())]
    for url in serve_app(tmp_path_factory, configs):
        yield url, label


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


MAP = f"iframe[title='{folium_map.name}']"  # streamlit-folium's frontend, declared by geo.app.folium_component


def _map_frame(page, legend: str = "", timeout: float = 60):
    """The map's iframe whose legend contains ``legend``, once it has loaded.

    A changed map arrives as a new iframe next to the old one until Streamlit removes the old,
    so look through all of them.
    """
    deadline = time.time() + timeout
    while time.time() < deadline:
        frames = page.locator(MAP)
        for i in range(frames.count()):
            frame = frames.nth(i).content_frame
            try:
                if frame.locator(".hub-legend").filter(has_text=legend).count() and frames.nth(i).is_visible():
                    return frame
            except Exception:  # the frame went away while we looked
                pass
        time.sleep(0.3)
    raise AssertionError(f"no map with legend {legend!r} after {timeout} s")


def _select(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


@pytest.fixture(scope="module")
def app_result(biborough_config, tmp_path_factory):
    from geo.build import run
    from geo.config import load_config

    return run(load_config(write_app_config(tmp_path_factory.mktemp("result"), biborough_config)))


def test_map_loads_updates_and_opens_a_profile(server, browser, app_result):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # Leaflet comes from the app itself (static/vendor), so the map needs no CDN
    leaflet = []
    page.on("request", lambda r: leaflet.append(r.url) if "leaflet" in r.url and r.url.endswith(".js") else None)
    hosts: set[str] = set()  # no basemap configured: nothing may be requested from another host
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]) if r.url.startswith(("http", "ws")) else None)
    page.goto(server)

    frame = _map_frame(page, "Priority", timeout=180)
    legend = frame.locator(".hub-legend")
    legend.wait_for(state="visible", timeout=60_000)
    assert "Priority" in legend.inner_text()
    assert frame.locator(".hub-marker.hub").count() == 5          # the five bi-borough Family Hubs
    assert frame.locator(".hub-marker.spoke").count() == 1
    from geo.sites import suggest_sites_per_hub

    per_hub, _ = suggest_sites_per_hub(app_result, sorted(app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "hub_id"]), k=5)
    n_venues = frame.locator(".venue-marker").count()              # k = 5 suggested venues per hub (as the pack), numbered
    labels = [frame.locator(".venue-marker").nth(i).inner_text() for i in range(n_venues)]
    # venues close together share a marker labelled with the best rank and "+"; every rank 1 has its own
    assert 5 < n_venues <= len(per_hub) and labels.count("1") + labels.count("1+") == 5
    assert {lbl.rstrip("+") for lbl in labels} <= set(per_hub["rank"].astype(str))
    assert "Open Government Licence" in frame.locator(".leaflet-control-attribution").inner_text()
    assert page.get_by_text("SYNTHETIC DEMO DATA").first.is_visible()
    assert any("/app/static/vendor/leaflet" in u for u in leaflet), leaflet
    assert hosts == {server.split("/")[2]}, hosts
    assert "OpenStreetMap" not in frame.locator(".leaflet-control-attribution").inner_text()
    time.sleep(1.5)
    _shot(page, "app_1_priority_map")

    # change a control: the map layer -> the legend follows
    _select(page, "Map layer", "Need")
    frame = _map_frame(page, "Need (percentile")
    assert "80 – 100" in frame.locator(".hub-legend").inner_text()
    assert frame.locator(".hub-marker.hub").count() == 5
    time.sleep(1.5)
    _shot(page, "app_2_need_layer")

    # click the top-priority LSOA with the mouse: its profile opens below the map
    from geo.app import views
    from geo.disclosure import DisclosureRule

    first = views.gated_tables(app_result, DisclosureRule.from_config(app_result.config)).lsoa.display.iloc[0]
    top = app_result.lsoa[app_result.lsoa["lsoa21cd"] == first["lsoa21cd"]].iloc[0]  # published rank 1 (by band)
    point = app_result.lsoa.loc[[top.name]].to_crs(4326).representative_point().iloc[0]
    box = page.locator(MAP).bounding_box()
    xy = frame.locator(".leaflet-container").evaluate(
        "(el, ll) => { const p = window.map.latLngToContainerPoint(ll); return [p.x, p.y]; }", [point.y, point.x])
    container = frame.locator(".leaflet-container").bounding_box()
    page.mouse.click(container["x"] + xy[0], container["y"] + xy[1])
    page.get_by_text("priority rank").first.wait_for(timeout=60_000)
    profile = page.get_by_test_id("stMain").inner_text()
    assert top["lsoa21nm"] in profile and "priority rank 1 of" in profile
    assert "Review take-up" in profile and "Need" in profile and "Funnel plot" in profile
    del box
    page.get_by_text("priority rank").first.scroll_into_view_if_needed()
    time.sleep(1)
    _shot(page, "app_3_area_profile")

    # the other panels render in the browser too
    for tab, expect in [("Priority areas", "Priority areas"), ("Hubs", "All hubs"), ("Charts", "Funnel plot"),
                        ("Data and sources", "Reconciliation")]:
        page.get_by_role("tab", name=tab).click()
        page.get_by_text(expect).first.wait_for(timeout=60_000)
        time.sleep(1.5)
        _shot(page, f"app_4_{tab.split()[0].lower()}")
    assert not dialogs
    assert not [e for e in errors if "tile" not in e.lower()], errors


def test_ilt_pack_is_prepared_and_downloaded(server, browser, app_result, tmp_path):
    """The sidebar's "Prepare ILT pack" button: a spinner, then the zip (and the PDF) download in the browser."""
    import zipfile

    page = browser.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server)
    _map_frame(page, "Priority", timeout=180)
    sidebar = page.get_by_test_id("stSidebar")
    prepare = sidebar.get_by_role("button", name="Prepare ILT pack")
    prepare.scroll_into_view_if_needed()
    assert sidebar.get_by_text("For all 5 hubs").first.is_visible()
    time.sleep(0.5)
    sidebar.screenshot(path=str(ARTIFACTS / "app_5_downloads.png"))
    prepare.click()
    zip_button = sidebar.get_by_role("button", name="ILT pack (zip)")
    zip_button.wait_for(timeout=180_000)
    zip_button.scroll_into_view_if_needed()
    time.sleep(0.5)
    sidebar.screenshot(path=str(ARTIFACTS / "app_6_pack_ready.png"))
    with page.expect_download(timeout=60_000) as info:
        zip_button.click()
    download = info.value
    assert download.suggested_filename.startswith("ilt_pack_biborough_") and download.suggested_filename.endswith(".zip")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    names = set(zipfile.ZipFile(path).namelist())
    hubs = sorted(app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "hub_id"])
    assert {"pack.pdf", "map.html", "tables.xlsx"} | {f"maps/{h}.png" for h in hubs} <= names
    with page.expect_download(timeout=60_000) as info:
        sidebar.get_by_role("button", name="ILT pack (PDF only)").click()
    pdf = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf)
    assert pdf.suffix == ".pdf" and pdf.read_bytes() == zipfile.ZipFile(path).read("pack.pdf")
    assert not [e for e in errors if "tile" not in e.lower()], errors


def test_exported_map_html_shows_html_names_as_text(tmp_path, biborough_config, browser):
    """A venue and a hub named ``<img src=x onerror=alert(1)>`` render as text, and no script runs."""
    from geo.app import views
    from geo.build import run
    from geo.config import load_config
    from geo.maps.assets import standalone_html
    from geo.maps.webmap import area_map
    from geo.sites import suggest_sites

    hubs, venues, venue_id = xss_extracts(tmp_path / "xss", biborough_config)
    result = run(load_config(write_app_config(tmp_path / "cfg", biborough_config, hubs=hubs, venues=venues)))
    sites = suggest_sites(result, k=3, force_in=[venue_id])
    view = views.filter_view(result, level="lsoa")
    m = area_map(view.areas, hubs=view.hubs, catchments=view.catchments, gaps=view.gaps,
                 sites=views.sites_frame(sites), tiles=None)
    page_file = tmp_path / "map.html"
    page_file.write_text(standalone_html(m))

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(page_file.as_uri())
    page.locator(".leaflet-container").wait_for(state="visible", timeout=30_000)
    marker = page.locator(".venue-marker").first
    marker.hover()
    page.locator(".leaflet-tooltip").first.wait_for(timeout=10_000)
    hub = page.locator(".hub-marker.hub").nth(4)
    for i in range(page.locator(".venue-marker").count()):
        page.locator(".venue-marker").nth(i).hover()
        time.sleep(0.2)
        if XSS in page.locator(".leaflet-tooltip").last.inner_text():
            break
    assert XSS in page.locator(".leaflet-tooltip").last.inner_text()    # shown as text
    assert page.locator("img[src='x']").count() == 0                  # never an element
    time.sleep(0.5)
    assert not dialogs
    del hub


def _exceptions(page) -> list[str]:
    return [page.get_by_test_id("stException").nth(i).inner_text() for i in range(page.get_by_test_id("stException").count())]


def test_switching_to_leicestershire_then_changing_controls(two_area_server, browser):
    """Issue 16's crash: switch the study area to Leicestershire, then change the local authorities and
    another control. No exception, the sidebar keeps every control, the study area stays Leicestershire."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    url, leicestershire = two_area_server
    page.goto(url)
    _map_frame(page, "Priority", timeout=180)
    sidebar = page.get_by_test_id("stSidebar")
    _select(page, "Study area", leicestershire)
    frame = _map_frame(page, "Priority", timeout=300)
    deadline = time.time() + 120
    while frame.locator(".hub-marker.hub").count() != 21 and time.time() < deadline:  # Leicestershire's 21 hubs
        frame = _map_frame(page, "Priority", timeout=120)
        time.sleep(0.5)
    assert frame.locator(".hub-marker.hub").count() == 21
    las = sidebar.get_by_test_id("stMultiSelect").filter(has_text="Local authorities")
    chips = las.locator(".react-aria-ComboBox [data-tag]")
    assert chips.count() == 7                                     # the seven districts, not the bi-borough's two
    _shot(page, "app_7_leicestershire")

    # change the local authorities: remove the last district
    chips.last.get_by_role("button").click()
    deadline = time.time() + 120
    while chips.count() != 6 and time.time() < deadline:
        time.sleep(0.3)
    assert chips.count() == 6
    page.get_by_text("Running...").wait_for(state="detached", timeout=180_000)
    assert not _exceptions(page), _exceptions(page)
    # and another control: the map layer
    _select(page, "Map layer", "Need")
    frame = _map_frame(page, "Need (percentile", timeout=180)
    assert not _exceptions(page), _exceptions(page)
    text = sidebar.inner_text()
    for control in ("Study area", "Local authorities", "Hubs", "Map layer", "Travel mode", "Downloads"):
        assert control in text, control
    box = sidebar.get_by_test_id("stSelectbox").first                # the study area box still says Leicestershire
    assert leicestershire in (box.locator("input").input_value() if box.locator("input").count() else box.inner_text())
    assert chips.count() == 6
    time.sleep(1)
    _shot(page, "app_8_leicestershire_changed")
    assert not [e for e in errors if "tile" not in e.lower()], errors


def test_no_developer_toolbar(server, browser):
    """Council staff see no "Deploy" button and no developer menu (``client.toolbarMode = "minimal"``)."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(server)
    _map_frame(page, "Priority", timeout=180)
    page.get_by_test_id("stHeader").wait_for(state="attached", timeout=30_000)
    assert page.get_by_test_id("stAppDeployButton").count() == 0
    assert page.get_by_test_id("stMainMenu").count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
    assert page.get_by_text("Clear cache").count() == 0
    _shot(page, "app_9_no_toolbar")
