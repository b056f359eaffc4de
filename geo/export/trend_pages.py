"""The ILT pack's trend pages: one section per measure for a hub (or the whole study area).

:func:`trend_sections` builds :class:`~geo.export.sections.PackSection` objects from the
published monitoring only (:func:`geo.monitoring.publish.published_monitoring`: trends, changes
and impact after the disclosure gate across periods): a chart with its alt text, the gated table
of quarters and pooled windows with the gap to the target, the latest change flag and the
caveats. The pack lays them out (it owns the page); nothing here draws a page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.export.sections import PackSection
from geo.monitoring.charts import MEASURE_NAMES, trend_chart
from geo.monitoring.publish import IMPACT_CAVEATS, Monitoring, published_monitoring

__all__ = ["trend_sections", "trend_table_for_people"]

_HEAD = {"review": ("Reviewed", "Eligible"), "reach": ("Children attending", "Under-5s x quarters (estimate)")}


def _pct(v) -> str:
    return "c" if not np.isfinite(v) else f"{v:.0%}"


def trend_table_for_people(published_rows: pd.DataFrame, numeric_rows: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Quarters then pooled windows of one area and measure: counts as published, rate with its 95%
    interval and the gap to the target (points and children), ``"c"`` where withheld."""
    num, den = _HEAD[measure]
    d, n = published_rows.reset_index(drop=True), numeric_rows.reset_index(drop=True)
    out = pd.DataFrame({"Period": d["period"], num: d["numerator"].astype(str), den: d["denominator"].astype(str),
                        "Rate": n["rate"].map(_pct),
                        "95% interval": [f"{_pct(a)} to {_pct(b)}" if np.isfinite(a) else "c" for a, b in zip(n["rate_lo"], n["rate_hi"])]})
    if n["target"].notna().any():
        out["Gap to target (points)"] = [f"{g:+.1f}" if np.isfinite(g) else "c" for g in n["gap_pp"]]
        out["Gap to target (children)"] = [f"{g:+,.0f}" if np.isfinite(g) else "c" for g in n["gap_children"]]
    return out


def _change_note(monitoring: Monitoring, level: str, code: str, measure: str) -> str:
    c = monitoring.latest_changes(level)
    c = c[(c["area_code"] == code) & (c["measure"] == measure)]
    if c.empty:
        return "Change: no earlier period to compare with."
    r = c.iloc[0]
    head = f"Change between {r['period_from']} and {r['period_to']}"
    if r["flag"] == "not published":
        return f"{head}: not published (a count of one of the periods is withheld)."
    return (f"{head}: {100 * r['difference']:+.1f} points (95% interval {100 * r['difference_lo']:+.1f} to "
            f"{100 * r['difference_hi']:+.1f}): {r['flag']} (false discovery rate controlled across areas).")


def _section(result, monitoring: Monitoring, level: str, code: str, name: str, measure: str) -> PackSection | None:
    d, n = monitoring.trends.display, monitoring.trends.numeric
    pick = (n["level"] == level) & (n["area_code"] == code) & (n["measure"] == measure)
    if not pick.any():
        return None
    rows_n = n[pick].assign(_w=n.loc[pick, "period"].str.contains(" to ")).sort_values(["_w", "period"], kind="stable")
    rows_d = d.loc[rows_n.index]
    target = result.config.analysis.targets.get(measure)
    png, alt = trend_chart(n[pick], measure=measure, areas={code: name}, target=None if target is None else target.value,
                           target_label="target" if target is None else target.label, cols=1)
    notes = [_change_note(monitoring, level, code, measure),
             f"The maps and tables of this pack use {monitoring.window or 'the latest period'}; pooled windows sum the "
             "quarters' counts" + (" (reach: children attending per quarter over under-5s x quarters)." if measure == "reach" else "."),
             monitoring.rule.statement() + " Quarters are withheld where a count could be worked out from a pooled "
             "window, other quarters or area totals."]
    if target is not None:
        notes.append(f"Target: {target.label}, {target.value:.0%}; gap in percentage points and in children "
                     "(negative: short of the target).")
    title = f"{MEASURE_NAMES[measure].capitalize()} over time: {name}"
    return PackSection(title=title, table=trend_table_for_people(rows_d, rows_n, measure), figure=png, alt=alt, notes=notes)


def _impact_section(monitoring: Monitoring) -> PackSection | None:
    from geo.app.trends import impact_display

    table = impact_display(monitoring.impact)
    if table is None:
        return None
    return PackSection(title="Did outreach work?", table=table, notes=list(IMPACT_CAVEATS))


def trend_sections(result, gated, hub_id: str | None) -> list[PackSection]:
    """Trend pages of the ILT pack for one hub (``hub_id``) or the whole study area (``None``).

    Parameters
    ----------
    result : geo.build.BuildResult
    gated : Monitoring or geo.disclosure.gate.ExportTables or None
        The published monitoring (:func:`geo.monitoring.publish.published_monitoring`), or the main
        gate's tables to compute it with (None: computed with the config's rule).
    hub_id : str or None

    Returns
    -------
    list of PackSection
        One per measure with a published series (review take-up, hub reach); for the study area
        also the impact of outreach with its caveats. Empty for a hub without published trends.
    """
    monitoring = gated if isinstance(gated, Monitoring) else published_monitoring(result, tables=gated)
    if hub_id is None:
        level, code, name = "study_area", str(result.config.slug), str(result.config.name)
    else:
        level, code = "hub", str(hub_id)
        names = result.hubs.set_index("hub_id")["name"] if result.hubs is not None else pd.Series(dtype=object)
        if code not in names.index:
            raise ValueError(f"trend_sections: no hub {hub_id!r} in the hubs file")
        name = str(names[code])
    sections = [s for m in ("review", "reach") if (s := _section(result, monitoring, level, code, name, m)) is not None]
    if hub_id is None and (impact := _impact_section(monitoring)) is not None:
        sections.append(impact)
    return sections
