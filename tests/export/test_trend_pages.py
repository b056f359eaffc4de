"""The pack's trend pages (issue 19): ``trend_sections`` builds gated sections per hub and for the study area."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from PIL import Image

from geo.disclosure import DisclosureRule
from geo.disclosure.gate import export_tables
from geo.export.sections import PackSection
from geo.export.trend_pages import trend_sections
from geo.monitoring.publish import published_monitoring
from geo.monitoring.trends import trend_table


@pytest.fixture(scope="module")
def gated(biborough_build):
    rule = DisclosureRule()
    return published_monitoring(biborough_build, rule, tables=export_tables(biborough_build, rule))


def test_a_hub_gets_a_trend_page_per_measure_with_chart_table_target_and_change(biborough_build, gated):
    hub = "WCC-QPK"
    sections = trend_sections(biborough_build, gated, hub)
    assert [type(s) for s in sections] == [PackSection, PackSection]
    review, reach = sections
    name = biborough_build.hubs.set_index("hub_id").loc[hub, "name"]
    assert name in review.title and "review" in review.title and "reach" in reach.title.lower()
    assert Image.open(io.BytesIO(review.figure)).format == "PNG" and name in review.alt and "%" in review.alt
    # the table is the exact series where nothing is withheld: counts of every quarter and window
    exact = trend_table(biborough_build)
    mine = exact[(exact["level"] == "hub") & (exact["area_code"] == hub) & (exact["measure"] == "review")]
    shown = review.table.set_index("Period")
    for r in mine.itertuples(index=False):
        if r.period in shown.index:
            assert shown.loc[r.period, "Reviewed"] == f"{int(r.numerator):,}"
            assert shown.loc[r.period, "Gap to target (points)"] == f"{r.gap_pp:+.1f}"
    assert set(gated.trends.numeric.query("level == 'hub' and area_code == @hub")["period"]) == set(shown.index)
    notes = " ".join(review.notes)
    assert "Change between" in notes and "pooled" in notes and "Disclosure rule" in notes and "Target" in notes


def test_withheld_cells_stay_withheld_on_the_pages(biborough_build, gated):
    """A study area page shows nothing the gate withholds; a ward-level page is never made (hubs and study area only)."""
    for hub in biborough_build.hubs["hub_id"]:
        for s in trend_sections(biborough_build, gated, hub):
            t = s.table
            counts = t.iloc[:, 1].astype(str).str.replace(",", "")
            assert not counts[counts.str.isdigit()].astype(int).between(1, 4).any()
            withheld = t.iloc[:, 1].isin(["<5", "c"])
            assert (t.loc[withheld, "Rate"] == "c").all()
    whole = trend_sections(biborough_build, gated, None)
    assert [s.title.split(" over time")[0] for s in whole[:2]] == ["2-2½ year review take-up",
                                                                    "Hub reach (under-5s attending in a quarter)"]
    impact = whole[-1]
    assert impact.title == "Did outreach work?" and (impact.table["Sessions at"] == "all").any()
    assert any("parallel trends" in n for n in impact.notes) and any("bootstrap" in n for n in impact.notes)


def test_an_unknown_hub_is_named(biborough_build, gated):
    with pytest.raises(ValueError, match="NOPE"):
        trend_sections(biborough_build, gated, "NOPE")


def test_sections_from_the_main_gate_tables_match(biborough_build, gated):
    rule = DisclosureRule()
    tables = export_tables(biborough_build, rule)
    a = trend_sections(biborough_build, tables, "WCC-QPK")[0].table
    b = trend_sections(biborough_build, gated, "WCC-QPK")[0].table
    pd.testing.assert_frame_equal(a, b)
