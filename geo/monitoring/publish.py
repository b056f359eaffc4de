"""What the app and the pack show of the monitoring: trends, changes and impact through the gate.

:func:`published_monitoring` computes the exact tables (:mod:`geo.monitoring.trends`,
:mod:`~geo.monitoring.changes`, :mod:`~geo.monitoring.impact`) and passes them through
:mod:`geo.disclosure.periods`; with the main gate's tables
(:func:`geo.disclosure.gate.export_tables`) the analysis window's ward, hub and total review
counts keep the status they have there.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.disclosure.periods import PublishedTrends, publish_changes, publish_impact, publish_trends
from geo.disclosure.rule import DisclosureRule
from geo.disclosure.windows import gate_cells, grid_gate_cells, window_grid
from geo.inputs.period_choice import window_label

__all__ = ["Monitoring", "published_monitoring", "gate_cells", "IMPACT_CAVEATS"]

#: What every published impact table says about itself.
IMPACT_CAVEATS = [
    "Method: difference-in-differences of the areas within reach of an outreach session against areas of "
    "similar need and baseline engagement that had none (reweighted to the exposed areas' strata).",
    "Assumptions: without outreach the two groups would have changed alike (parallel trends); outreach did not "
    "reach the comparison areas; nothing else aimed at the same areas changed at the same time.",
    "Intervals: 95% bootstrap intervals (venue rows: simultaneous across venues). An interval that includes 0 "
    "means no clear effect; no estimate is shown without its interval, nor for fewer than 5 areas.",
]


@dataclass(frozen=True)
class Monitoring:
    """The published monitoring of one build.

    Attributes
    ----------
    trends : PublishedTrends
    changes : DataFrame
        :func:`geo.disclosure.periods.publish_changes` of ``changes.csv``.
    impact : DataFrame or None
        :func:`geo.disclosure.periods.publish_impact` (None without outreach sessions).
    window : str or None
        What the model and maps use (``"2025-Q1 to 2025-Q4 pooled"``).
    rule : DisclosureRule
    """

    trends: PublishedTrends
    changes: pd.DataFrame
    impact: pd.DataFrame | None
    window: str | None
    rule: DisclosureRule

    def latest_changes(self, level: str) -> pd.DataFrame:
        """The changes of ``level`` for the analysis period (or window), one row per area and measure
        (the year-earlier comparison of the longest window first)."""
        c = self.changes[self.changes["level"] == level]
        if c.empty:
            return c
        c = c.sort_values(["periods_pooled", "comparison"], ascending=[False, False], kind="stable")
        return c.drop_duplicates(["area_code", "measure"]).reset_index(drop=True)


def _windows(trends: pd.DataFrame, index: dict) -> dict[str, list[str]]:
    out = {}
    for label in trends.loc[trends["periods_pooled"] > 1, "period"].unique():
        first, last = label.split(" to ")
        n = int(trends.loc[trends["period"] == label, "periods_pooled"].iloc[0])
        out[label] = [p.label for p in index[last].pool(n)]
        assert out[label][0] == first
    return out


def published_monitoring(result, rule: DisclosureRule | None = None, *, tables=None, link_lsoa: bool = False) -> Monitoring:
    """Trends, changes and impact of a build as the app and the pack may show them.

    Parameters
    ----------
    result : geo.build.BuildResult
    rule : DisclosureRule, optional
        Default: the config's.
    tables : geo.disclosure.gate.ExportTables, optional
        The main gate's tables of the same build (their analysis-window cells are kept as they are there;
        the other windows of :func:`geo.disclosure.windows.window_grid` are built and gated too).
    link_lsoa : bool
        Also attack the LSOA tables of those windows together with the trends (exact, but minutes
        on a county: see the README, "Disclosure across Period choices and quarterly packs").
    """
    from geo.monitoring.changes import change_table
    from geo.monitoring.trends import trend_table

    rule = rule or DisclosureRule.from_config(result.config)
    trends = trend_table(result)
    window = result.inputs.period.get("window_label")
    if window and window not in set(trends["period"]):  # the app's window is not one of the config's
        extra = trend_table(result, pool=len(result.inputs.period["window"]))
        trends = pd.concat([trends, extra[extra["period"] == window]], ignore_index=True)
    changes = change_table(result, trends)
    # published: every quarter and the windows of the grid (those the Period choices show; the
    # same whichever is chosen); changes between other windows are not published
    grid = {window_label(run) for run in window_grid(result.inputs.period, result.inputs.period_index,
                                                     result.config.analysis.pool_quarters)}
    keep = set(trends.loc[trends["periods_pooled"] == 1, "period"]) | grid | {window}
    changes = changes[changes["period_from"].isin(keep) & changes["period_to"].isin(keep)].reset_index(drop=True)
    trends = trends[trends["period"].isin(keep)]
    lsoa = result.lsoa
    ward_la = dict(zip(lsoa["ward_code"].astype(str), lsoa["lad_code"].astype(str)))
    hubs = [] if result.hubs is None else list(result.hubs["hub_id"].astype(str))
    known, forced, lsoa = {}, set(), None
    if tables is not None and window:
        known, forced, lsoa = grid_gate_cells(result, rule, tables)
        study = str(result.config.slug)
        known = {(c[0], study if c[0] == "study_area" else c[1], *c[2:]): v for c, v in known.items()}
        forced = {(c[0], study if c[0] == "study_area" else c[1], *c[2:]) for c in forced}
    published = publish_trends(trends, rule, ward_la=ward_la, hubs=hubs, windows=_windows(trends, result.inputs.period_index),
                               known=known, forced=forced, lsoa=lsoa if link_lsoa else None)
    changes = publish_changes(changes, published)
    impact = None
    if result.inputs.sessions is not None:
        from geo.monitoring.impact import impact_table

        impact = publish_impact(impact_table(result, trends), rule)
    return Monitoring(published, changes, impact, result.analysis_window, rule)
