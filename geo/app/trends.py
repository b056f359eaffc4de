"""The app's Trends tab and change map layer, drawn from the published monitoring only.

Everything here reads :class:`geo.monitoring.publish.Monitoring` (trends, changes and impact
after the disclosure gate across periods), never ``trends.csv``: small multiples per hub or
ward (:func:`geo.monitoring.charts.trend_chart`), the latest change flags, and the impact table
with its method, assumptions and intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.monitoring.charts import MEASURE_NAMES, trend_chart
from geo.monitoring.publish import IMPACT_CAVEATS, Monitoring, published_monitoring
from geo.safety import plain_markdown

__all__ = ["change_columns", "change_table", "impact_display", "period_options", "published_monitoring", "trends_tab", "PANELS"]

#: at most this many panels per chart (wards: the first ones of the selection, in name order)
PANELS = 12
_FLAGS = ("improving", "no clear change", "worsening")


def _pct(v) -> str:
    return "c" if v is None or not np.isfinite(v) else f"{v:.0%}"


def _pp(v) -> str:
    return "c" if v is None or not np.isfinite(v) else f"{100 * v:+.1f}"


def change_columns(areas: pd.DataFrame, monitoring: Monitoring) -> pd.DataFrame:
    """``areas`` (LSOAs or wards, with ``ward_code``) with ``review_change`` and ``reach_change``: the
    ward's published flag on a year earlier (NaN where not published; LSOAs take their ward's).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(latest_changes=lambda level: pd.DataFrame({"area_code": ["W1"], "measure": ["review"],
    ...                                                                 "flag": ["worsening"]}))
    >>> change_columns(pd.DataFrame({"ward_code": ["W1", "W2"]}), m)["review_change"].tolist()
    ['worsening', nan]
    """
    latest = monitoring.latest_changes("ward")
    out = areas.copy()
    for measure in ("review", "reach"):
        flags = latest[(latest["measure"] == measure) & latest["flag"].isin(_FLAGS)].set_index("area_code")["flag"]
        out[f"{measure}_change"] = out["ward_code"].map(flags).astype(object)
    return out


def change_table(monitoring: Monitoring, level: str, codes=None) -> pd.DataFrame:
    """The latest change per area and measure of one level, for people (published values only)."""
    c = monitoring.latest_changes(level)
    if codes is not None:
        c = c[c["area_code"].isin(set(codes))]
    return pd.DataFrame({
        "Area": c["area_name"].astype(str), "Measure": c["measure"].map(MEASURE_NAMES).fillna(c["measure"]),
        "From": c["period_from"], "To": c["period_to"], "Rate then": c["rate_from"].map(_pct),
        "Rate now": c["rate_to"].map(_pct), "Change (points)": c["difference"].map(_pp),
        "95% interval (points)": [f"{_pp(a)} to {_pp(b)}" if np.isfinite(a) else "c"
                                  for a, b in zip(c["difference_lo"], c["difference_hi"])],
        "Flag": c["flag"]}).reset_index(drop=True)


def impact_display(impact: pd.DataFrame | None) -> pd.DataFrame | None:
    """The published impact table for people: estimates with their 95% intervals, or why none."""
    if impact is None or impact.empty:
        return None
    est = impact["estimate"].astype(float)
    return pd.DataFrame({
        "Measure": impact["measure"].map(MEASURE_NAMES).fillna(impact["measure"]), "Sessions at": impact["group"].astype(str),
        "Areas": impact["n_areas"], "Before": impact["before_rate"].map(_pct), "After": impact["after_rate"].map(_pct),
        "Effect (points)": est.map(lambda v: _pp(v) if np.isfinite(v) else "none shown"),
        "95% interval (points)": [f"{_pp(a)} to {_pp(b)}" if np.isfinite(e) else str(n if isinstance(n, str) else "")
                                  for e, a, b, n in zip(est, impact["estimate_lo"], impact["estimate_hi"],
                                                        impact.get("note", pd.Series([""] * len(impact))))]})


def period_options(prepared) -> dict[str, str]:
    """The sidebar's period choices: ``""`` (the study area's default window) first, then the other
    windows of the grid (:func:`geo.disclosure.windows.window_grid`), latest first: full windows of
    ``[analysis] pool_quarters`` quarters that share no quarter with the default or with each other
    (``"2024-Q4|4"`` -> ``"2024-Q1 to 2024-Q4 (4 quarters pooled)"``; with ``pool_quarters = 1``
    each quarter alone, ``"2025-Q3|1"`` -> ``"2025-Q3 only"``). Overlapping windows and single
    quarters beside pooled windows are not offered: two of them would give a withheld count back
    by differencing (the Trends tab shows quarters for hubs, wards and local authorities)."""
    from geo.build import analysis_window
    from geo.disclosure.windows import window_grid

    inputs = prepared.inputs
    if not inputs.period_index:
        return {}
    pool = prepared.config.analysis.pool_quarters
    out = {"": f"{analysis_window(inputs.period)} (default)"}
    own = list(inputs.period.get("window") or [])
    for run in window_grid(inputs.period, inputs.period_index, pool):
        if run == own:
            continue
        if len(run) > 1:
            out[f"{run[-1]}|{len(run)}"] = f"{run[0]} to {run[-1]} ({len(run)} quarters pooled)"
        else:
            out[f"{run[-1]}|1"] = f"{run[-1]} only"
    return out


def _areas(monitoring: Monitoring, level: str, codes) -> dict[str, str]:
    rows = monitoring.trends.numeric
    rows = rows[rows["level"] == level]
    if codes is not None:
        rows = rows[rows["area_code"].isin(set(codes))]
    names = rows.drop_duplicates("area_code").sort_values("area_name")
    return dict(zip(names["area_code"].astype(str), names["area_name"].astype(str)))


def trends_tab(st, monitoring: Monitoring, *, targets: dict, hubs=None, wards=None) -> None:
    """Draw the Trends tab: small multiples, latest change flags, impact with caveats.

    ``hubs`` and ``wards`` restrict the panels to the selection (None: all). ``monitoring`` may be
    the message of a gate that could not publish the trends (shown instead).
    """
    if isinstance(monitoring, str):
        st.warning(plain_markdown("Trends are not shown: " + monitoring))
        return
    st.caption(plain_markdown(f"The map and tables use {monitoring.window or 'the latest period'}. Trends: every "
                              "quarter and the pooled windows, for hub catchments and wards (never LSOA quarters). "
                              + monitoring.rule.statement() + " A quarter that could give a withheld count back by "
                              "differencing (window minus quarters, area totals) is withheld too."))
    c1, c2 = st.columns(2)
    level = c1.radio("Trends by", ["hub", "ward"], format_func={"hub": "Hub catchment", "ward": "Ward"}.get,
                     horizontal=True, key="trend_level")
    measure = c2.radio("Measure", ["review", "reach"], format_func=lambda m: MEASURE_NAMES[m].capitalize(),
                       horizontal=True, key="trend_measure")
    areas = _areas(monitoring, level, hubs if level == "hub" else wards)
    if not areas:
        st.info("No published trend for the areas selected.")
        return
    if len(areas) > PANELS:
        st.caption(f"The first {PANELS} of {len(areas)} areas in name order; choose hubs or local authorities in the "
                   "sidebar to see others.")
        areas = dict(list(areas.items())[:PANELS])
    target = targets.get(measure)
    rows = monitoring.trends.numeric[monitoring.trends.numeric["level"] == level]
    png, alt = trend_chart(rows, measure=measure, areas=areas, target=None if target is None else target.value,
                           target_label="target" if target is None else target.label)
    st.image(png, width="stretch", alt=alt)
    st.subheader("Latest change")
    st.caption("Each area's latest window against the same window a year earlier: the difference with its 95% "
               "interval; improving or worsening only where the change is clear with the false discovery rate "
               "controlled across areas; 'not published' where a count is withheld.")
    st.dataframe(change_table(monitoring, level, list(areas)), hide_index=True)
    st.subheader("Did outreach work?")
    impact = impact_display(monitoring.impact)
    if impact is None:
        st.info("No outreach sessions extract is configured, so no impact is estimated.")
        return
    st.dataframe(impact, hide_index=True)
    for line in IMPACT_CAVEATS:
        st.caption(line)
