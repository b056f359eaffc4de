"""``python -m geo init`` for a council with no config yet (Leeds, E08000035), hubs by postcode, on real data (issue 20).

Also the England-wide postcodes and venues that ``fetch`` now writes for any council, checked
against independent reads of the national files.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geo.config import load_config
from geo.sources.national import LIBRARY_TYPES
from tests.conftest import REPO

LEEDS = "E08000035"
HUBS_CSV = "name,postcode,site_type,parent_hub_id,hub_id\nHarehills Family Hub,ls7 4en,hub,,HAREHILLS\nArmley Hub,LS12  2RR,,,\n" \
           "Seacroft Library,LS15 4DH,spoke,HAREHILLS,\n"


def geo_cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "geo", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def leeds(tmp_path_factory, mirror):
    root = tmp_path_factory.mktemp("leeds")
    (root / "hubs_in.csv").write_text(HUBS_CSV)
    proc = geo_cli("init", "--la", LEEDS, "--name", "Leeds", "--out", root / "configs" / "leeds.toml",
                   "--hubs", root / "hubs_in.csv", "--hub", "Otley Hub=LS21 1BZ", "--hub", "Bradford Hub = bd11af",
                   "--mirror", mirror, "--data", root / "data")
    assert proc.returncode == 0, proc.stderr
    return root, proc


@pytest.fixture(scope="module")
def national_postcodes(mirror) -> pd.DataFrame:
    return pd.read_csv(mirror / "venues" / "postcodes_codepoint_2025q4_england.csv.gz", dtype=str)  # the C engine, all columns


def test_init_writes_a_config_whose_paths_are_relative_to_its_folder(leeds):
    root, proc = leeds
    text = (root / "configs" / "leeds.toml").read_text()
    assert str(root) not in text and '"../data/boundaries"' in text
    cfg = load_config(root / "configs" / "leeds.toml")
    assert cfg.la_codes == (LEEDS,) and cfg.name == "Leeds" and cfg.slug == "leeds"
    assert cfg.travel.mode == "drive" and "outside London" in text
    assert cfg.extracts.hubs.resolve() == (root / "data" / "extracts" / "leeds" / "hubs.csv").resolve()
    assert cfg.extracts.review_takeup is None and "geo ingest" in text
    assert cfg.store.dir.resolve() == (root / "data" / "store").resolve()   # git-ignored data/store, not configs/data/store
    assert "warning: hub 'Bradford Hub' (BD1 1AF) is outside the study area" in proc.stdout


def test_hubs_are_geocoded_from_the_national_postcode_file(leeds, national_postcodes):
    root, _ = leeds
    hubs = pd.read_csv(root / "data" / "extracts" / "leeds" / "hubs.csv", dtype={"parent_hub_id": str}, keep_default_na=False)
    assert hubs["postcode"].tolist() == ["LS7 4EN", "LS12 2RR", "LS15 4DH", "LS21 1BZ", "BD1 1AF"]
    assert hubs["hub_id"].tolist()[:2] == ["HAREHILLS", "ARMLEY-HUB"]
    assert hubs["site_type"].tolist() == ["hub", "hub", "spoke", "hub", "hub"]
    assert hubs["parent_hub_id"].tolist() == ["", "", "HAREHILLS", "", ""]
    cp = national_postcodes.set_index("postcode")
    assert hubs["easting"].tolist() == cp.loc[hubs["postcode"], "easting"].astype(int).tolist()
    assert hubs["northing"].tolist() == cp.loc[hubs["postcode"], "northing"].astype(int).tolist()
    assert hubs["la_code"].tolist() == [LEEDS] * 4 + ["E08000032"]  # Bradford: kept, with a warning


def test_build_runs_before_any_extract_and_says_what_is_missing(leeds, tmp_path):
    root, _ = leeds
    proc = geo_cli("build", "--config", root / "configs" / "leeds.toml", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "hubs: 5 rows in = 5 used" in proc.stdout and "review take-up and reach not available" in proc.stdout
    lsoa = pd.read_csv(tmp_path / "out" / "lsoa.csv")
    assert len(lsoa) == 488 and lsoa["priority_score"].isna().all() and lsoa["need_score"].notna().all()
    assert lsoa["hub_id"].isin(["HAREHILLS", "ARMLEY-HUB", "OTLEY-HUB", "BRADFORD-HUB"]).all()


def test_demo_extracts_then_build_end_to_end(leeds, tmp_path):
    root, _ = leeds
    config = root / "configs" / "leeds.toml"
    demo = geo_cli("demo", "--config", config, "--out", tmp_path / "demo")
    assert demo.returncode == 0, demo.stderr
    text = config.read_text().replace("synthetic = false", "synthetic = true")
    for kind in ("review_takeup", "hub_attendance"):
        text = text.replace(f"# {kind} = ", f"{kind} = ").replace(
            f'{kind} = "../data/extracts/leeds/{kind}.csv"', f'{kind} = "{tmp_path / "demo" / f"{kind}.csv"}"')
    (root / "configs" / "leeds_demo.toml").write_text(text)
    proc = geo_cli("build", "--config", root / "configs" / "leeds_demo.toml", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    lsoa = pd.read_csv(tmp_path / "out" / "lsoa.csv")
    assert lsoa["priority_score"].notna().all()
    planted = pd.read_csv(tmp_path / "demo" / "planted.csv")["lsoa21cd"]
    assert lsoa.set_index("lsoa21cd").loc[planted, "priority_rank"].median() <= 60  # of 488


def test_postcodes_are_every_postcode_of_the_study_areas_lsoas(leeds, national_postcodes):
    root, _ = leeds
    pcs = pd.read_csv(root / "data" / "extracts" / "public" / "leeds" / "postcodes.csv", dtype=str)
    lsoas = set(pyogrio.read_dataframe(root / "data" / "boundaries" / "leeds" / "lsoa21.gpkg", read_geometry=False)["lsoa21cd"])
    expected = national_postcodes[national_postcodes["lsoa21cd"].isin(lsoas)]
    assert len(pcs) == len(expected) > 20_000
    assert sorted(pcs["postcode"]) == sorted(expected["postcode"])
    assert pcs.columns.tolist() == ["postcode", "easting", "northing", "longitude", "latitude", "admin_district_code", "lsoa21cd"]


def test_venues_have_addresses_and_postcodes(leeds, mirror):
    root, _ = leeds
    v = pd.read_csv(root / "data" / "extracts" / "public" / "leeds" / "venues.csv", keep_default_na=False)
    assert set(v["type"]) == {"school", "gp_practice", "library"}
    assert (v["postcode"].str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}")).all()
    named = v[v["type"] != "school"]
    assert (named["address"] != "").all() and (named["postcode_note"] == "").all()
    schools = v[v["type"] == "school"]
    assert (schools["postcode_note"] == "nearest postcode (GIAS gives no address)").all()
    libs = pyogrio.read_dataframe(mirror / "venues" / "libraries_ace_basic_dataset_2023_england.gpkg", read_geometry=False)
    leeds_libs = libs[(libs["reporting_service_code"] == LEEDS) & libs["year_closed"].isna() & libs["operation_in_2023"].notna()
                      & libs["type"].isin(LIBRARY_TYPES)]
    assert (v["type"] == "library").sum() == len(leeds_libs) > 20
    gp = pyogrio.read_dataframe(mirror / "venues" / "gp_practices_epraccur_2023-12_england.gpkg", read_geometry=False)
    got = v.loc[v["type"] == "gp_practice"].set_index("venue_id")["postcode"]
    assert got.to_dict() == {f"ODS{c}": p for c, p in zip(gp["org_code"], gp["postcode"]) if f"ODS{c}" in got.index}


def test_manifest_names_the_england_files_and_their_licence(leeds):
    root, _ = leeds
    manifest = json.loads((root / "data" / "extracts" / "public" / "leeds" / "manifest.json").read_text())
    sources = {Path(s["path"]).name: s["licence"] for f in manifest["files"] for s in f["sources"]}
    for name in ("postcodes_codepoint_2025q4_england.csv.gz", "gp_practices_epraccur_2023-12_england.gpkg",
                 "libraries_ace_basic_dataset_2023_england.gpkg", "schools_gias_open_2025-05_england.gpkg"):
        assert name in sources and ("Open Government Licence" in sources[name] or "OGL" in sources[name])


@pytest.mark.parametrize(("args", "message"), [
    (["--la", "E06999999"], "unknown local authority code(s) E06999999"),
    (["--la", "leeds"], "unknown local authority code(s) LEEDS (an English LA code is"),
    (["--la", LEEDS, "--hub", "Nowhere=ZZ99 9ZZ"], "postcode(s) not found in venues/postcodes_codepoint_2025q4_england.csv.gz: ZZ99 9ZZ"),
    (["--la", LEEDS, "--hub", "Bad=not a postcode"], "not a postcode: 'not a postcode'"),
])
def test_bad_input_is_one_message_exit_2_and_nothing_written(tmp_path, mirror, args, message):
    out = tmp_path / "configs" / "x.toml"
    proc = geo_cli("init", *args, "--name", "X", "--out", out, "--mirror", mirror, "--data", tmp_path / "data")
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not out.exists() and not (tmp_path / "data").exists()


def test_an_existing_config_is_not_replaced_without_force(leeds, mirror):
    root, _ = leeds
    proc = geo_cli("init", "--la", LEEDS, "--name", "Leeds", "--out", root / "configs" / "leeds.toml", "--mirror", mirror)
    assert proc.returncode == 2 and "exists: choose another name or pass --force" in proc.stderr


def test_a_bad_hubs_file_names_its_rows_and_columns(tmp_path, mirror):
    hubs = tmp_path / "hubs.csv"
    hubs.write_text("name,postcode,site_type\nA Hub,LS7 4EN,centre\n,LS12 2RR,hub\n")
    proc = geo_cli("init", "--la", LEEDS, "--name", "X", "--out", tmp_path / "x.toml", "--hubs", hubs, "--mirror", mirror,
                   "--data", tmp_path / "data")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{hubs}: row 2: column 'site_type': site_type must be 'hub' or 'spoke'" in proc.stderr, proc.stderr
    assert f"{hubs}: row 3: column 'name': name is empty" in proc.stderr
    assert not (tmp_path / "x.toml").exists()


def test_a_hostile_name_cannot_rewrite_the_written_config(tmp_path):
    """A study-area or hub name with newlines, quotes or control characters stays one TOML string (no injected table)."""
    import tomllib

    from geo.setup import config_text

    evil = 'Evil\n[store]\nurl = "sqlite:////tmp/evil.sqlite"\n#\r"\x00\x7f'
    hubs = pd.DataFrame({"hub_id": ["H1"], "name": [evil], "la_code": [LEEDS], "site_type": ["hub"], "parent_hub_id": [""],
                         "lat": [53.8], "lon": [-1.5]})
    text = config_text(name=evil, slug="evil", codes=[LEEDS], la_names={LEEDS: "Leeds"}, root=tmp_path, data_dir=tmp_path,
                       mirror=None, mode="drive", hubs=hubs, hubs_path=tmp_path / "hubs.csv")
    raw = tomllib.loads(text)
    assert raw["store"] == {"dir": "store"} and "url" not in raw, raw.get("store")   # only the store folder init writes
    assert raw["study_area"]["name"].startswith("Evil [store] url = ") and raw["demo"]["hubs"][0]["name"].startswith("Evil")
