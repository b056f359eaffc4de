"""XYZ tiles under the print maps (geo.maps.printtiles): fetched from the configured host only, drawn muted
under the areas, credited in the source line; a failing server leaves a map without tiles and a note."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from geo.maps.printmap import hub_map_figure, hub_view, map_layers
from geo.maps.printtiles import MUTE, PrintTiles, _to_3857, draw_tiles, prefetch_hubs, tile_range
from geo.maps.tiles import TileSettings

#: a tile colour no map layer uses (magenta), and what it looks like muted
TILE_RGB = (200, 0, 200)
HUB = "RBKC-S"


class _Tiles(BaseHTTPRequestHandler):
    """Serves the same magenta 256 px PNG for every path (or 500s when ``fail``); records the paths."""

    requested: list[str] = []
    png = b""
    fail = False

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requested.append(self.path)
        if self.fail:
            self.send_error(500)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.png)))
        self.end_headers()
        self.wfile.write(self.png)

    def log_message(self, *args):
        pass


def _serve(fail: bool):
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_RGB).save(buf, "PNG")
    handler = type("Tiles", (_Tiles,), {"requested": [], "png": buf.getvalue(), "fail": fail})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, handler


@pytest.fixture(params=[False, True], ids=["serving", "failing"])
def tile_server(request):
    httpd, handler = _serve(request.param)
    yield f"127.0.0.1:{httpd.server_address[1]}", handler.requested, request.param
    httpd.shutdown()
    httpd.server_close()


def _settings(host: str) -> TileSettings:
    return TileSettings(url=f"http://{host}/{{z}}/{{x}}/{{y}}.png", attribution="Test tiles from the local server",
                        html_attribution="Test tiles from the local server", max_zoom=18)


def _magenta_share(fig) -> float:
    """Share of the map's pixels tinted by the tile colour (red and blue well above green)."""
    buf = io.BytesIO()
    fig.savefig(buf, dpi=100)
    px = np.asarray(Image.open(buf).convert("RGB")).astype(int)
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    return float(((r - g > 40) & (b - g > 40)).mean())


def test_no_map_table_means_no_tiles_and_no_request(biborough_build):
    layers = map_layers(biborough_build)
    assert biborough_build.config.tiles is None and layers.tiles is None
    assert "Basemap" not in layers.attribution
    assert _magenta_share(hub_map_figure(layers, HUB)) < 0.001  # antialiased edges only


def test_print_map_draws_the_tiles_or_notes_their_failure(biborough_build, tile_server):
    host, requested, fail = tile_server
    layers = dataclasses.replace(map_layers(biborough_build), tiles=PrintTiles(_settings(host)))
    prefetch_hubs(layers.tiles, layers, [HUB], hub_view=hub_view)
    assert requested, "the tile server was asked for nothing"
    zooms = {int(p.split("/")[1]) for p in requested}
    assert zooms == {layers.tiles.zooms[HUB]} and 13 <= layers.tiles.zooms[HUB] <= 18
    fig = hub_map_figure(layers, HUB)
    share = _magenta_share(fig)
    if fail:
        assert layers.tiles.failed and share < 0.001
        assert "tiles were unavailable" in layers.attribution and host in layers.attribution
        assert len(requested) == 1  # the first failure stops the fetching
    else:
        assert layers.tiles.failed is None and share > 0.2  # under the translucent fills and beyond the areas
        assert "Test tiles from the local server" in layers.attribution
        assert len(requested) == len(set(requested)) == len(layers.tiles.cache)  # each tile once
        n = len(requested)
        hub_map_figure(layers, HUB)  # drawn again: nothing new fetched
        assert len(requested) == n


def test_pack_credits_the_tiles_in_the_pdf(biborough_build, tile_server, tmp_path):
    from geo.export.pack import export_pack

    host, requested, fail = tile_server
    result = dataclasses.replace(biborough_build, config=dataclasses.replace(biborough_build.config,
                                                                               tiles=_settings(host)))
    out = export_pack(result, tmp_path, hub=HUB, dpi=30, progress=False, parallel=False)
    text = " ".join(subprocess.run(["pdftotext", str(out.paths["pack"]), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert requested and all(p.endswith(".png") for p in requested)
    if fail:
        assert "Basemap tiles were unavailable" in text
    else:
        assert "Basemap tiles: Test tiles from the local server" in text
        assert "unavailable" not in text


def test_tiles_are_placed_in_british_national_grid():
    """A dark pixel at a known place on a Web Mercator tile lands at that place on the 27700 map, muted."""
    from matplotlib.figure import Figure
    from pyproj import Transformer

    x27, y27 = 526371.8, 177483.8  # a point in Kensington
    mx, my = Transformer.from_crs(27700, 3857, always_xy=True).transform(x27, y27)
    z = 15
    size = 2 * 20037508.342789244 / 2 ** z
    tiles = PrintTiles(_settings("127.0.0.1:9"))  # nothing listens: every tile must come from the cache
    extent = (x27 - 1500, x27 + 1500, y27 - 1500, y27 + 1500)
    x0, x1, y0, y1 = tile_range(_to_3857(extent), z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            tile = np.full((256, 256, 3), 255, dtype=np.uint8)
            col = (mx + 20037508.342789244 - x * size) / size * 256
            row = (20037508.342789244 - my - y * size) / size * 256
            if 0 <= col < 256 and 0 <= row < 256:
                tile[int(row) - 2:int(row) + 3, int(col) - 2:int(col) + 3] = 0
            tiles.cache[(z, x, y)] = tile
    tiles.zooms["H"] = z
    ax = Figure().add_subplot()
    assert draw_tiles(ax, tiles, "H", extent, width=600) and tiles.failed is None
    image = np.asarray(ax.images[0].get_array())
    dark = np.argwhere(image[..., 0] < 255 * MUTE + 40)
    assert len(dark)
    row, col = dark.mean(axis=0)
    assert abs(col - 300) < 3 and abs(row - 300) < 3  # the centre of a 600 x 600 grid over 3 km: within 15 m
    assert image.min() >= round(255 * MUTE) - 1  # muted: nothing darker than half-way to white
