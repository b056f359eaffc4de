"""Totals published in two tables are the same cell: never a value in one and "c" in the other (issue 13)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from geo.build import run
from geo.disclosure import DisclosureRule
from geo.disclosure.gate import export_tables
from geo.disclosure.shared import SHARED_TOTALS


def _total(display: pd.DataFrame, key: str, col: str):
    return display.loc[display[key].astype(str) == "Total", col].iat[0]


def test_leicestershire_hub_total_matches_the_ward_total(leicestershire_build):
    """Every LSOA is in a hub, so the hub Total and the ward Total are the same sums (e.g. reviews completed)."""
    # the case was found in one quarter (every hub's review_completed withheld); pooled over four quarters
    # ([analysis] pool_quarters default) few hub counts are small, so the case is rebuilt on the single quarter
    config = leicestershire_build.config
    result = run(config.with_(analysis=replace(config.analysis, pool_quarters=1)), public=leicestershire_build.public)
    assert result.lsoa["hub_id"].notna().all()
    tables = export_tables(result, DisclosureRule.from_config(result.config))
    hubs, wards = tables.hubs.display, tables.wards.display
    for hcol, wcol in SHARED_TOTALS.items():
        h, w = _total(hubs, "hub_id", hcol), _total(wards, "ward_code", wcol)
        assert str(h) == str(w), (hcol, h, w)
    # the case found: every hub's review_completed withheld, the total published in the ward table
    assert (hubs.loc[hubs["hub_id"] != "Total", "review_completed"].astype(str) == "c").all()
    assert float(_total(hubs, "hub_id", "review_completed")) == result.lsoa["review_completed"].sum()
    assert float(_total(hubs, "hub_id", "reviewed_pct")) == round(
        result.lsoa["review_completed"].sum() / result.lsoa["review_eligible"].sum(), 4)
    audit = tables.audit()
    assert audit[(audit["table"].astype(str).str.startswith("hub")) & (audit["row"] == "Total")
                 & (audit["column"] == "review_completed")].empty
