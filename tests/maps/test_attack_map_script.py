"""Fresh attacker's look at issue 13: a name must not run as JavaScript in the web map.

folium writes each marker tooltip's HTML into a JavaScript template literal (`...`). HTML
escaping leaves the backquote and ``${`` alone, so a hub named
``${(new Image).src=String.fromCharCode(...)}`` ran code in ``map.html`` (and the app's map)
and requested an image from another host (seen in Chromium on a bi-borough pack).
"""
from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.maps.assets import standalone_html
from geo.maps.webmap import area_map

URL = "http://example.com/t.png"
CODE = ",".join(str(ord(c)) for c in URL)
HOSTILE = {
    "interpolation": "${(new Image).src=String.fromCharCode(" + CODE + ")} hub",
    "backquote": "b`+((new Image).src=String.fromCharCode(" + CODE + "))+` hub",
    "backslash": "a\\` hub",
}


def _page() -> str:
    areas = gpd.GeoDataFrame({"lsoa21cd": ["E01000001"], "lsoa21nm": ["`${1}` Road"], "priority_score": [1.0]},
                             geometry=[box(530000, 180000, 530500, 180500)], crs=27700)
    hubs = gpd.GeoDataFrame({"hub_id": ["H1", "H2", "H3"], "name": list(HOSTILE.values()), "site_type": ["hub"] * 3},
                            geometry=[Point(530100, 180100), Point(530200, 180200), Point(530300, 180300)], crs=27700)
    sites = gpd.GeoDataFrame({"rank": [1], "name": [HOSTILE["interpolation"]], "type": ["hall`${2}"]},
                             geometry=[Point(530250, 180250)], crs=27700)
    return standalone_html(area_map(areas, hubs=hubs, sites=sites, tiles=None))


def test_tooltip_template_literals_hold_no_code():
    page = _page()
    literals = re.findall(r"bindTooltip\(\s*`(.*?)`,\s*\{", page, flags=re.S)
    assert len(literals) == 4  # three hubs and one venue, each literal closed where folium closes it
    for text in literals:
        assert "`" not in text and "${" not in text and "\\" not in text, text


@pytest.mark.browser
def test_map_with_script_names_requests_nothing_and_shows_them(browser, tmp_path):  # noqa: F811
    path = tmp_path / "map.html"
    path.write_text(_page(), encoding="utf-8")
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_timeout(1000)
    tips = page.evaluate("""() => Object.values(window).filter(v => v && v.getTooltip && v.getTooltip())
                                  .map(v => { const d = document.createElement('div');
                                              d.innerHTML = v.getTooltip().getContent(); return d.textContent.trim(); })""")
    page.close()
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert errors == []
    for name in HOSTILE.values():
        assert any(name in t for t in tips), name


from tests.app.test_app_browser import browser  # noqa: E402,F401 (fixture)
