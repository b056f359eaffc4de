"""A fresh attacker's look at issue 14: messy extracts the first hostile corpus did not cover.

Each bad input exits 2 naming the file, row(s) and column with no traceback; each messy but
valid input gives the right counts.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo.inputs.periods import parse_period
from tests.test_inputs_hostile import _build, _config, _demo, _problem_line, _save


@pytest.mark.parametrize("text", ["2026-02-31", "31/02/2026", "2026-03-99", "2026-03-00", "00/03/2026", "2026-02-29"])
def test_a_date_that_does_not_exist_is_not_a_period(text):
    with pytest.raises(ValueError, match="does not exist"):
        parse_period(text)


@pytest.mark.parametrize("text, label", [("2026-02-28", "2026-02"), ("2028-02-29", "2028-02"), ("31/03/2026", "2026-03"),
                                         ("2026-03", "2026-03"), ("03/2026", "2026-03")])
def test_real_dates_are_their_month(text, label):
    assert parse_period(text).label == label


def test_impossible_dates_in_a_period_column_exit_2_naming_the_rows(biborough_config, tmp_path, capsys):
    review = _demo("review_takeup")
    months = {"2025-Q1": "2026-02-31", "2025-Q2": "2026-03-05", "2025-Q3": "2026-04-01", "2025-Q4": "2026-05-01"}
    review["period"] = review["period"].map(months)
    r = _save(review, tmp_path / "review.csv")
    cfg = _config(tmp_path, biborough_config, review_takeup=r, hub_attendance=None)
    code, err, _ = _build(cfg, tmp_path / "o", capsys)
    assert code == 2, err
    _problem_line(err, r, "period", 2, ["2026-02-31", "does not exist"])


@pytest.mark.parametrize("other", ["wcc-bes", "WCC-BES ".lower(), "WCC - BES", "Wcc-Bes"])
def test_hub_ids_differing_only_in_capitals_or_spaces_are_named(other, biborough_config, tmp_path, capsys):
    hubs = _demo("hubs")
    extra = hubs.iloc[[0]].assign(hub_id=other, name="Bessborough again")
    h = _save(pd.concat([hubs, extra], ignore_index=True), tmp_path / "hubs.csv")
    cfg = _config(tmp_path, biborough_config, hubs=h)
    code, err, _ = _build(cfg, tmp_path / "o", capsys)
    assert code == 2, err
    line = _problem_line(err, h, "hub_id", 8, ["differ only in capitals or spaces"])
    assert "row 2" in line or "rows 2," in line, line
