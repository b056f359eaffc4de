"""geo.maps.printmap on a small hand-made study area: layers, the hub's view, the scale bar and what a map draws."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PatchCollection, PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from shapely.geometry import Point, box

from geo.config import load_config
from geo.maps.furniture import scale_bar
from geo.maps.printmap import (
    COLOURS,
    GAP_HATCH,
    MapLayers,
    draw_hub_map,
    hub_map_figure,
    hub_view,
    legend_handles,
    map_layers,
)
from geo.maps.style import ATTRIBUTION, LAYERS

REPO = Path(__file__).resolve().parents[2]
KM = 1000.0


def _result():
    """A 3 x 3 km grid of 1 km LSOAs: H1's catchment is the left two columns, H2's the right one."""
    cells = [(i, j) for j in range(3) for i in range(3)]
    lsoa = gpd.GeoDataFrame(
        {
            "lsoa21cd": [f"E0100000{k}" for k in range(9)],
            "priority_score": [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, np.nan],
            "hub_id": ["H1" if i < 2 else "H2" for i, _ in cells],
        },
        geometry=[
            box(500_000 + i * KM, 180_000 + j * KM, 500_000 + (i + 1) * KM, 180_000 + (j + 1) * KM) for i, j in cells
        ],
        crs=27700,
    )
    wards = gpd.GeoDataFrame(
        {"ward_code": ["W1", "W2"], "ward_name": ["West Ward", "East $ Ward"]},
        geometry=[box(500_000, 180_000, 501_500, 183_000), box(501_500, 180_000, 503_000, 183_000)],
        crs=27700,
    )
    catchments = lsoa.dissolve("hub_id").reset_index()[["hub_id", "geometry"]]
    gaps = gpd.GeoDataFrame(
        {"hub_id": ["H1"], "gap_type": ["beyond reach"]}, geometry=[box(500_000, 182_000, 501_000, 183_000)], crs=27700
    )
    hubs = gpd.GeoDataFrame(
        {"hub_id": ["H1", "H2", "S1"], "name": ["One", "Two", "Spoke"], "site_type": ["hub", "hub", "spoke"]},
        geometry=[Point(500_500, 180_500), Point(502_500, 181_500), Point(501_500, 181_500)],
        crs=27700,
    )
    config = load_config(REPO / "config.toml")
    return SimpleNamespace(
        lsoa=lsoa, wards=wards, config=config, hubs=hubs, catchments=lambda: catchments.copy(), gaps=lambda: gaps.copy()
    )


@pytest.fixture(scope="module")
def layers() -> MapLayers:
    return map_layers(_result())


def test_map_layers_classes_the_whole_study_area(layers):
    assert layers.has_missing
    assert len(layers.labels) == len(layers.colours) >= 3
    # quantile classes of the 8 scores, bounds as whole numbers from 10
    assert layers.labels[0] == "0 – 14" and layers.labels[-1].endswith(" – 70")
    assert all(c in LAYERS["priority"].colors for c in layers.colours)
    fill = layers.lsoa.set_index("lsoa21cd")["fill"]
    assert fill["E01000008"] == COLOURS["no data"]
    assert fill["E01000000"] == layers.colours[0] and fill["E01000007"] == layers.colours[-1]
    assert list(layers.wards.columns) == ["ward_code", "ward_name", "geometry"]
    assert layers.basemap is None and layers.attribution == ATTRIBUTION


def test_hub_view_keeps_the_catchment_and_the_aspect(layers):
    x0, x1, y0, y1 = hub_view(layers, "H1", aspect=1.0)
    # H1's catchment is 2 km wide and 3 km tall: 6% margin each side, then widened to square
    assert (y1 - y0) == pytest.approx(3 * KM * 1.12)
    assert (x1 - x0) == pytest.approx(y1 - y0)
    assert (x0 + x1) / 2 == pytest.approx(501_000) and (y0 + y1) / 2 == pytest.approx(181_500)
    x0, x1, y0, y1 = hub_view(layers, "H2", aspect=2.0)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(2.0)
    assert x0 < 502_000 and x1 > 503_000


def test_hub_view_of_a_hub_without_catchment_is_two_km_around_it(layers):
    x0, x1, y0, y1 = hub_view(layers, "S1", aspect=1.0, margin=0.0)
    assert (x0, x1, y0, y1) == (500_500, 502_500, 180_500, 182_500)


def test_scale_bar_picks_a_round_length_and_labels_it():
    fig = Figure(figsize=(4, 4))
    ax = fig.add_axes((0, 0, 1, 1))
    length = scale_bar(ax, (0, 12_000, 0, 12_000))
    assert length == 2500
    assert [t.get_text() for t in ax.texts] == ["0", "1.25", "2.5 km"]
    assert len(ax.patches) == 3  # a white backing and two segments
    assert to_hex(ax.patches[1].get_facecolor()) == "#000000" and to_hex(ax.patches[2].get_facecolor()) == "#ffffff"
    assert ax.patches[1].get_width() == pytest.approx(1250)
    assert scale_bar(Figure().add_subplot(), (0, 900, 0, 900)) == 200


def test_draw_hub_map_draws_areas_lines_sites_and_furniture(layers):
    fig = Figure(figsize=(6, 6))
    ax = fig.add_axes((0, 0, 1, 1))
    venues = gpd.GeoDataFrame({"rank": [2, 1]}, geometry=[Point(500_300, 182_300), Point(501_300, 180_300)], crs=27700)
    extent = draw_hub_map(ax, layers, "H1", venues)
    assert ax.get_xlim() == pytest.approx(extent[:2]) and ax.get_ylim() == pytest.approx(extent[2:])
    fills = [c for c in ax.collections if isinstance(c, PatchCollection)]
    # outside (H2's 3 LSOAs), inside (H1's 6) and the hatched gap
    assert [len(c.get_paths()) for c in fills] == [3, 6, 1]
    assert {to_hex(c) for c in fills[0].get_facecolor()} == {COLOURS["outside"]}
    # the gap: a light, half-transparent pattern over the fill, and a dotted outline (not colour alone)
    assert fills[2].get_hatch() == GAP_HATCH["beyond reach"]
    assert fills[2].get_edgecolor()[0][3] < 0.6 and len(fills[2].get_facecolor()) == 0 or fills[2].get_facecolor()[0][3] == 0
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert {to_hex(c.get_colors()[0]) for c in lines} == {COLOURS["ward"], COLOURS["catchment"], COLOURS["beyond reach"]}
    styles = {to_hex(c.get_colors()[0]) + str(c.get_linestyle()[0][1]) for c in lines}
    assert len(styles) == 3  # ward dashed, catchment solid, gap dotted: three line styles
    assert [str(c.get_linestyle()[0][1]) for c in lines].count("None") == 1  # one solid line: the catchment
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(m.get_offsets()) for m in markers] == [1, 2, 2]  # spoke, hubs, venues
    texts = [t.get_text() for t in ax.texts]
    assert "1" in texts and "2" in texts and "N" in texts
    assert "West Ward" in texts  # the ward centre inside the catchment is labelled
    assert "East \\$ Ward" not in texts  # its representative point lies in H2's catchment
    assert {"H1", "H2", "S1"} <= texts_of_annotations(ax)
    bold = [t.get_text() for t in ax.texts if t.get_fontweight() == "bold" and t.get_text().startswith(("H", "S"))]
    assert bold == ["H1"]
    assert any(t.get_text().endswith("km") or t.get_text().endswith(" m") for t in ax.texts)


def texts_of_annotations(ax) -> set[str]:
    return {t.get_text() for t in ax.texts if hasattr(t, "xyann")}


def test_legend_and_figure(layers):
    labels = [h.get_label() for h in legend_handles(layers)]
    assert labels[: len(layers.labels)] == layers.labels
    assert "no data" in labels and "Gap: beyond reach" in labels and labels[-1] == "Suggested venue (by rank)"
    assert "Suggested venue (by rank)" not in [h.get_label() for h in legend_handles(layers, venues=False)]
    assert "Gap: beyond reach" not in [h.get_label() for h in legend_handles(layers, gaps=False)]
    fig = hub_map_figure(layers, "H1", title="One $ Hub", subtitle="a subtitle", synthetic=True)
    texts = [t.get_text() for t in fig.texts]
    assert texts[0] == "One \\$ Hub" and "a subtitle" in texts and " SYNTHETIC DATA " in texts
    assert " ".join(texts[-1].split()) == " ".join(ATTRIBUTION.split())  # wrapped to the map's width
    assert min(t.get_fontsize() for t in fig.texts) >= 8  # 8 pt or more at the printed size
    assert len(fig.axes) == 2
    legend = fig.axes[1].get_legend()
    assert [" ".join(t.get_text().split()) for t in legend.get_texts()] == [h.get_label() for h in legend_handles(layers, venues=False)]
