"""Every malformed input gets one clear message naming the file, the row(s) and the column,
and ``python -m geo build`` exits 2 with no traceback; valid rows that are not used are
counted by reason so that rows in = rows used + rows excluded."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from geo.cli import main
from geo.inputs.codes import apportion
from tests.conftest import REPO, copy_config


def _build(cfg_path, out, capsys):
    code = main(["build", "--config", str(cfg_path), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.err, captured.out


def _edit_csv(path, fn):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = fn(df)
    df.to_csv(path, index=False)


# (extract to break, how, expected column, expected words, expected row or None)
CASES = {
    "missing column": ("review_takeup", lambda d: d.drop(columns=["eligible"]), "eligible", "required column is missing", 1),
    "misspelt column": ("review_takeup", lambda d: d.rename(columns={"completed": "compleeted"}), "completed", "misspelt", 1),
    "wrong type": ("review_takeup", lambda d: d.assign(eligible=d["eligible"].where(d.index != 4, "seven")), "eligible", "not a number", 6),
    "negative count": ("hub_attendance", lambda d: d.assign(children=d["children"].where(d.index != 2, "-3")), "children", "negative", 4),
    "completed > eligible": ("review_takeup", lambda d: d.assign(completed=d["completed"].where(d.index != 9, "999")), "completed", "greater than eligible", 11),
    "duplicate rows": ("review_takeup", lambda d: pd.concat([d, d.iloc[[3]]]), "area_code", "duplicate", 5),
    "unknown code": ("review_takeup", lambda d: d.assign(area_code=d["area_code"].where(d.index != 7, "E01999999")), "area_code", "not a known", 9),
    "wrong geography": ("review_takeup", lambda d: d.assign(area_code=d["area_code"].where(d.index != 0, "E02000960")), "area_code", "wrong geography", 2),
    "malformed code": ("hub_attendance", lambda d: d.assign(area_code=d["area_code"].where(d.index != 1, "LSOA-12")), "area_code", "not an ONS area code", 3),
    "unknown hub": ("hub_attendance", lambda d: d.assign(hub_id=d["hub_id"].where(d.index != 5, "NOPE-1")), "hub_id", "not in the hubs file", 7),
    "bad site type": ("hubs", lambda d: d.assign(site_type=d["site_type"].where(d.index != 1, "centre")), "site_type", "'hub' or 'spoke'", 3),
    "bad latitude": ("hubs", lambda d: d.assign(lat=d["lat"].where(d.index != 2, "151.5")), "lat", "WGS84", 4),
    "unparseable postcode": ("hubs", lambda d: d.assign(lat=d["lat"].where(d.index != 0, ""), lon=d["lon"].where(d.index != 0, ""),
                                                        postcode=["NOT A POSTCODE"] + [""] * (len(d) - 1)), "postcode", "cannot be parsed", 2),
    "missing value": ("review_takeup", lambda d: d.assign(period=d["period"].where(d.index != 12, "")), "period", "missing", 14),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_extract_exits_2_naming_file_row_column(case, biborough_config, copy_demo, tmp_path, capsys):
    kind, fn, column, words, row = CASES[case]
    path = copy_demo / f"{kind}.csv"
    _edit_csv(path, fn)
    cfg = copy_config(tmp_path, biborough_config, review_takeup=copy_demo / "review_takeup.csv", hub_attendance=copy_demo / "hub_attendance.csv", hubs=copy_demo / "hubs.csv")
    code, err, _ = _build(cfg, tmp_path / "out", capsys)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if str(path) in ln]
    assert lines, err
    line = next((ln for ln in lines if f"column '{column}'" in ln), None)
    assert line is not None, err
    assert words in line, line
    if row is not None:
        assert f"row {row}" in line or f"rows {row}" in line or f", {row}" in line or f"-{row}" in line, line
    assert "Traceback" not in err


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_empty_file(biborough_config, tmp_path, capsys):
    p = _write(tmp_path / "review.csv", "")
    code, err, _ = _build(copy_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2 and str(p) in err and "empty" in err


def test_header_only_file(biborough_config, tmp_path, capsys):
    p = _write(tmp_path / "review.csv", "area_code,period,eligible,completed\n")
    code, err, _ = _build(copy_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2 and str(p) in err and "no data rows" in err


def test_non_utf8_file(biborough_config, tmp_path, capsys):
    p = _write(tmp_path / "review.csv", "area_code,period,eligible,completed\nE01004736,2025-Q4,10,5\nE01004737,2025-Q4,10,5 café\n", "latin-1")
    code, err, _ = _build(copy_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2 and str(p) in err and "not UTF-8" in err and "row 3" in err


def test_excel_with_extra_header_rows(biborough_config, tmp_path, capsys):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Health visiting: 2-2.5 year review, Q4 2025"])
    ws.append(["Source: council extract"])
    ws.append(["area_code", "period", "eligible", "completed"])
    ws.append(["E01004736", "2025-Q4", 10, 5])
    p = tmp_path / "review.xlsx"
    wb.save(p)
    code, err, _ = _build(copy_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2 and str(p) in err and "header is on row 3" in err


def test_valid_excel_is_read(biborough_config, tmp_path, capsys):
    from openpyxl import Workbook

    demo = pd.read_csv(REPO / "data/extracts/demo/biborough/review_takeup.csv")
    wb = Workbook()
    ws = wb.active
    ws.append(["area_code", "period", "ethnic_group", "eligible", "completed"])  # the demo has a group column
    for r in demo[["area_code", "period", "ethnic_group", "eligible", "completed"]].itertuples(index=False):
        ws.append([r.area_code, r.period, None if pd.isna(r.ethnic_group) else r.ethnic_group, int(r.eligible), int(r.completed)])
    p = tmp_path / "review.xlsx"
    wb.save(p)
    code, err, out = _build(copy_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 0, err
    lsoa = pd.read_csv(tmp_path / "o" / "lsoa.csv")
    latest = demo[demo["period"].isin(["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"])]  # pooled: [analysis] pool_quarters
    assert lsoa["review_eligible"].sum() == latest["eligible"].sum()


def test_config_pointing_at_missing_file(biborough_config, tmp_path, capsys):
    missing = tmp_path / "nowhere" / "review.csv"
    code, err, _ = _build(copy_config(tmp_path, biborough_config, review_takeup=missing), tmp_path / "o", capsys)
    assert code == 2 and str(missing) in err and "not found" in err


def test_problems_in_several_files_are_all_reported(biborough_config, copy_demo, tmp_path, capsys):
    _edit_csv(copy_demo / "review_takeup.csv", lambda d: d.drop(columns=["eligible"]))
    _edit_csv(copy_demo / "hubs.csv", lambda d: d.assign(site_type="centre"))
    cfg = copy_config(tmp_path, biborough_config, review_takeup=copy_demo / "review_takeup.csv", hubs=copy_demo / "hubs.csv",
                      hub_attendance=copy_demo / "hub_attendance.csv")
    code, err, _ = _build(cfg, tmp_path / "o", capsys)
    assert code == 2
    assert "review_takeup.csv" in err and "hubs.csv" in err


def test_subprocess_exit_code_and_no_traceback(biborough_config, copy_demo, tmp_path):
    _edit_csv(copy_demo / "review_takeup.csv", lambda d: d.rename(columns={"eligible": "elligible"}))
    cfg = copy_config(tmp_path, biborough_config, review_takeup=copy_demo / "review_takeup.csv")
    proc = subprocess.run([sys.executable, "-m", "geo", "build", "--config", str(cfg), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "review_takeup.csv" in proc.stderr and "column 'eligible'" in proc.stderr and "elligible" in proc.stderr


def test_reconciliation_balances_to_the_row(biborough_config, copy_demo, tmp_path, capsys):
    """Rows outside the area and of other periods are excluded and counted, never dropped silently."""
    review = pd.read_csv(copy_demo / "review_takeup.csv", dtype=str)
    extra = pd.DataFrame({
        "area_code": ["E01000001", "E01000002", "E05013806"],   # City of London LSOAs (outside), a Westminster ward (inside)
        "period": ["2025-Q4", "2025-Q4", "2025-Q4"], "eligible": ["8", "9", "0"], "completed": ["4", "5", "0"],
    })
    # replace one LSOA's latest row with the ward row? No: add a ward row for a ward code whose LSOAs are present
    review = pd.concat([review, extra.iloc[:2]], ignore_index=True)
    review.to_csv(copy_demo / "review_takeup.csv", index=False)
    cfg = copy_config(tmp_path, biborough_config, review_takeup=copy_demo / "review_takeup.csv")
    code, err, out = _build(cfg, tmp_path / "o", capsys)
    assert code == 0, err
    rec = json.loads((tmp_path / "o" / "reconciliation.json").read_text())
    files = {f["kind"]: f for f in rec["files"]}
    r = files["review_takeup"]
    assert r["rows_in"] == len(review)
    assert r["excluded_by_reason"]["area outside the study area"] == 2
    # eight quarters, one row per LSOA and ethnic group; the analysis pools the last four ([analysis] pool_quarters)
    outside = ~review["period"].isin(["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"])
    assert r["excluded_by_reason"]["other period (not in 2025-Q1 to 2025-Q4)"] == int(outside.sum()) > 3 * 224
    assert r["rows_in"] == r["rows_used"] + r["rows_excluded"] and r["balanced"]
    assert rec["all_balanced"]
    lsoa = pd.read_csv(tmp_path / "o" / "lsoa.csv")
    window = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    latest = review[review["period"].isin(window) & review["area_code"].str.startswith("E01") & ~review["area_code"].isin(["E01000001", "E01000002"])]
    assert lsoa["review_eligible"].sum() == latest["eligible"].astype(int).sum()
    assert "rows in" in out


def test_lsoa2011_codes_are_mapped_and_splits_apportioned(biborough_config, tmp_path, capsys):
    """An LSOA 2011 code that split into several 2021 LSOAs has its counts apportioned, totals conserved."""
    l11 = pd.read_csv(biborough_config.public_dir / "lookup_lsoa11.csv", dtype=str)
    split = l11[l11["chgind"] == "S"]["lsoa11cd"].iloc[0]
    targets = l11[l11["lsoa11cd"] == split]["lsoa21cd"].tolist()
    assert len(targets) >= 2
    others = [c for c in pd.read_csv(biborough_config.public_dir / "lookup_ward.csv")["lsoa21cd"] if c not in targets][:5]
    rows = [{"area_code": split, "period": "2025-Q4", "eligible": 41, "completed": 23}]
    rows += [{"area_code": c, "period": "2025-Q4", "eligible": 10, "completed": 6} for c in others]
    p = tmp_path / "review.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    code, err, out = _build(copy_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 0, err
    lsoa = pd.read_csv(tmp_path / "o" / "lsoa.csv").set_index("lsoa21cd")
    assert lsoa.loc[targets, "review_eligible"].sum() == 41
    assert lsoa.loc[targets, "review_completed"].sum() == 23
    assert (lsoa.loc[targets, "review_eligible"] > 0).all()
    assert "split over several LSOAs" in out


def test_ward_codes_are_apportioned_to_lsoas(biborough_config, tmp_path, capsys):
    lk = pd.read_csv(biborough_config.public_dir / "lookup_ward.csv")
    ward = lk["ward_code"].iloc[0]
    p = tmp_path / "review.csv"
    pd.DataFrame([{"area_code": ward, "period": "2025-Q4", "eligible": 57, "completed": 31}]).to_csv(p, index=False)
    code, err, out = _build(copy_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 0, err
    wards = pd.read_csv(tmp_path / "o" / "wards.csv").set_index("ward_code")
    assert wards.loc[ward, "review_eligible"] == 57 and wards.loc[ward, "review_completed"] == 31
    assert wards["review_eligible"].sum() == 57


def test_apportion_conserves_totals_exactly():
    t = pd.DataFrame({"source": ["a"] * 3 + ["b"] * 2, "target": ["x", "y", "z", "x", "w"], "weight": [1.0, 1.0, 1.0, 0.0, 0.0]})
    out = apportion(pd.Series({"a": 10, "b": 7}), t)
    assert out.groupby("source")["value"].sum().to_dict() == {"a": 10, "b": 7}
    assert sorted(out[out.source == "a"]["value"]) == [3, 3, 4]
    assert sorted(out[out.source == "b"]["value"]) == [3, 4]   # zero weights: equal split


def test_venue_marked_unavailable_is_excluded_and_counted(biborough_config, tmp_path, capsys):
    v = pd.read_csv(biborough_config.public_dir / "venues.csv")
    v.loc[:4, "available"] = False
    p = tmp_path / "venues.csv"
    v.to_csv(p, index=False)
    code, err, _ = _build(copy_config(tmp_path, biborough_config, venues=p), tmp_path / "o", capsys)
    assert code == 0, err
    rec = json.loads((tmp_path / "o" / "reconciliation.json").read_text())
    venues = next(f for f in rec["files"] if f["kind"] == "venues")
    assert venues["excluded_by_reason"] == {"venue marked not available": 5}
    assert venues["rows_used"] == len(v) - 5 and venues["balanced"]
