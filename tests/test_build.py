"""Integration tests of fetch → build on the real bi-borough data (through the mirror)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.config import ConfigError, load_config
from geo.outputs import GPKG_TIMESTAMP, write
from geo.sources import public_paths
from tests.conftest import REPO


def test_fetch_writes_clipped_public_data_with_manifest(biborough_config):
    paths = public_paths(biborough_config)
    manifest = json.loads(paths["manifest"].read_text())
    assert manifest["counts"]["lsoas"] == 224 and manifest["counts"]["wards"] == 36
    assert manifest["counts"]["wards_derived"] == 0
    for entry in manifest["files"]:
        assert len(entry["sha256"]) == 64
        assert all(s["licence"] and s["publisher"] and len(s["sha256"]) == 64 for s in entry["sources"])
    lsoa = pyogrio.read_dataframe(paths["lsoa"])
    assert lsoa.crs.to_epsg() == 27700
    assert set(lsoa["lad_code"]) == {"E09000033", "E09000020"}
    assert (lsoa["lad_code"] == "E09000033").sum() == 123


def test_build_bi_borough_counts(biborough_build):
    lsoa, wards = biborough_build.lsoa, biborough_build.wards
    assert len(lsoa) == 224 and lsoa["lsoa21cd"].is_unique
    assert len(wards) == 36 and wards["ward_code"].is_unique
    # every LSOA has IMD and population, and falls in exactly one ward
    assert lsoa["imd_score"].notna().all() and lsoa["imd_decile"].between(1, 10).all()
    assert lsoa["under5_est"].gt(0).all() and lsoa["pop_0_15"].gt(0).all()
    assert lsoa["ward_code"].notna().all() and lsoa["ward_code"].isin(wards["ward_code"]).all()
    assert lsoa.groupby("lsoa21cd")["ward_code"].nunique().eq(1).all()
    assert wards["lsoas"].sum() == 224 and wards["lsoas"].min() >= 3
    # IMD deciles as SOURCES.md reports them
    wm = lsoa[lsoa["lad_code"] == "E09000033"]
    assert (wm["imd_decile"] == 1).sum() == 11 and (wm["imd_decile"] == 2).sum() == 18
    assert lsoa["idaci_score"].notna().all()


def test_ward_figures_are_sums_with_rates_recomputed(biborough_build):
    lsoa, wards = biborough_build.lsoa, biborough_build.wards.set_index("ward_code")
    sums = lsoa.groupby("ward_code")[["review_eligible", "review_completed", "hub_children", "under5_est"]].sum()
    pd.testing.assert_frame_equal(wards.loc[sums.index, sums.columns], sums, check_dtype=False, check_names=False)
    np.testing.assert_allclose(wards["review_rate"], wards["review_completed"] / wards["review_eligible"])
    mean_of_rates = lsoa.groupby("ward_code")["review_rate"].mean()
    assert not np.allclose(wards.loc[mean_of_rates.index, "review_rate"], mean_of_rates)


def test_counts_reconcile_exactly_with_the_extract(biborough_build):
    rec = biborough_build.reconciliation()
    assert rec["all_balanced"]
    review = pd.read_csv(REPO / "data/extracts/demo/biborough/review_takeup.csv")
    window = rec["period"]["window"]  # the quarters pooled ([analysis] pool_quarters)
    assert len(window) == 4 and rec["periods"]["review_takeup"] == f"{window[0]} to {window[-1]} pooled"
    latest = review[review["period"].isin(window)]
    assert biborough_build.lsoa["review_eligible"].sum() == latest["eligible"].sum()
    assert biborough_build.lsoa["review_completed"].sum() == latest["completed"].sum()
    att = pd.read_csv(REPO / "data/extracts/demo/biborough/hub_attendance.csv")
    per_hub = att[att["period"].isin(window)].groupby(["area_code", "hub_id"])["children"].sum()  # averaged per quarter
    assert biborough_build.lsoa["hub_children"].sum() == int(np.floor(per_hub / len(window) + 0.5).sum())
    for f in rec["files"]:
        assert f["rows_in"] == f["rows_used"] + f["rows_excluded"]


def test_build_writes_outputs(biborough_build, tmp_path):
    paths = write(biborough_build, tmp_path)
    lsoa = pd.read_csv(paths["lsoa"])
    required = ["lsoa21cd", "lsoa21nm", "lad_code", "ward_code", "ward_name", "under5_est", "imd_score", "imd_decile",
                "idaci_score", "review_eligible", "review_completed", "review_rate", "hub_children", "reach_rate"]
    assert [c for c in required if c not in lsoa.columns] == []
    assert len(lsoa) == 224 and len(pd.read_csv(paths["wards"])) == 36
    layers = {name for name, _ in pyogrio.list_layers(paths["areas"])}
    assert {"lsoa", "wards", "hubs", "venues"} <= layers
    hubs = pyogrio.read_dataframe(paths["areas"], layer="hubs")
    assert len(hubs) == 6 and set(hubs["site_type"]) == {"hub", "spoke"}


def test_writing_a_build_twice_gives_the_same_bytes(biborough_build, tmp_path):
    """Deterministic outputs: every file, the GeoPackage too (GDAL would stamp it with the clock)."""
    import hashlib
    import time

    first = write(biborough_build, tmp_path / "a")
    time.sleep(1.1)  # a clock-stamped file would now differ
    second = write(biborough_build, tmp_path / "b")
    assert sorted(first) == sorted(second)
    digest = {name: [hashlib.sha256(p[name].read_bytes()).hexdigest() for p in (first, second)] for name in first}
    assert {name for name, (a, b) in digest.items() if a != b} == set()
    with __import__("sqlite3").connect(first["areas"]) as db:
        assert {row[0] for row in db.execute("SELECT last_change FROM gpkg_contents")} == {GPKG_TIMESTAMP}


def test_under5_file_wins_over_estimate(biborough_config, tmp_path):
    from geo.build import run
    from tests.conftest import copy_config

    codes = pd.read_csv(biborough_config.public_dir / "lookup_ward.csv")["lsoa21cd"].head(10)
    p = tmp_path / "u5.csv"
    pd.DataFrame({"area_code": codes, "under5": range(100, 110)}).to_csv(p, index=False)
    cfg = load_config(copy_config(tmp_path, biborough_config, under5=p))
    result = run(cfg)
    lsoa = result.lsoa.set_index("lsoa21cd")
    assert lsoa.loc[codes, "under5_est"].tolist() == list(range(100, 110))
    assert (lsoa.loc[codes, "under5_source"] == "supplied under-5 file").all()
    others = lsoa.drop(index=codes)
    np.testing.assert_allclose(others["under5_est"], (others["pop_0_15"] * 0.30).round(1))


@pytest.mark.parametrize("text, words", [
    ("[study_area]\nname = 'x'\nslug = 'x'\nla_codes = ['E0900003']\n", "not English LA codes"),
    ("[study_area]\nname = 'x'\nslug = 'x'\n", "la_codes"),
    ("[study_area\nname = 'x'\n", "not valid TOML"),
    ("[study_area]\nname = 'x'\nslug = 'x'\nla_codes = ['E09000033']\n[travel]\nmode = 'hover'\n", "mode = 'hover'"),
    ("[study_area]\nname = 'x'\nslug = 'x'\nla_codes = ['E09000033']\n[model]\nneed_weights = { idaci = -1 }\n", "outside"),
    ("[study_area]\nname = 'x'\nslug = 'x'\nla_codes = ['E09000033']\n[disclosure]\nthreshold = 'five'\n", "threshold"),
    ("[study_area]\nname = 'x'\nslug = 'x'\nla_codes = ['E09000033']\n[extra]\n", "unknown table"),
])
def test_bad_config_gets_a_clear_message(tmp_path, text, words, capsys):
    from geo.cli import main

    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=words):
        load_config(p)
    assert main(["build", "--config", str(p), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(p) in err and "Traceback" not in err


def test_missing_config_and_missing_public_data(tmp_path, capsys):
    from geo.cli import main

    assert main(["build", "--config", str(tmp_path / "none.toml")]) == 2
    assert "config file not found" in capsys.readouterr().err
    p = tmp_path / "c.toml"
    p.write_text("[study_area]\nname = 'x'\nslug = 'nothing-fetched'\nla_codes = ['E09000033']\n")
    assert main(["build", "--config", str(p), "--out", str(tmp_path / "o")]) == 2
    assert "geo fetch" in capsys.readouterr().err


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    sub = tmp_path / "council"
    sub.mkdir()
    (sub / "c.toml").write_text("[study_area]\nname='x'\nslug='x'\nla_codes=['E09000033']\n[extracts]\nreview_takeup='extracts/r.csv'\n")
    cfg = load_config(sub / "c.toml")
    assert cfg.extracts.review_takeup == sub / "extracts" / "r.csv"
    assert cfg.boundaries_dir == sub / "data" / "boundaries" / "x"
