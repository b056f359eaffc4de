"""Fresh attacker's look at issue 13: the app's headline counts only what the tables publish.

The headline "Priority LSOAs" (rounded to 10) can be read for every local authority x hub
selection. Counted over the true quadrants, the 127 rounded sums of the bi-borough demo pin the
number of priority LSOAs per (LA, hub) cell exactly (Church Street: 11, of which only 9 are
published, so 2 of its LSOAs with a withheld quadrant are priority areas). Counted over the
published quadrants, the headline tells nothing the LSOA table does not.
"""
from __future__ import annotations

import itertools

import pandas as pd

from geo.app.views import filter_view, gated_tables, headline
from geo.disclosure import DisclosureRule
from geo.disclosure.gate import round_to


class _Page:
    """Records what the app writes (the parts of the Streamlit API ``headline`` uses)."""

    def __init__(self):
        self.metrics: dict[str, str] = {}

    def columns(self, n):
        return [self] * n

    def metric(self, label, value, **_):
        self.metrics[label] = value

    def caption(self, *_a, **_k):
        pass


def test_headline_priority_lsoas_count_published_quadrants_only(biborough_build):
    result, rule = biborough_build, DisclosureRule()
    shown = gated_tables(result, rule).lsoa.display
    las = sorted(result.lsoa["lad_code"].unique())
    hubs = sorted(result.lsoa["hub_id"].dropna().unique())
    differ = []
    for la_sel in [()] + [(la,) for la in las]:
        for hub_sel in [()] + [s for k in range(1, len(hubs) + 1) for s in itertools.combinations(hubs, k)]:
            view = filter_view(result, level="lsoa", las=la_sel, hubs=hub_sel)
            if view.lsoa.empty:
                continue
            page = _Page()
            headline(page, result, view, None, rule)
            mine = shown[shown["lsoa21cd"].isin(view.lsoa["lsoa21cd"])]
            published = round_to(pd.Series([(mine["quadrant"] == "high need, low engagement").sum()])).iat[0]
            if page.metrics["Priority LSOAs"] != f"{published:,.0f}":
                differ.append((la_sel, hub_sel, page.metrics["Priority LSOAs"], published))
    assert differ == []
