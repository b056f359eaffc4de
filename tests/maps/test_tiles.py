"""The config's ``[map]`` table (geo.maps.tiles) and the tile layer it puts under the web map."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geo.config import ConfigError, load_config
from geo.maps.tiles import TilesError, TileSettings, map_settings

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, table: str):
    path = tmp_path / "config.toml"
    path.write_text((REPO / "config.toml").read_text() + "\n[map]\n" + table)
    return load_config(path)


def test_no_map_table_means_no_tiles():
    assert load_config(REPO / "config.toml").tiles is None
    assert map_settings({}, "c.toml") is None


def test_a_provider_name_gives_its_url_and_attribution(tmp_path):
    tiles = _config(tmp_path, 'basemap = "OpenStreetMap.Mapnik"\n').tiles
    assert tiles.url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert tiles.host == "tile.openstreetmap.org"
    assert "OpenStreetMap" in tiles.attribution and "openstreetmap.org/copyright" in tiles.html_attribution
    assert tiles.max_zoom == 19 and tiles.tile_url() == tiles.url


def test_a_provider_key_is_read_from_the_environment_when_drawn(tmp_path, monkeypatch):
    monkeypatch.delenv("F2_TEST_OS_KEY", raising=False)
    with pytest.raises(ConfigError, match="set the environment variable F2_TEST_OS_KEY"):
        _config(tmp_path, 'basemap = "OrdnanceSurvey.Light"\napi_key_env = "F2_TEST_OS_KEY"\n')
    monkeypatch.setenv("F2_TEST_OS_KEY", "secret")
    tiles = _config(tmp_path, 'basemap = "OrdnanceSurvey.Light"\napi_key_env = "F2_TEST_OS_KEY"\n').tiles
    assert "{key}" in tiles.url and "Crown copyright" in tiles.attribution and tiles.max_zoom == 16
    assert "secret" not in repr(tiles)
    monkeypatch.delenv("F2_TEST_OS_KEY", raising=False)
    with pytest.raises(TilesError, match="set the environment variable F2_TEST_OS_KEY"):
        tiles.tile_url()
    monkeypatch.setenv("F2_TEST_OS_KEY", "secret")
    assert tiles.tile_url().endswith("/{z}/{x}/{y}.png?key=secret") and tiles.host == "api.os.uk"


def test_a_tile_url_needs_its_attribution(tmp_path):
    tiles = _config(
        tmp_path,
        'tiles_url = "http://127.0.0.1:8080/{z}/{x}/{y}.png"\ntiles_attribution = "Our <own> tiles"\nmax_zoom = 17\n',
    ).tiles
    assert tiles == TileSettings(
        url="http://127.0.0.1:8080/{z}/{x}/{y}.png",
        attribution="Our <own> tiles",
        html_attribution="Our &lt;own&gt; tiles",
        max_zoom=17,
    )
    assert tiles.host == "127.0.0.1:8080"


@pytest.mark.parametrize(
    "table, message",
    [
        ('tiles_url = "http://x/{z}/{x}/{y}.png"\n', "tiles_attribution is required with tiles_url"),
        ('tiles_url = "http://x/{z}/{x}.png"\ntiles_attribution = "a"\n', "must be an XYZ URL with {z}, {x} and {y}"),
        ('tiles_url = "file:///t/{z}/{x}/{y}.png"\ntiles_attribution = "a"\n', "must start with http:// or https://"),
        ('basemap = "No.Such"\n', "'No.Such' is not an xyzservices provider name"),
        ('basemap = "OrdnanceSurvey.Light"\n', "needs an API key: set api_key_env"),
        ('basemap = "OrdnanceSurvey.Light_27700"\napi_key_env = "K"\n', "needs Web Mercator tiles"),
        ('basemap = "OpenStreetMap.Mapnik"\ntiles_url = "http://x/{z}/{x}/{y}.png"\n', "not both"),
        ('tiles_attribution = "a"\n', "no basemap or tiles_url is named"),
        ('tiles = "x"\n', "unknown key(s) ['tiles']"),
        ('basemap = "OpenStreetMap.Mapnik"\nmax_zoom = 40\n', "max_zoom must be a whole number from 1 to 22"),
    ],
)
def test_bad_map_tables_name_the_file_and_the_problem(tmp_path, table, message):
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, table)
    assert str(tmp_path / "config.toml") in str(err.value) and message in str(err.value)


def test_the_web_map_draws_the_configured_tiles_and_nothing_else(biborough_build):
    from geo.maps.webmap import area_map

    tiles = map_settings(
        {"tiles_url": "http://127.0.0.1:9/{z}/{x}/{y}.png", "tiles_attribution": "Local & tested"}, "c"
    )
    with_tiles = area_map(biborough_build.lsoa, hubs=biborough_build.hubs, tiles=tiles).get_root().render()
    assert with_tiles.count("L.tileLayer(") == 1
    assert '"http://127.0.0.1:9/{z}/{x}/{y}.png"' in with_tiles and "Local \\u0026amp; tested" in with_tiles
    without = area_map(biborough_build.lsoa, hubs=biborough_build.hubs, tiles=None).get_root().render()
    assert "L.tileLayer(" not in without and "openstreetmap" not in without.lower()


def test_a_local_geotiff_is_the_app_maps_image_layer_when_no_tiles_are_named(
    tmp_path, biborough_config, biborough_build
):
    """``[export] basemap`` is drawn under the app's map, embedded (no request), with its credit; tiles win over it."""
    import streamlit_app
    from geo.app import mapview
    from geo.app.scenario import DataKey
    from geo.maps.tiles import add_image_layer
    from geo.maps.webmap import area_map
    from tests.app.test_app import write_app_config
    from tests.maps.test_basemap import BASEMAP_CREDIT, _write_rgb

    x0, y0, x1, y1 = biborough_build.lsoa.total_bounds
    tif = _write_rgb(tmp_path / "bm.tif", (x0 - 2000, y0 - 2000, x1 + 2000, y1 + 2000), "EPSG:27700")
    config = write_app_config(tmp_path / "app", biborough_config)
    text = config.read_text() + f'\n[export]\nbasemap = "{tif}"\nbasemap_attribution = "{BASEMAP_CREDIT}"\n'
    config.write_text(text)
    layer = mapview.load_image_layer(streamlit_app.map_loaders(), DataKey.of(config, [config]))
    assert layer is not None and layer.url.startswith("data:image/png;base64,")
    (s, w), (n, e) = layer.corners
    lon0, lat0, lon1, lat1 = biborough_build.lsoa.to_crs(4326).total_bounds
    assert w < lon0 < lon1 < e and s < lat0 < lat1 < n
    m = area_map(biborough_build.lsoa, hubs=biborough_build.hubs, tiles=None)
    add_image_layer(m, layer)
    html = m.get_root().render()
    assert html.count("L.imageOverlay(") == 1 and "L.tileLayer(" not in html
    assert json.dumps(f"Basemap: {BASEMAP_CREDIT}") in html
    assert re.search(r'L\.imageOverlay\(\s*"data:image/png;base64,', html)
    tiled = tmp_path / "tiled"
    tiled.mkdir()
    (tiled / "config.toml").write_text(text + '\n[map]\nbasemap = "OpenStreetMap.Mapnik"\n')
    assert mapview.load_image_layer(streamlit_app.map_loaders(), DataKey.of(tiled / "config.toml", [tiled / "config.toml"])) is None
