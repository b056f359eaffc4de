"""England-wide postcodes and venues, with the bi-borough study-area files as the fallback (issue 20)."""

from __future__ import annotations

import time

import pandas as pd

from geo.config import load_config
from geo.sources import fetch, public_paths
from geo.sources.national import NATIONAL_FILES, STUDY_AREA_FILES, mirror_file, read_postcodes
from tests.conftest import REPO


def _mirror_without_england_venues(mirror, tmp_path):
    """A mirror laid out like shared/data with every file but the England-wide postcodes, GP practices and libraries."""
    england = {NATIONAL_FILES[k][0] for k in ("postcodes", "gp_practices", "libraries")}
    for f in mirror.rglob("*"):
        rel = f.relative_to(mirror)
        if f.is_file() and str(rel) not in england:
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).symlink_to(f)
    return tmp_path


def test_the_england_file_is_chosen_and_the_study_area_file_is_the_fallback(mirror, tmp_path):
    assert mirror_file(mirror, "postcodes") == NATIONAL_FILES["postcodes"]
    partial = _mirror_without_england_venues(mirror, tmp_path / "mirror")
    assert mirror_file(partial, "postcodes") == STUDY_AREA_FILES["postcodes"]
    assert mirror_file(partial, "schools") == NATIONAL_FILES["schools"]


def test_biborough_postcodes_agree_between_the_england_file_and_the_fallback(mirror, tmp_path):
    """The England file's LSOA (centroid within the BGC polygon) and the fallback's spatial join agree."""
    cfg = load_config(REPO / "config.toml")
    runs = {}
    for name, source in (("england", mirror), ("fallback", _mirror_without_england_venues(mirror, tmp_path / "mirror"))):
        c = cfg.with_(boundaries_dir=tmp_path / name / "b", public_dir=tmp_path / name / "p")
        manifest = fetch(c, source, log=lambda *a: None)
        runs[name] = (pd.read_csv(public_paths(c)["postcodes"], dtype=str), pd.read_csv(public_paths(c)["venues"]), manifest)
    (eng, eng_venues, manifest), (fb, fb_venues, _) = runs["england"], runs["fallback"]
    merged = eng.merge(fb, on="postcode", suffixes=("", "_fb"))
    assert len(merged) >= 0.999 * len(fb) and (merged["lsoa21cd"] == merged["lsoa21cd_fb"]).mean() > 0.999
    assert set(eng_venues["venue_id"]) == set(fb_venues["venue_id"])  # the same schools, GP practices and open libraries
    used = {s["path"] for f in manifest["files"] for s in f["sources"]}
    assert str(mirror / NATIONAL_FILES["postcodes"][0]) in used


def test_reading_the_england_postcodes_is_fast(mirror):
    t0 = time.perf_counter()
    pcs = read_postcodes(mirror / NATIONAL_FILES["postcodes"][0], ["postcode", "easting", "northing", "lsoa21cd"])
    seconds = time.perf_counter() - t0
    assert len(pcs) == 1_491_312 and pcs["lsoa21cd"].notna().sum() == 1_491_311
    assert seconds < 20, seconds  # about 0.5 s on an idle 2-core machine
