"""A local basemap GeoTIFF under the exported maps (issue 6: "a local basemap GeoTIFF may be named in the config").

The rasters are written here with rasterio over the real bi-borough extent: one RGB in
EPSG:27700 (British National Grid), one single-band paletted raster in EPSG:4326 (warped on
reading). The export must draw the basemap under the hub maps (PNG and PDF), embed it in
``map.html`` (offline) and print its attribution on every map.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio
from PIL import Image
from rasterio.transform import from_bounds

from geo.config import ConfigError, load_config
from geo.errors import DataError
from geo.maps.basemap import Basemap
from tests.conftest import copy_config

GREEN = (20, 170, 60)
BASEMAP_CREDIT = "Test basemap © Example Mapping Ltd"


def _write_rgb(path: Path, bounds, crs: str, colour=GREEN, size=(400, 300)) -> Path:
    x0, y0, x1, y1 = bounds
    w, h = size
    data = np.empty((3, h, w), dtype=np.uint8)
    for b, v in enumerate(colour):
        data[b] = v
    data[:, ::25, :] = 255  # white grid lines every 25 pixels ("streets")
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=3, dtype="uint8", crs=crs,
                       transform=from_bounds(x0, y0, x1, y1, w, h)) as dst:
        dst.write(data)
    return path


@pytest.fixture(scope="module")
def extent_27700(biborough_build):
    x0, y0, x1, y1 = biborough_build.lsoa.total_bounds
    return (x0 - 2000, y0 - 2000, x1 + 2000, y1 + 2000)


@pytest.fixture(scope="module")
def rgb_tif(tmp_path_factory, extent_27700) -> Path:
    return _write_rgb(tmp_path_factory.mktemp("bm") / "basemap.tif", extent_27700, "EPSG:27700")


def test_read_warps_the_window_to_the_grid(rgb_tif, extent_27700):
    bm = Basemap.open(rgb_tif, BASEMAP_CREDIT)
    x0, y0, x1, y1 = extent_27700
    mid = ((x0 + x1) / 2, (y0 + y1) / 2)
    rgba, ext = bm.read((mid[0] - 1000, mid[0] + 1000, mid[1] - 500, mid[1] + 500), width=200)
    assert rgba.shape == (100, 200, 4) and rgba.dtype == np.uint8
    assert (rgba[..., 3] == 255).all()  # fully inside the raster: opaque everywhere
    green = (np.abs(rgba[..., :3].astype(int) - GREEN).sum(axis=-1) < 30).mean()
    assert green > 0.6, green  # mostly the raster's colour, with some grid lines
    # half outside the raster: transparent there
    rgba, _ = bm.read((x1 - 1000, x1 + 1000, mid[1] - 500, mid[1] + 500), width=200)
    assert (rgba[:, :90, 3] == 255).all() and (rgba[:, 110:, 3] == 0).all()
    # nowhere near it (Leeds): nothing
    assert bm.read((430000, 431000, 433000, 434000), width=100) is None


def test_a_paletted_raster_in_degrees_is_warped_to_british_national_grid(tmp_path, extent_27700):
    from pyproj import Transformer

    x0, y0, x1, y1 = extent_27700
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform([x0, x1], [y0, y1])
    path = tmp_path / "palette.tif"
    with rasterio.open(path, "w", driver="GTiff", width=300, height=200, count=1, dtype="uint8", crs="EPSG:4326",
                       transform=from_bounds(lon[0], lat[0], lon[1], lat[1], 300, 200)) as dst:
        dst.write(np.full((1, 200, 300), 7, dtype=np.uint8))
        dst.write_colormap(1, {7: (200, 30, 30, 255)})
    bm = Basemap.open(path, "x")
    mid = ((x0 + x1) / 2, (y0 + y1) / 2)
    rgba, _ = bm.read((mid[0] - 500, mid[0] + 500, mid[1] - 500, mid[1] + 500), width=50)
    assert rgba.shape == (50, 50, 4)
    assert (rgba[..., 3] == 255).all() and (np.abs(rgba[..., :3].astype(int) - (200, 30, 30)).max() <= 2)


def test_bad_basemaps_are_named(tmp_path):
    txt = tmp_path / "notes.tif"
    txt.write_text("not a raster")
    with pytest.raises(DataError, match=re.escape(str(txt))):
        Basemap.open(txt, "x")
    bare = tmp_path / "bare.tif"
    with rasterio.open(bare, "w", driver="GTiff", width=4, height=4, count=3, dtype="uint8") as dst:
        dst.write(np.zeros((3, 4, 4), dtype=np.uint8))
    with pytest.raises(DataError, match="no coordinate reference system"):
        Basemap.open(bare, "x")


def _config_with(tmp_path: Path, cfg, export_table: str) -> Path:
    path = copy_config(tmp_path, cfg)
    path.write_text(path.read_text() + "[export]\n" + export_table)
    return path


def test_config_export_table(tmp_path, biborough_config, rgb_tif):
    ok = load_config(_config_with(tmp_path, biborough_config, f'basemap = "{rgb_tif}"\nbasemap_attribution = "{BASEMAP_CREDIT}"\n'))
    assert ok.export.basemap == rgb_tif and ok.export.basemap_attribution == BASEMAP_CREDIT
    assert load_config(copy_config(tmp_path, biborough_config)).export.basemap is None
    bad = {
        f'basemap = "{rgb_tif}"\n': "basemap_attribution is required",
        'basemap = "nowhere.tif"\nbasemap_attribution = "x"\n': "basemap = 'nowhere.tif': file not found",
        'basemap_attribution = "x"\n': "no basemap is named",
        'tiles = "https://tile.example/{z}/{x}/{y}.png"\n': r"unknown key\(s\) \['tiles'\]",
    }
    for text, message in bad.items():
        with pytest.raises(ConfigError, match=message):
            load_config(_config_with(tmp_path, biborough_config, text))


@pytest.fixture(scope="module")
def basemap_pack(biborough_config, rgb_tif, tmp_path_factory):
    from geo.build import run
    from geo.export.pack import export_pack

    d = tmp_path_factory.mktemp("bm_cfg")
    cfg = load_config(_config_with(d, biborough_config, f'basemap = "{rgb_tif}"\nbasemap_attribution = "{BASEMAP_CREDIT}"\n'))
    out = tmp_path_factory.mktemp("bm_pack")
    res = export_pack(run(cfg), out, hub="WCC-BES", dpi=60, progress=False, parallel=False)
    return res, out


@pytest.fixture(scope="module")
def plain_pack(biborough_build, tmp_path_factory) -> Path:
    """The same hub's pack without a basemap."""
    from geo.export.pack import export_pack

    out = tmp_path_factory.mktemp("plain_pack")
    export_pack(biborough_build, out, hub="WCC-BES", dpi=60, progress=False, parallel=False)
    return out


