"""National scale (issue 7): candidate schools of every phase, robust dissolves and the fast
paths of the build (study-area test, CSV writer, per-LA siting) giving the same results as the
straightforward code they replace."""

from __future__ import annotations

import filecmp

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon, box

from geo.config import ConfigError, load_config
from geo.inputs.venues import inside_area
from geo.outputs import write_csv
from geo.spatial import dissolve, sum_min_count_1
from tests.conftest import REPO

# ---------------------------------------------------------------------------------------------
# [data] venue_school_phases


def _config(tmp_path, data_lines: str):
    p = tmp_path / "c.toml"
    p.write_text('[study_area]\nname = "x"\nslug = "x"\nla_codes = ["E09000033"]\n[data]\n' + data_lines)
    return load_config(p)


def test_venue_school_phases_default_all_and_list(tmp_path):
    assert _config(tmp_path, "").venue_school_phases == ("Nursery", "Primary", "All-through")
    assert _config(tmp_path, 'venue_school_phases = "all"\n').venue_school_phases == ("all",)
    assert _config(tmp_path, 'venue_school_phases = ["Secondary", "Primary", "Secondary"]\n').venue_school_phases == ("Secondary", "Primary")
    assert load_config(REPO / "configs" / "england.toml").venue_school_phases == ("all",)
    assert load_config(REPO / "config.toml").venue_school_phases == ("Nursery", "Primary", "All-through")


@pytest.mark.parametrize("bad", ['"some"', "[]", "[1]", '[""]', "true"])
def test_venue_school_phases_rejects_bad_values(tmp_path, bad):
    with pytest.raises(ConfigError, match="venue_school_phases"):
        _config(tmp_path, f"venue_school_phases = {bad}\n")


def test_all_25120_english_schools_are_candidate_venues(mirror):
    """Every open school of England lies in an English LSOA, so all 25,120 are candidates."""
    from geo.sources.mirror import _venues

    lsoa = pyogrio.read_dataframe(mirror / "boundaries" / "lsoa21_england_bgc.gpkg", columns=["LSOA21CD", "LAD25CD"], use_arrow=True)
    lsoa = lsoa.rename(columns={"LSOA21CD": "lsoa21cd", "LAD25CD": "lad_code"})
    venues = _venues(mirror, lsoa, ("all",))
    schools = venues[venues["type"] == "school"]
    assert len(schools) == 25_120 and schools["venue_id"].is_unique
    default = _venues(mirror, lsoa)
    phase = schools["subtype"].str.split(" (", regex=False).str[0]
    kept = phase.isin(["Nursery", "Primary", "All-through"])
    assert int((default["type"] == "school").sum()) == int(kept.sum()) == 16_715 + 378 + 160
    assert set(phase) >= {"Secondary", "Not applicable", "16 plus"}


# ---------------------------------------------------------------------------------------------
# the study-area test without the union of all LSOAs


def test_inside_area_equals_contains_of_the_union(biborough_config):
    from geo.inputs.public import load_public

    lsoa = load_public(biborough_config).lsoa
    geoms = lsoa.geometry.to_numpy()
    rng = np.random.default_rng(0)
    x0, y0, x1, y1 = lsoa.total_bounds
    pts = np.column_stack([rng.uniform(x0 - 500, x1 + 500, 3000), rng.uniform(y0 - 500, y1 + 500, 3000)])
    verts = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_geometry(geoms, 0)))[::7]  # on boundaries
    xy = np.vstack([pts, verts])
    expected = shapely.contains_xy(shapely.union_all(geoms), xy[:, 0], xy[:, 1])
    got = inside_area(lsoa.geometry, xy[:, 0], xy[:, 1])
    assert got.dtype == bool and (got == expected).all()
    assert 0 < got[: len(pts)].sum() < len(pts) and got[len(pts):].any() and not got[len(pts):].all()
    one = shapely.union_all(geoms)
    assert (inside_area(one, xy[:, 0], xy[:, 1]) == expected).all()


# ---------------------------------------------------------------------------------------------
# dissolve: coverage union with a full-union fallback


def test_dissolve_matches_geopandas_on_a_clean_coverage():
    gdf = gpd.GeoDataFrame({"k": ["b", "a", "b", "a", None], "n": [1, 2, 3, 4, 5], "v": [1.5, np.nan, np.nan, np.nan, 2.0]},
                           geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=27700)
    agg = {"n": "sum", "v": sum_min_count_1}
    got = dissolve(gdf, "k", agg)
    want = gdf.dissolve(by="k", aggfunc={"n": "sum", "v": lambda s: s.sum(min_count=1)}, sort=True, method="coverage").reset_index()
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(want.drop(columns="geometry")))
    assert list(got.columns) == list(want.columns) and got.crs == want.crs
    assert shapely.equals_exact(got.geometry.values, want.geometry.values, tolerance=0).all()


