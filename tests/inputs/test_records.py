"""Record-level extracts: counts against an independent aggregation, edge cases, exclusions, errors."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pandas as pd
import pytest

from geo.errors import ValidationError
from geo.inputs.records import NOT_RECORDED, aggregate_records
from tests.inputs.records_data import (
    calendar_quarter,
    random_children,
    real_postcodes,
    reference_attendance,
    reference_review,
    review_frame,
)

D = dt.date


@pytest.fixture(scope="module")
def pcs(biborough_config):
    return real_postcodes(biborough_config, 40, seed=7)


def _lsoa_of(pcs):
    return dict(zip(pcs["postcode"], pcs["lsoa21cd"]))


def _counts(frame: pd.DataFrame, keys: list[str], cols: list[str]) -> dict:
    return {tuple(r[k] for k in keys): ([r[c] for c in cols] if len(cols) > 1 else r[cols[0]])
            for r in frame.to_dict("records")}


def _write(tmp_path, frame, name="records.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("quarters", ["financial", "calendar"])
def test_review_counts_match_an_independent_aggregation(biborough_config, pcs, tmp_path, quarters):
    config = biborough_config.with_(extracts=replace(biborough_config.extracts, quarters=quarters))
    children = random_children(pcs, 600, seed=11)
    path = _write(tmp_path, review_frame(children, fmt=random.Random(3).choice(["%Y-%m-%d", "%d/%m/%Y"])))
    agg = aggregate_records(path, kind="review_takeup", config=config)
    expected = reference_review(children, _lsoa_of(pcs), **({"quarter": calendar_quarter} if quarters == "calendar" else {}))
    assert list(agg.frame.columns) == ["area_code", "period", "eligible", "completed"]
    assert _counts(agg.frame, ["area_code", "period"], ["eligible", "completed"]) == expected
    r = agg.report
    assert r.balanced and r.rows_in == 600
    assert r.rows_used == sum(v[0] for v in expected.values())
    assert set(r.excluded) <= {"not yet 2½ by the end of the latest quarter"}


def _child(cid, postcode, dob, review=None):
    return {"child_id": cid, "postcode": postcode, "date_of_birth": dob, "review_date": review or ""}


def test_review_edge_cases(biborough_config, pcs, tmp_path):
    a, b = pcs["postcode"].iloc[0], pcs["postcode"].iloc[1]
    la, lb = pcs["lsoa21cd"].iloc[0], pcs["lsoa21cd"].iloc[1]
    rows = [
        _child("E1", a, "31/12/2022", "30/06/2025"),     # 2½ on 30 Jun 2025, last day of 2025-Q1: reviewed on the day
        _child("E2", a, "2022-12-30", "2025-07-01"),     # 2½ on 30 Jun 2025: reviewed the day after -> eligible only
        _child("E3", a.lower().replace(" ", ""), "2023-01-01", "2025-06-30"),  # 2½ on 1 Jul 2025 (2025-Q2), early review
        _child("E4", b, "29/02/2020", "2022-08-29"),     # leap-day birth: 2½ on 29 Aug 2022 (2022-Q2)
        _child("E5", b, "31 Aug 2021", "2024-02-29"),    # 2½ on 29 Feb 2024 (leap year), 2023-Q4
        _child("E6", b, "2022-08-31", "2025-03-01"),     # 2½ on 28 Feb 2025: reviewed a day late
        _child("E7", b, "2023-03-01", "2023-02-01"),     # review before birth
        _child("E8", "ZZ99 9ZZ", "2023-01-05"),          # postcode not in the study area
        _child("E9", "hello", "2023-01-05"),             # not a postcode
        _child("E10", "", "2023-01-05"),                 # blank postcode
        _child("E11", a, ""),                            # no date of birth
        _child("E12", a, "2023-12-01"),                  # 2½ on 1 Jun 2026: after the latest quarter (2025-Q4)
        _child("E13", a, "2023-02-10", "2025-08-10"),    # a second row for E13 with an earlier review is used
        _child("E13", a, "2023-02-10", "2025-07-01"),
        _child("E14", a, "2023-02-10"), _child("E14", a, "2023-02-11"),   # one id, two dates of birth
        _child("", a, "2023-02-10"),                     # no child_id
        _child("E15", a, "2023-05-05", "2026-01-15"),    # latest review: 2025-Q4 is the latest quarter
    ]
    agg = aggregate_records(_write(tmp_path, pd.DataFrame(rows)), kind="review_takeup", config=biborough_config)
    got = _counts(agg.frame, ["area_code", "period"], ["eligible", "completed"])
    assert got == {(la, "2025-Q1"): [2, 1], (la, "2025-Q2"): [2, 2], (lb, "2022-Q2"): [1, 1], (lb, "2023-Q4"): [1, 1],
                   (lb, "2024-Q4"): [1, 0], (la, "2025-Q3"): [1, 0]}
    assert agg.report.excluded == {
        "review before birth": 1, "postcode not in the study area's postcode file": 1, "postcode is not a UK postcode": 1,
        "postcode missing": 1, "date of birth missing": 1, "not yet 2½ by the end of the latest quarter": 1,
        "duplicate child_id (the child's earliest review is used)": 1,
        "one child_id with different dates of birth (all its rows)": 2, "child_id missing": 1}
    assert agg.report.balanced and agg.report.rows_in == len(rows)


def test_attendance_counts_distinct_under_fives(biborough_config, pcs, tmp_path):
    rng = random.Random(5)
    hubs = ["WCC-BES", "WCC-CHS", "RBKC-N"]
    visits = []
    for i in range(300):
        dob = D(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 6 * 365))
        pc = pcs["postcode"].iloc[rng.randrange(len(pcs))]
        for _ in range(rng.randrange(1, 5)):
            visits.append({"child_id": f"K{i:04d}", "postcode": pc, "dob": dob, "hub_id": rng.choice(hubs),
                           "date": max(dob, D(2024, 4, 1)) + dt.timedelta(days=rng.randrange(0, 700))})
    visits.append({"child_id": "K9001", "postcode": pcs["postcode"].iloc[0], "dob": D(2020, 2, 29), "hub_id": "RBKC-N",
                   "date": D(2025, 2, 27)})   # the day before the 5th birthday (28 Feb 2025): counts
    visits.append({"child_id": "K9002", "postcode": pcs["postcode"].iloc[0], "dob": D(2020, 5, 4), "hub_id": "RBKC-N",
                   "date": D(2025, 5, 4)})    # on the 5th birthday: not under 5
    frame = pd.DataFrame({"child_id": [v["child_id"] for v in visits], "postcode": [v["postcode"] for v in visits],
                          "date_of_birth": [v["dob"].strftime("%d/%m/%Y") for v in visits], "hub_id": [v["hub_id"] for v in visits],
                          "attendance_date": [v["date"].isoformat() for v in visits]})
    agg = aggregate_records(_write(tmp_path, frame), kind="hub_attendance", config=biborough_config)
    assert list(agg.frame.columns) == ["area_code", "hub_id", "period", "children"]
    expected = reference_attendance(visits, _lsoa_of(pcs))
    assert _counts(agg.frame, ["area_code", "hub_id", "period"], ["children"]) == expected
    assert agg.report.balanced and agg.report.excluded.get("not under 5 on the attendance date", 0) >= 1
    assert agg.report.rows_used == len(visits) - sum(agg.report.excluded.values())


def test_attendance_exclusions(biborough_config, pcs, tmp_path):
    a = pcs["postcode"].iloc[0]
    frame = pd.DataFrame([
        ["C1", a, "2022-01-10", "WCC-BES", "2025-01-10"], ["C1", a, "2022-01-10", "WCC-BES", "2025-02-10"],
        ["C2", a, "2022-01-10", "NOPE", "2025-01-10"], ["C3", a, "2025-03-01", "WCC-BES", "2025-01-10"],
        ["C4", a, "2022-01-10", "", "2025-01-10"], ["C5", a, "2022-01-10", "WCC-BES", ""],
    ], columns=["child_id", "postcode", "date_of_birth", "hub_id", "attendance_date"])
    agg = aggregate_records(_write(tmp_path, frame), kind="hub_attendance", config=biborough_config)
    assert agg.frame["children"].tolist() == [1]
    assert agg.report.excluded == {"hub_id not in the hubs file": 1, "attendance before birth": 1, "hub_id missing": 1,
                                   "attendance_date missing": 1}


def test_group_columns_split_the_counts(biborough_config, pcs, tmp_path):
    children = random_children(pcs, 200, seed=4)
    frame = review_frame(children).assign(ethnic_group=[["White", "Asian", None][i % 3] for i in range(200)],
                                          sex=["F", "M"] * 100)
    path = _write(tmp_path, frame)
    plain = aggregate_records(path, kind="review_takeup", config=biborough_config, group_columns=())
    split = aggregate_records(path, kind="review_takeup", config=biborough_config, group_columns=["Sex"])
    assert split.group_columns == ("sex", "ethnic_group") and plain.group_columns == ("ethnic_group",)
    assert set(split.frame["ethnic_group"]) == {"White", "Asian", NOT_RECORDED}
    pd.testing.assert_frame_equal(split.totals(), plain.totals())
    no_groups = aggregate_records(_write(tmp_path, review_frame(children), "plain.csv"), kind="review_takeup",
                                  config=biborough_config)
    pd.testing.assert_frame_equal(no_groups.frame, plain.totals())


def test_xlsx_with_date_cells(biborough_config, pcs, tmp_path):
    children = random_children(pcs, 50, seed=9)
    frame = review_frame(children).assign(date_of_birth=[pd.Timestamp(c["dob"]) for c in children])
    path = tmp_path / "records.xlsx"
    frame.to_excel(path, index=False)
    csv = aggregate_records(_write(tmp_path, review_frame(children)), kind="review_takeup", config=biborough_config)
    xlsx = aggregate_records(path, kind="review_takeup", config=biborough_config)
    pd.testing.assert_frame_equal(csv.frame, xlsx.frame)


def test_problems_name_rows_and_columns_never_values(biborough_config, pcs, tmp_path):
    a = pcs["postcode"].iloc[0]
    frame = pd.DataFrame([_child("SECRET-ID-1", a, "2022-13-01", "2024-01-01"), _child("SECRET-ID-2", a, "03/15/2022"),
                          _child("SECRET-ID-3", a, "15/03/22"), _child("SECRET-ID-4", a, "2022-03-15", "yesterday")])
    with pytest.raises(ValidationError) as err:
        aggregate_records(_write(tmp_path, frame), kind="review_takeup", config=biborough_config)
    text = str(err.value)
    assert [(p.column, p.rows) for p in err.value.problems] == [("date_of_birth", (2, 3, 4)), ("review_date", (5,))]
    for secret in ("2022-13-01", "03/15/2022", "15/03/22", "yesterday", "SECRET", a, a.replace(" ", "")):
        assert secret not in text


def test_missing_columns_and_headerless_files(biborough_config, pcs, tmp_path):
    a = pcs["postcode"].iloc[0]
    with pytest.raises(ValidationError) as err:
        aggregate_records(_write(tmp_path, pd.DataFrame([_child("X1", a, "2022-03-15")]).drop(columns="review_date")),
                          kind="review_takeup", config=biborough_config)
    assert err.value.problems[0].column == "review_date"
    headerless = tmp_path / "headerless.csv"
    headerless.write_text(f"SECRET-7,{a},2022-03-15,\nSECRET-8,{a},2022-04-15,\n")
    with pytest.raises(ValidationError) as err:
        aggregate_records(headerless, kind="review_takeup", config=biborough_config)
    assert "SECRET" not in str(err.value) and a not in str(err.value) and "2022" not in str(err.value)
    assert "child_id" in str(err.value)


def test_nothing_usable_is_an_error(biborough_config, tmp_path):
    frame = pd.DataFrame([_child("X1", "ZZ99 9ZZ", "2022-03-15", "2024-09-01")])
    with pytest.raises(ValidationError, match="no row can be used .*postcode not in the study area"):
        aggregate_records(_write(tmp_path, frame), kind="review_takeup", config=biborough_config)


def test_postcodes_placed_by_point_in_polygon_without_lsoa_column(biborough_config, pcs, tmp_path):
    children = random_children(pcs, 150, seed=21)
    path = _write(tmp_path, review_frame(children))
    table = pd.read_csv(biborough_config.public_dir / "postcodes.csv")
    with_lsoa = aggregate_records(path, kind="review_takeup", config=biborough_config, postcodes=table)
    by_point = aggregate_records(path, kind="review_takeup", config=biborough_config, postcodes=table.drop(columns="lsoa21cd"))
    pd.testing.assert_frame_equal(with_lsoa.frame, by_point.frame)


def test_file_without_any_review_date_and_missing_postcode_file(biborough_config, pcs, tmp_path):
    from geo.errors import DataError

    path = _write(tmp_path, pd.DataFrame([_child("X1", pcs["postcode"].iloc[0], "2022-03-15")]))
    with pytest.raises(ValidationError, match="no review_date at all") as err:
        aggregate_records(path, kind="review_takeup", config=biborough_config)
    assert err.value.problems[0].column == "review_date"
    with pytest.raises(DataError, match="postcodes.csv is missing: run `python -m geo fetch"):
        aggregate_records(path, kind="review_takeup", config=biborough_config.with_(public_dir=tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="kind must be one of"):
        aggregate_records(path, kind="outreach_sessions", config=biborough_config)


def test_an_unknown_group_names_the_files_rows_never_the_value(biborough_config, pcs, tmp_path):
    """A group cell of a record-level file is one child's (free-text) data: an unknown value is reported by the
    file's own rows and column, like a bad date, and not shown (it was shown, with the aggregated file's row)."""
    children = random_children(pcs, 30, seed=5)
    frame = review_frame(children).assign(ethnic_group=["White"] * 30)
    frame.loc[[2, 7], "ethnic_group"] = ["Mother SECRET-NAME Smith", "=HYPERLINK(\"x\")"]
    with pytest.raises(ValidationError) as err:
        aggregate_records(_write(tmp_path, frame), kind="review_takeup", config=biborough_config)
    assert [(p.column, p.rows) for p in err.value.problems] == [("ethnic_group", (4, 9))]
    assert "SECRET-NAME" not in str(err.value) and "HYPERLINK" not in str(err.value)
    frame.loc[5, "date_of_birth"] = "2022-13-01"
    with pytest.raises(ValidationError) as err:  # every problem listed at once
        aggregate_records(_write(tmp_path, frame), kind="review_takeup", config=biborough_config)
    assert [(p.column, p.rows) for p in err.value.problems] == [("ethnic_group", (4, 9)), ("date_of_birth", (7,))]