def _greenish(img: np.ndarray) -> float:
    rgb = img[..., :3].astype(int)
    return float(((rgb[..., 1] - rgb[..., 0] > 60) & (rgb[..., 1] - rgb[..., 2] > 40)).mean())


def test_hub_map_is_drawn_over_the_basemap(basemap_pack, plain_pack):
    res, out = basemap_pack
    with Image.open(out / "maps" / "WCC-BES.png") as im:
        with_basemap = np.asarray(im.convert("RGB"))
    with Image.open(plain_pack / "maps" / "WCC-BES.png") as im:
        without = np.asarray(im.convert("RGB"))
    assert _greenish(with_basemap) > 0.05, _greenish(with_basemap)  # the basemap shows through the translucent areas
    assert _greenish(without) < 0.005


def test_attribution_on_every_map(basemap_pack):
    res, out = basemap_pack
    text = subprocess.run(["pdftotext", "-layout", str(out / "pack.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = text.split("\f")
    hub_page = next(p for p in pages if "WCC-BES" in p and "Key figures" in p)
    assert "Basemap: Test basemap © Example Mapping Ltd" in " ".join(hub_page.split())
    assert "Contains OS data © Crown copyright" in " ".join(hub_page.split())


def test_map_html_embeds_the_basemap_offline(basemap_pack, plain_pack):
    _, out = basemap_pack
    page = (out / "map.html").read_text(encoding="utf-8")
    assert re.search(r"L\.imageOverlay\(\s*\"data:image/png;base64,", page)
    assert json.dumps(f"Basemap: {BASEMAP_CREDIT}") in page  # in the map's attribution control
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", page)  # loads nothing
    assert not re.search(r"L\.imageOverlay\(", (plain_pack / "map.html").read_text(encoding="utf-8"))  # none unless configured


def test_cli_rejects_an_unreadable_basemap_before_building(tmp_path, biborough_config, capsys):
    from geo.cli import main

    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"\x00" * 64)
    cfg = _config_with(tmp_path, biborough_config, f'basemap = "{junk}"\nbasemap_attribution = "x"\n')
    assert main(["export", "--config", str(cfg), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(junk) in err and "cannot read the basemap" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