@pytest.mark.parametrize("left", [
    Polygon([(0, 0), (1, 0), (1.0000001, 0.5), (1, 1), (0, 1)]),  # GEOS refuses: incorrectly noded
    Polygon([(0, 0), (1, 0), (1, 0.5), (1, 1), (0, 1)]),          # GEOS returns two parts sharing an edge
])
def test_dissolve_falls_back_to_a_full_union_on_mismatched_edges(left):
    right = box(1, 0, 2, 1)
    gdf = gpd.GeoDataFrame({"k": ["a", "a"]}, geometry=[left, right], crs=27700)
    out = dissolve(gdf, "k", {})
    geom = out.geometry.iloc[0]
    assert geom.is_valid and geom.geom_type == "Polygon"
    assert geom.area == pytest.approx(shapely.union_all([left, right]).area)


# ---------------------------------------------------------------------------------------------
# the CSV writer


def test_write_csv_is_byte_identical_to_pandas(tmp_path):
    df = pd.DataFrame({
        "a": [0.0, -0.0, np.nan, 1e-7, 123456789.0, -2.5, np.inf, -np.inf, 1 / 3],
        "b": ["x,y", 'q"t', None, "", "a\nb", "z\r", "ü", " s ", "k"],
        "d": [True, False] * 4 + [True],
        "i": np.arange(9),
        "o": np.array(["a", None, "b,c", "", "x", "y", "z", "w", "v"], dtype=object),
    })
    frames = [df, df.rename(columns={"a": "x,y"}), df[["a"]], df.iloc[:0],
              df.assign(c=pd.array([1, None, 3, 4, 5, 6, 7, 8, 9], dtype="Int64")),
              df.assign(o=[1, "a", None, 2.5, "b", "c", "d", "e", "f"])]
    for i, frame in enumerate(frames):
        frame.to_csv(tmp_path / f"pandas{i}.csv", index=False, float_format="%.6g")
        write_csv(frame, tmp_path / f"ours{i}.csv")
        assert filecmp.cmp(tmp_path / f"pandas{i}.csv", tmp_path / f"ours{i}.csv", shallow=False), i


def test_build_csv_outputs_are_byte_identical_to_pandas(biborough_build, tmp_path):
    for name, frame in (("lsoa", biborough_build.lsoa), ("wards", biborough_build.wards)):
        frame = frame.drop(columns="geometry")
        frame.to_csv(tmp_path / f"{name}_pandas.csv", index=False, float_format="%.6g")
        write_csv(frame, tmp_path / f"{name}.csv")
        assert filecmp.cmp(tmp_path / f"{name}_pandas.csv", tmp_path / f"{name}.csv", shallow=False), name


# ---------------------------------------------------------------------------------------------
# per-LA siting shares one context: same answers as suggest_sites LA by LA


def test_per_la_siting_equals_suggest_sites_la_by_la(biborough_build):
    from geo.sites import suggest_sites, suggest_sites_per_la

    result = biborough_build
    table, summaries = suggest_sites_per_la(result, k=3)
    travel = result.config.travel
    m = travel.modes[travel.mode]
    reach = travel.threshold_minutes / 60 * m.speed_kmh * 1000 / m.detour
    lad = result.lsoa["lad_code"].to_numpy()
    parts = []
    for code in sorted(set(lad)):
        mask = lad == code
        x0, y0, x1, y1 = result.demand[mask].total_bounds
        v = result.venues
        x, y = v.geometry.x.to_numpy(), v.geometry.y.to_numpy()
        near = v[(x >= x0 - reach) & (x <= x1 + reach) & (y >= y0 - reach) & (y <= y1 + reach)]
        s = suggest_sites(result, k=3, lsoa_mask=mask, venues=near)
        parts.append(s.table.assign(la_code=code))
        assert summaries[code]["chosen"] == list(s.result.chosen)
        assert summaries[code]["objective"] == s.result.objective
    want = pd.concat(parts, ignore_index=True)
    want = want[["la_code"] + [c for c in want.columns if c != "la_code"]]
    pd.testing.assert_frame_equal(table, want)
