"""``changes.csv``: the latest period (or window) against the previous one and the same period a
year earlier, per area and measure, with a flag that controls the false discovery rate.

For each level, area and measure, ``period_to`` is the analysis period (the latest period every
extract has, or ``--period``) and, with ``[analysis] pool_quarters = N > 1`` (default 4), also
the window of ``N`` periods ending there (``periods_pooled = N``); ``period_from`` is

* ``previous``: the period (window) just before it, and
* ``year_earlier``: the same period (window) a year earlier (with ``N = 4`` the two are the same
  window and only ``year_earlier`` is written),

when the extracts have it. ``difference = rate_to - rate_from`` (a proportion) with the Newcombe
hybrid score 95% interval (:func:`models.change.newcombe_difference`); ``p_value`` is the pooled
two-proportion z test of no change, ``q_value`` its Benjamini-Hochberg adjustment across the
areas of one level, measure, comparison and window length, and ``flag`` is ``improving`` or ``worsening`` when
``q_value < [analysis] fdr`` (default 0.05) and ``no clear change`` otherwise. The two periods
are treated as independent samples: the same children can be counted in both (reach), which
makes the test conservative for reach rather than anti-conservative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.inputs.periods import Period
from geo.monitoring.trends import window_label
from models.change import bh_adjust, change_flags, difference_p_value, newcombe_difference

__all__ = ["COLUMNS", "change_table", "comparisons", "compare"]

COLUMNS = ["level", "area_code", "measure", "period_from", "period_to", "rate_from", "rate_to", "difference",
           "difference_lo", "difference_hi", "flag"]
EXTRA = ["area_name", "comparison", "numerator_from", "denominator_from", "numerator_to", "denominator_to",
         "p_value", "q_value"]


def comparisons(latest: Period, pool: int) -> list[tuple[str, str, str]]:
    """``(comparison, period_from, period_to)`` window labels for the latest period.

    Examples
    --------
    >>> from geo.inputs.periods import parse_period
    >>> comparisons(parse_period("2025-Q4"), 1)
    [('previous', '2025-Q3', '2025-Q4'), ('year_earlier', '2024-Q4', '2025-Q4')]
    >>> comparisons(parse_period("2025-Q4"), 4)
    [('year_earlier', '2024-Q1 to 2024-Q4', '2025-Q1 to 2025-Q4')]
    """
    to = window_label([p.label for p in latest.pool(pool)])
    ends = {"previous": latest.shifted(-pool), "year_earlier": latest.year_earlier()}
    if ends["previous"] == ends["year_earlier"]:
        del ends["previous"]
    return [(name, window_label([p.label for p in end.pool(pool)]), to) for name, end in ends.items()]


def compare(trends: pd.DataFrame, name: str, period_from: str, period_to: str, *, fdr: float) -> pd.DataFrame:
    """One comparison for every area of ``trends`` that has both periods (FDR within level and measure)."""
    keys = ["level", "area_code", "measure"]
    a = trends[trends["period"] == period_from].set_index(keys)
    b = trends[trends["period"] == period_to].set_index(keys)
    both = a.index.intersection(b.index)
    if not len(both):
        return pd.DataFrame(columns=COLUMNS + EXTRA)
    a, b = a.loc[both], b.loc[both]
    k1, n1, k2, n2 = (s.to_numpy(float) for s in (a["numerator"], a["denominator"], b["numerator"], b["denominator"]))
    d, lo, hi = newcombe_difference(k1, n1, k2, n2)
    out = pd.DataFrame({"area_name": b["area_name"].to_numpy(), "comparison": name, "period_from": period_from,
                        "period_to": period_to, "rate_from": a["rate"].to_numpy(), "rate_to": b["rate"].to_numpy(),
                        "difference": d, "difference_lo": lo, "difference_hi": hi,
                        "numerator_from": k1, "denominator_from": n1, "numerator_to": k2, "denominator_to": n2,
                        "p_value": difference_p_value(k1, n1, k2, n2)}, index=both).reset_index()
    out["q_value"] = np.nan
    for _, idx in out.groupby(["level", "measure"]).groups.items():
        out.loc[idx, "q_value"] = bh_adjust(out.loc[idx, "p_value"].to_numpy())
    out["flag"] = change_flags(out["difference"], out["q_value"], alpha=fdr)
    return out[COLUMNS + EXTRA]


def change_table(result, trends: pd.DataFrame) -> pd.DataFrame:
    """``changes.csv`` for a build and its :func:`~geo.monitoring.trends.trend_table`.

    Returns
    -------
    DataFrame
        :data:`COLUMNS` then ``area_name, comparison, numerator_from, denominator_from,
        numerator_to, denominator_to, p_value, q_value, periods_pooled``; empty when the extracts have no
        earlier period to compare with.
    """
    analysis = result.config.analysis
    index = result.inputs.period_index
    chosen = result.inputs.period.get("analysis")
    parts = []
    for pool in sorted({1, analysis.pool_quarters}):
        rows = trends[trends["periods_pooled"] == pool]
        for _, own in rows.groupby("measure", sort=True):
            ends = [index[lab.split(" to ")[-1]] for lab in own["period"].unique()]
            latest = index[chosen] if chosen in index and index[chosen] in ends else max(ends)
            for name, frm, to in comparisons(latest, pool):
                parts.append(compare(own, name, frm, to, fdr=analysis.fdr).assign(periods_pooled=pool))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COLUMNS + EXTRA + ["periods_pooled"])
    out = pd.concat(parts, ignore_index=True)
    levels = ("lsoa", "ward", "hub", "la", "study_area")
    out = out.assign(_l=out["level"].map(levels.index)).sort_values(["_l", "area_code", "measure", "periods_pooled", "comparison"],
                                                                    kind="stable")
    return out.drop(columns="_l").reset_index(drop=True)
