"""Messy and hostile extracts (issue 14): counts, periods, codes and config, hubs and spokes, files.

Each bad input must exit 2 naming the file (and row and column where there is one) with no
traceback; each valid-but-messy input must give the right counts with the reconciliation balanced.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.inputs.counts import parse_count
from geo.inputs.periods import Period, parse_period
from tests.conftest import REPO, copy_config

DEMO = REPO / "data" / "extracts" / "demo" / "biborough"


def _build(cfg_path, out, capsys):
    code = main(["build", "--config", str(cfg_path), "--out", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err, captured.out


def _config(tmp_path, cfg, *, extracts_lines=(), tables="", la_codes=None, **overrides):
    """``copy_config`` plus extra ``[extracts]`` keys, extra tables and other LA codes."""
    p = copy_config(tmp_path, cfg, **overrides)
    text = p.read_text().replace("[extracts]\n", "[extracts]\n" + "".join(f"{ln}\n" for ln in extracts_lines))
    if la_codes is not None:
        old = "la_codes = [" + ", ".join(f'"{c}"' for c in cfg.la_codes) + "]"
        text = text.replace(old, "la_codes = [" + ", ".join(f'"{c}"' for c in la_codes) + "]")
    p.write_text(text + tables)
    return p


def _demo(name):
    return pd.read_csv(DEMO / f"{name}.csv", dtype=str, keep_default_na=False)


def _save(df, path):
    df.to_csv(path, index=False)
    return path


def _problem_line(err, path, column=None, row=None, words=()):
    lines = [ln for ln in err.splitlines() if str(path) in ln]
    if column is not None:
        lines = [ln for ln in lines if f"column '{column}'" in ln]
    if row is not None:
        lines = [ln for ln in lines if f"row {row}" in ln or f"rows {row}" in ln or f", {row}" in ln or f"-{row}" in ln]
    lines = [ln for ln in lines if all(w in ln for w in words)]
    assert lines, err
    return lines[0]


# --------------------------------------------------------------------------------------------
# Counts


@pytest.mark.parametrize("value, words", [
    ("inf", "finite whole number"), ("1e30", "finite whole number"), ("nan", "finite whole number"),
    ("1,2", "thousands separator"), ("12,34", "thousands separator"), ("1000000000000", "implausibly large"),
    ("2.5", "whole number"), ("seven", "not a number"),
])
def test_bad_counts_exit_2_naming_row_column_and_value(value, words, biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    review.loc[6, "eligible"] = value
    p = _save(review, tmp_path / "review.csv")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2, err
    line = _problem_line(err, p, "eligible", 8, [words])
    assert repr(value) in line or value in line


def test_implausible_count_for_the_lsoa_is_rejected(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    review.loc[3, ["eligible", "completed"]] = ["900", "10"]   # an LSOA has ~100 under-5s, not 900 due a review
    p = _save(review, tmp_path / "review.csv")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    _problem_line(err, p, "eligible", 5, ["implausibly many children", "900", review.loc[3, "area_code"]])


def test_count_cap_is_configurable(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    p = _save(review, tmp_path / "review.csv")
    biggest = review["eligible"].astype(int).max()
    cfg = _config(tmp_path, biborough_config, review_takeup=p, extracts_lines=[f"max_count = {biggest - 1}"])
    code, err, _ = _build(cfg, tmp_path / "o", capsys)
    assert code == 2 and "implausibly large" in err and f"more than {biggest - 1:,}" in err


def test_parse_count_accepts_only_finite_whole_numbers_with_valid_grouping():
    assert parse_count("1,234") == (1234, None)
    assert parse_count("1,234,567") == (1234567, None)
    assert parse_count(" 12 ") == (12, None)
    assert parse_count("7.0") == (7, None)
    for bad in ("1,2", "1,2345", ",123", "inf", "-inf", "1e3", "0x10", "", "12a"):
        assert parse_count(bad)[0] is None, bad


# --------------------------------------------------------------------------------------------
# Periods


@pytest.mark.parametrize("text", ["2025-Q4", "2025 Q4", "Q4 2025", "Q4 2025/26", "2025/26 Q4", "2025-26 Q4",
                                  "Jan-Mar 2026", "January to March 2026", "jan – mar 2026", "FY2025/26 Q4"])
def test_spellings_of_one_financial_quarter(text):
    p = parse_period(text)
    assert (p.start, p.end, p.granularity, p.label) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "quarter", "2025-Q4")


def test_calendar_quarters_and_other_granularities():
    assert parse_period("2025-Q4", quarters="calendar").start == dt.date(2025, 10, 1)
    assert parse_period("Q4 2025/26", quarters="calendar").start == dt.date(2026, 1, 1)  # spelt financial: the same
    assert parse_period("Jan-Mar 2026", quarters="calendar").label == "2026-Q1"
    fy = parse_period("2025-26")
    assert (fy.start, fy.end, fy.granularity, fy.label) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31), "year", "2025-26")
    assert parse_period("2025/2026") == fy
    m = parse_period("March 2026")
    assert (m.start, m.end, m.label) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31), "2026-03")
    assert parse_period("2026-03-15") == m == parse_period("15/03/2026") == parse_period("2026-03")
    assert parse_period("2024").end == dt.date(2024, 12, 31)


def test_period_order_and_windows():
    q4_prev, q1 = parse_period("Q4 2024/25"), parse_period("Q1 2025/26")
    assert q4_prev < q1 and max([q1, q4_prev]) == q1
    assert q1.previous() == q4_prev and q4_prev.shifted(1) == q1
    assert q1.year_earlier() == parse_period("Q1 2024/25")
    assert [p.label for p in q1.pool(4)] == ["2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    assert parse_period("Feb 2025").previous().label == "2025-01" and parse_period("Jan 2025").previous().label == "2024-12"
    assert parse_period("2025-26").year_earlier().label == "2024-25"
    assert isinstance(q1, Period) and hash(q1) == hash(parse_period("Apr-Jun 2025"))


@pytest.mark.parametrize("text", ["2213-Q1", "2025-Q5", "Feb-Apr 2026", "2025/27", "Q4", "last quarter", "13/2025"])
def test_unreadable_periods_raise(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_two_spellings_of_the_latest_quarter_are_one_period(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    q4 = review.index[review["period"] == "2025-Q4"]
    review.loc[q4[::2], "period"] = "2025 Q4"
    review.loc[q4[1::4], "period"] = "Jan-Mar 2026"
    attendance = _demo("hub_attendance")
    attendance["period"] = attendance["period"].str.replace(r"^(\d{4})-Q(\d)$", lambda m: f"Q{m[2]} {m[1]}/{(int(m[1]) + 1) % 100:02d}",
                                                            regex=True)  # 2025-Q4 -> Q4 2025/26
    p, a = _save(review, tmp_path / "review.csv"), _save(attendance, tmp_path / "att.csv")
    code, err, _out = _build(_config(tmp_path, biborough_config, review_takeup=p, hub_attendance=a), tmp_path / "o", capsys)
    assert code == 0, err
    rec = json.loads((tmp_path / "o" / "reconciliation.json").read_text())
    files = {f["kind"]: f for f in rec["files"]}
    # one row per LSOA and ethnic group in each of eight quarters; the last four are pooled
    window = _demo("review_takeup")["period"].isin(["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"])
    assert len(q4) > 224 and files["review_takeup"]["rows_used"] == int(window.sum())
    assert files["review_takeup"]["excluded_by_reason"] == {"other period (not in 2025-Q1 to 2025-Q4)": int((~window).sum())}
    pooled = "2025-Q1 to 2025-Q4 pooled"
    assert rec["all_balanced"] and rec["periods"] == {"review_takeup": pooled, "hub_attendance": pooled}
    assert rec["period"]["start"] == "2026-01-01" and rec["period"]["mismatches"] == []
    lsoa = pd.read_csv(tmp_path / "o" / "lsoa.csv")
    demo = _demo("review_takeup")
    window = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert lsoa["review_eligible"].sum() == demo.loc[demo["period"].isin(window), "eligible"].astype(int).sum()
    att = _demo("hub_attendance")
    att = att[att["period"].isin(window)].astype({"children": int})
    per_hub = att.groupby(["area_code", "hub_id"])["children"].sum()  # children per quarter, averaged over the window
    assert lsoa["hub_children"].sum() == int(np.floor(per_hub / 4 + 0.5).sum())


def test_one_stray_annual_row_among_quarters_is_named(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    review.loc[40, "period"] = "2025-26"
    p = _save(review, tmp_path / "review.csv")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    _problem_line(err, p, "period", 42, ["periods of different lengths", "year", "2025-26"])


def test_a_file_mixing_quarter_spellings_and_a_financial_year_is_rejected(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    years = int((review["period"] == "2025-Q3").sum())  # one row per LSOA and ethnic group
    review["period"] = review["period"].map({"2025-Q1": "2025-Q1", "2025-Q2": "Jan-Mar 2025", "2025-Q3": "2025-26", "2025-Q4": "Q4 2025/26"})
    p = _save(review, tmp_path / "review.csv")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    _problem_line(err, p, "period", None, ["periods of different lengths", f"{years} row(s) give a year"])


def test_an_implausible_year_is_named(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    review["period"] = "2213-Q1"
    review = review.drop_duplicates("area_code")
    p = _save(review, tmp_path / "review.csv")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    _problem_line(err, p, "period", 2, ["2213", "2000-2099"])


def test_extracts_without_a_common_period_are_not_joined(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    review = review[review["period"] == "2025-Q1"].assign(period="Q1 2023/24")
    p = _save(review, tmp_path / "review.csv")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    line = _problem_line(err, p, "period", None, ["no period is in every extract"])
    assert "2023-Q1" in line and "2025-Q4" in line and "--period" in line


def test_latest_common_period_is_chosen_and_the_mismatch_reported(biborough_config, tmp_path, capsys):
    attendance = _demo("hub_attendance")
    attendance = attendance[attendance["period"] != "2025-Q4"]
    a = _save(attendance, tmp_path / "att.csv")
    code, err, out = _build(_config(tmp_path, biborough_config, hub_attendance=a), tmp_path / "o", capsys)
    assert code == 0, err
    rec = json.loads((tmp_path / "o" / "reconciliation.json").read_text())
    # the analysis period is 2025-Q3; the model pools the four quarters ending there ([analysis] pool_quarters)
    assert rec["period"]["analysis"] == "2025-Q3" and rec["period"]["window"] == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]
    assert rec["periods"] == {"review_takeup": "2024-Q4 to 2025-Q3 pooled", "hub_attendance": "2024-Q4 to 2025-Q3 pooled"}
    assert rec["period"]["chosen_by"] == "the latest period every extract has"
    (mismatch,) = rec["period"]["mismatches"]
    assert "review_takeup has later period(s) 2025-Q4" in mismatch and "hub_attendance" in mismatch
    assert mismatch in rec["notes"] and mismatch in out  # on screen and in every output that shows the notes
    lsoa = pd.read_csv(tmp_path / "o" / "lsoa.csv")
    demo = _demo("review_takeup")
    assert lsoa["review_eligible"].sum() == demo.loc[demo["period"].isin(rec["period"]["window"]), "eligible"].astype(int).sum()
    assert rec["all_balanced"]


def test_period_named_in_the_config_in_another_spelling(biborough_config, tmp_path, capsys):
    p = copy_config(tmp_path, biborough_config)
    p.write_text(p.read_text().replace("[data]", 'period = "Jul-Sep 2025"\n[data]', 1))
    code, err, _out = _build(p, tmp_path / "o", capsys)
    assert code == 0, err
    rec = json.loads((tmp_path / "o" / "reconciliation.json").read_text())
    assert rec["period"]["analysis"] == "2025-Q2"
    assert rec["periods"] == {"review_takeup": "2024-Q3 to 2025-Q2 pooled", "hub_attendance": "2024-Q3 to 2025-Q2 pooled"}
    assert rec["period"]["start"] == "2025-07-01" and "later period(s) 2025-Q3, 2025-Q4" in rec["period"]["mismatches"][0]


def test_unreadable_or_absent_period_in_the_config(biborough_config, tmp_path, capsys):
    p = copy_config(tmp_path, biborough_config)
    base = p.read_text()
    p.write_text(base.replace("[data]", 'period = "next quarter"\n[data]', 1))
    code, err, _ = _build(p, tmp_path / "o", capsys)
    assert code == 2 and str(p) in err and "period" in err and "not a period" in err
    p.write_text(base.replace("[data]", 'period = "2019-Q1"\n[data]', 1))
    code, err, _ = _build(p, tmp_path / "o", capsys)
    assert code == 2 and "has no rows for the period to analyse" in err and "review_takeup.csv" in err


def test_financial_year_labels_order_across_the_year_boundary(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    review = review[review["period"].isin(["2025-Q1", "2025-Q2"])]
    review["period"] = review["period"].map({"2025-Q1": "Q4 2024/25", "2025-Q2": "Q1 2025/26"})
    both = review  # Q4 2024/25 then Q1 2025/26: consecutive, pooled ([analysis] pool_quarters = 4, two available)
    p = _save(review, tmp_path / "review.csv")
    cfg = _config(tmp_path, biborough_config, review_takeup=p)
    cfg.write_text(cfg.read_text().replace(f'hub_attendance = "{biborough_config.extracts.hub_attendance}"\n', ""))
    code, err, out = _build(cfg, tmp_path / "o", capsys)
    assert code == 0, err
    rec = json.loads((tmp_path / "o" / "reconciliation.json").read_text())
    assert rec["period"]["analysis"] == "2025-Q1" and rec["period"]["window"] == ["2024-Q4", "2025-Q1"]
    assert rec["periods"] == {"review_takeup": "2024-Q4 to 2025-Q1 pooled"}
    lsoa = pd.read_csv(tmp_path / "o" / "lsoa.csv")
    assert lsoa["review_eligible"].sum() == both["eligible"].astype(int).sum()
    # no hub attendance extract: reach is "not available", not zero
    assert any("reach not available" in n for n in rec["notes"]) and "reach not available" in out
    assert lsoa["hub_children"].isna().all() and lsoa["reach_rate"].isna().all()
    assert lsoa["priority_score"].notna().any()


# --------------------------------------------------------------------------------------------
# Codes and config


def test_la_codes_not_fetched_exit_2_saying_what_to_run(biborough_config, tmp_path, capsys):
    cfg = _config(tmp_path, biborough_config, la_codes=["E09999999"])
    code, err, _ = _build(cfg, tmp_path / "o", capsys)
    assert code == 2 and "E09999999" in err and "python -m geo fetch --config" in err


@pytest.mark.parametrize("table, words", [
    ("[population]\nunder5_ratio = 0\n", "under5_ratio"),
    ("[travel]\nthreshold_minutes = 0\n", "threshold_minutes"),
    ("[travel.modes.walk]\nspeed_kmh = 0\n", "speed_kmh"),
])
def test_config_values_are_range_checked(table, words, biborough_config, tmp_path, capsys):
    code, err, _ = _build(_config(tmp_path, biborough_config, tables=table), tmp_path / "o", capsys)
    assert code == 2 and words in err


@pytest.mark.parametrize("line, words", [
    ('quarters = "fiscal"', "quarters"), ("max_count = 0", "max_count"), ('max_per_under5 = "x"', "max_per_under5"),
    ("review_takeup_sheet = 3", "review_takeup_sheet"), ('reviews_sheet = "Data"', "unknown key"),
])
def test_extract_settings_are_checked(line, words, biborough_config, tmp_path, capsys):
    code, err, _ = _build(_config(tmp_path, biborough_config, extracts_lines=[line]), tmp_path / "o", capsys)
    assert code == 2 and words in err


def test_calendar_quarters_setting_changes_labels_not_counts(biborough_config, tmp_path, capsys):
    code, err, _ = _build(_config(tmp_path, biborough_config, extracts_lines=['quarters = "calendar"']), tmp_path / "o", capsys)
    assert code == 0, err
    rec = json.loads((tmp_path / "o" / "reconciliation.json").read_text())
    assert rec["period"]["analysis"] == "2025-Q4" and rec["period"]["start"] == "2025-10-01" and rec["period"]["quarters"] == "calendar"


# --------------------------------------------------------------------------------------------
# Hubs and spokes


def _hubs_case(tmp_path, cfg, edit):
    hubs = edit(_demo("hubs"))
    h = _save(hubs, tmp_path / "hubs.csv")
    att = _demo("hub_attendance")
    att = att[att["hub_id"].isin(hubs["hub_id"])]
    a = _save(att, tmp_path / "att.csv")
    return h, _config(tmp_path, cfg, hubs=h, hub_attendance=a)


@pytest.mark.parametrize("name, edit, column, row, words", [
    ("only spokes", lambda d: d.assign(site_type="spoke", parent_hub_id=""), "site_type", 2, "no row has site_type 'hub'"),
    ("parent missing", lambda d: d.assign(parent_hub_id=d["parent_hub_id"].where(d["site_type"] != "spoke", "WCC-NOPE")),
     "parent_hub_id", None, "not a hub_id in this file"),
    ("parent is a spoke", lambda d: pd.concat([d, d[d["site_type"] == "spoke"].assign(hub_id="WCC-BAY2", parent_hub_id="WCC-BAY")]),
     "parent_hub_id", 8, "names a spoke"),
    ("hub with a parent", lambda d: d.assign(parent_hub_id=d["parent_hub_id"].where(d.index != 0, "WCC-CHS")),
     "parent_hub_id", 2, "a hub cannot have a parent"),
    ("cycle", lambda d: pd.concat([d, pd.DataFrame([
        {**d.iloc[3].to_dict(), "hub_id": "X1", "parent_hub_id": "X2"},
        {**d.iloc[3].to_dict(), "hub_id": "X2", "parent_hub_id": "X1"}])]), "parent_hub_id", 8, "cycle"),
])
def test_hub_and_spoke_rules(name, edit, column, row, words, biborough_config, tmp_path, capsys):
    h, cfg = _hubs_case(tmp_path, biborough_config, edit)
    code, err, _ = _build(cfg, tmp_path / "o", capsys)
    assert code == 2, err
    _problem_line(err, h, column, row, [words])


# --------------------------------------------------------------------------------------------
# Files


def test_csv_title_row_above_the_header(biborough_config, tmp_path, capsys):
    body = (DEMO / "review_takeup.csv").read_text()
    p = tmp_path / "review.csv"
    p.write_text("Health visiting 2-2.5 year review, council extract\n\n" + body)
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    line = _problem_line(err, p, None, 1, ["the header is on row 3"])
    assert "tokeniz" not in err.lower() and "Expected" not in line


def test_control_characters_are_shown_escaped(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    review.loc[2, "eligible"] = "1\x002"
    review.loc[5, "area_code"] = "E01\x1b[31mX"
    p = _save(review, tmp_path / "review.csv")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    assert "\x00" not in err and "\x1b" not in err
    assert "\\x00" in _problem_line(err, p, "eligible", 4)
    assert "\\x1b" in _problem_line(err, p, "area_code", 7)


def test_row_with_more_values_than_the_header(biborough_config, tmp_path, capsys):
    p = tmp_path / "review.csv"
    p.write_text("area_code,period,eligible,completed\nE01004736,2025-Q4,10,5\nE01004737,2025-Q4,1,234,5\n")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    _problem_line(err, p, None, 3, ["more values than the header"])


def _workbook(path, first_sheet_notes=True):
    from openpyxl import Workbook

    demo = _demo("review_takeup")
    wb = Workbook()
    ws = wb.active
    if first_sheet_notes:
        ws.title = "Notes"
        ws.append(["This workbook holds the review extract"])
        ws = wb.create_sheet("Data")
    else:
        ws.title = "Data"
    ws.append(["area_code", "period", "ethnic_group", "eligible", "completed"])  # the demo has a group column
    for r in demo.itertuples(index=False):
        ws.append([r.area_code, r.period, r.ethnic_group or None, int(r.eligible), int(r.completed)])
    wb.save(path)
    return demo


def test_xlsx_notes_sheet_first_says_which_sheet_was_read(biborough_config, tmp_path, capsys):
    p = tmp_path / "review.xlsx"
    _workbook(p)
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    line = _problem_line(err, p, "area_code")
    assert "sheet 'Notes' was read" in line and "'Data'" in line and "review_takeup_sheet" in line


def test_xlsx_sheet_named_in_the_config_is_read(biborough_config, tmp_path, capsys):
    p = tmp_path / "review.xlsx"
    demo = _workbook(p)
    code, err, out = _build(_config(tmp_path, biborough_config, review_takeup=p, extracts_lines=['review_takeup_sheet = "Data"']),
                            tmp_path / "o", capsys)
    assert code == 0, err
    assert "sheet read: 'Data'" in out
    lsoa = pd.read_csv(tmp_path / "o" / "lsoa.csv")
    window = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]  # pooled ([analysis] pool_quarters)
    assert lsoa["review_eligible"].sum() == demo.loc[demo["period"].isin(window), "eligible"].astype(int).sum()
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p, extracts_lines=['review_takeup_sheet = "Dat"']),
                          tmp_path / "o2", capsys)
    assert code == 2 and "has no sheet named 'Dat'" in err and "'Notes', 'Data'" in err


def test_unclosed_quote_names_the_row_where_it_opened(biborough_config, tmp_path, capsys):
    p = tmp_path / "review.csv"
    p.write_text('area_code,period,eligible,completed\nE01004736,2025-Q4,10,5\nE01004737,"2025-Q4,10,5\nE01004738,2025-Q4,10,5\n')
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    _problem_line(err, p, None, 3, ["not a well-formed CSV", "quote"])


def test_rows_are_numbered_by_file_line_when_a_quoted_value_spans_lines(tmp_path):
    from geo.inputs.read import read_table

    p = tmp_path / "review.csv"
    p.write_text('area_code,period,eligible,completed\nE01004736,"2025-\nQ4",10,5\nE01004737,2025-Q4,x,5\n')
    assert read_table(p, ["area_code"])["_row"].tolist() == [2, 4]


def test_trailing_empty_columns_of_a_spreadsheet_export_are_harmless(tmp_path):
    from geo.inputs.read import read_table

    p = tmp_path / "review.csv"
    p.write_text("area_code,period,eligible,completed,,\nE01004736,2025-Q4,10,5,,\nE01004737,2025-Q4,1,2,\n")
    t = read_table(p, ["area_code", "period", "eligible", "completed"])
    assert t["eligible"].tolist() == ["10", "1"] and t["_row"].tolist() == [2, 3]


def test_cells_of_spaces_are_missing_values_and_rows_of_spaces_are_skipped(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    review.loc[4, "eligible"] = "   "
    p = tmp_path / "review.csv"
    text = review.to_csv(index=False).splitlines()
    text.insert(3, "  ,  ,  ,  ,  ")
    p.write_text("\n".join(text) + "\n")
    code, err, _ = _build(_config(tmp_path, biborough_config, review_takeup=p), tmp_path / "o", capsys)
    assert code == 2
    _problem_line(err, p, "eligible", 7, ["value is missing"])
    assert "row 4" not in err


@pytest.mark.parametrize("table", ["[population]\nunder5_ratio = nan\n", "[travel]\nthreshold_minutes = nan\n"])
def test_config_numbers_must_be_finite(table, biborough_config, tmp_path, capsys):
    code, err, _ = _build(_config(tmp_path, biborough_config, tables=table), tmp_path / "o", capsys)
    assert code == 2 and "finite number" in err


def test_hostile_values_among_valid_rows_via_the_command_line(biborough_config, tmp_path):
    """A NUL, a bell and a terminal escape among valid rows: exit 2, every bad row named, nothing raw printed."""
    import subprocess
    import sys

    review = _demo("review_takeup")
    review.loc[2, "area_code"] = "E01\x00\x07\x1b[2J"
    review.loc[3, "period"] = "2025\x00Q4"
    review.loc[9, "period"] = "Q4 2026/25"
    review.loc[10, "completed"] = "1e30"
    p = _save(review, tmp_path / "review.csv")
    cfg = _config(tmp_path, biborough_config, review_takeup=p)
    proc = subprocess.run([sys.executable, "-m", "geo", "build", "--config", str(cfg), "--out", str(tmp_path / "o")],
                          capture_output=True, cwd=REPO)
    err = proc.stderr.decode("utf-8")
    assert proc.returncode == 2, err
    assert "Traceback" not in err and not any(c in proc.stderr for c in (b"\x00", b"\x07", b"\x1b"))
    _problem_line(err, p, "area_code", 4, ["\\x00"])
    _problem_line(err, p, "period", 5, ["is not a period", "\\x00"])
    _problem_line(err, p, "period", 11, ["not a financial year"])
    _problem_line(err, p, "completed", 12, ["finite"])
