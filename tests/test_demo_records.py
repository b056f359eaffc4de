"""The SYNTHETIC record-level demo: seeded, labelled, real postcodes, and it aggregates back to the demo extracts."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from geo.demo_records import write_record_demo
from geo.inputs.records import NOT_RECORDED, aggregate_records
from tests.conftest import REPO

DEMO = REPO / "data" / "extracts" / "demo" / "biborough"


@pytest.fixture(scope="module")
def records(biborough_config, tmp_path_factory):
    return write_record_demo(biborough_config, out_dir=tmp_path_factory.mktemp("records"))


def test_record_demo_is_seeded_and_labelled(biborough_config, records, tmp_path):
    again = write_record_demo(biborough_config, out_dir=tmp_path)
    for name, path in records.items():
        assert path.read_bytes() == again[name].read_bytes()
        frame = pd.read_csv(path, dtype=str)
        assert frame["data_status"].str.startswith("SYNTHETIC").all()
        assert frame["child_id"].str.fullmatch(r"SYN-[RA]\d{6}").all()
    other = write_record_demo(biborough_config, out_dir=tmp_path / "other", seed=1)
    assert other["review_children"].read_bytes() != records["review_children"].read_bytes()


@pytest.mark.parametrize(("kind", "name", "aggregate", "keys"), [
    ("review_takeup", "review_children", "review_takeup.csv", ["area_code", "period"]),
    ("hub_attendance", "attendances", "hub_attendance.csv", ["area_code", "hub_id", "period"]),
])
def test_record_demo_aggregates_to_the_demo_extracts(biborough_config, records, kind, name, aggregate, keys):
    agg = aggregate_records(records[name], kind=kind, config=biborough_config)
    assert agg.report.balanced and agg.report.excluded == {}
    demo = pd.read_csv(DEMO / aggregate, dtype={"period": str, "ethnic_group": str}, keep_default_na=False,
                       na_values={"eligible": [""], "children": [""]}).drop(columns="data_status")
    count = [c for c in demo.columns if c not in keys and c != "ethnic_group"][0]
    # the demo's rows are split by ethnic group (blank = not recorded); the children carry their group
    by_group = demo.assign(ethnic_group=demo["ethnic_group"].replace("", NOT_RECORDED))
    by_group = by_group[by_group[count] > 0].sort_values([*keys, "ethnic_group"]).reset_index(drop=True)
    got = agg.frame.sort_values([*keys, "ethnic_group"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, by_group[got.columns], check_dtype=False)
    totals = demo.groupby(keys, as_index=False)[[c for c in demo.columns if c not in keys and c != "ethnic_group"]].sum()
    totals = totals[totals[count] > 0].sort_values(keys).reset_index(drop=True)   # rows of zero are absent: read as 0
    got = agg.totals().sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, totals[got.columns], check_dtype=False)


def test_record_demo_uses_real_postcodes_of_each_lsoa(biborough_config, records):
    pcs = pd.read_csv(biborough_config.public_dir / "postcodes.csv", dtype=str)
    frame = pd.read_csv(records["review_children"], dtype=str)
    spelled = frame["postcode"].str.upper().str.replace(" ", "")
    assert spelled.isin(pcs["postcode"].str.replace(" ", "")).all()
    assert (frame["postcode"] != frame["postcode"].str.upper()).any()   # mixed usual spellings


def test_cli_writes_the_record_demo(biborough_config, tmp_path):
    cfg = tmp_path / "config.toml"
    text = (REPO / "config.toml").read_text()
    text = text.replace('boundaries_dir = "data/boundaries"', f'boundaries_dir = "{biborough_config.boundaries_dir.parent}"')
    text = text.replace('public_dir = "data/extracts/public"', f'public_dir = "{biborough_config.public_dir.parent}"')
    text = text.replace('"data/extracts/demo/', f'"{REPO}/data/extracts/demo/')
    cfg.write_text(text)
    res = subprocess.run([sys.executable, "-m", "geo", "demo", "--config", str(cfg), "--record-level", "--out", str(tmp_path / "r")],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "r" / "review_children.csv").exists() and (tmp_path / "r" / "attendances.csv").exists()
