"""``trends.csv``: every period kept, a time series per area for review take-up and hub reach.

Levels are ``lsoa``, ``ward``, ``hub`` (the hub catchment each LSOA is assigned to),
``la`` and ``study_area``; measures are:

* ``review``: numerator = reviews completed, denominator = children eligible, summed over the
  area's LSOAs (LSOA 2011 and ward rows apportioned onto LSOA 2021 as for the snapshot);
* ``reach``: numerator = children attending any hub, denominator = estimated under-5s (the
  ``under5_est`` of ``lsoa.csv``), the numerator capped at the denominator after summing over
  the area's LSOAs (as ``lsoa.csv`` and ``wards.csv`` do).

``rate = numerator / denominator`` with its 95% Wilson score interval ``rate_lo, rate_hi``. A
period an extract lacks is absent from that measure's series; an LSOA without a row in a
period the extract has counts 0 (as in the snapshot). With ``[analysis] pool_quarters = N > 1``
the table also has one row per area for each window of ``N`` consecutive periods
(``period = "2024-Q2 to 2025-Q1"``, ``periods_pooled = N``): counts are summed over the window
and the reach denominator is ``N`` x the under-5s (child-quarters), so the pooled reach is the
mean quarterly reach. With ``[targets]``, ``target`` is the target proportion, ``gap_pp`` the
rate minus the target in percentage points and ``gap_children`` the numerator minus
``target x denominator`` (negative: that many children short of the target).

The counts of the analysis period are those of ``lsoa.csv`` and ``wards.csv`` exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.inputs.periods import Period
from models.stats import wilson_interval

__all__ = ["COLUMNS", "LEVELS", "lsoa_periods", "aggregate", "trend_table", "window_label", "windows"]

COLUMNS = ["level", "area_code", "area_name", "measure", "period", "numerator", "denominator", "rate", "rate_lo", "rate_hi"]
EXTRA = ["periods_pooled", "target", "target_label", "gap_pp", "gap_children"]
LEVELS = ("lsoa", "ward", "hub", "la", "study_area")


def lsoa_periods(lsoa: pd.DataFrame, series: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per LSOA and period: ``measure, numerator, denominator`` (reach uncapped here).

    Parameters
    ----------
    lsoa : DataFrame
        The build's LSOA table (``lsoa21cd``, ``under5_est``).
    series : dict
        ``review_takeup`` (``period, lsoa21cd, eligible, completed``) and/or
        ``hub_attendance`` (``period, hub_id, lsoa21cd, children``) on LSOA 2021.

    Examples
    --------
    >>> lsoa = pd.DataFrame({"lsoa21cd": ["A", "B"], "under5_est": [10.0, 20.0]})
    >>> review = pd.DataFrame({"period": ["2025-Q1", "2025-Q2"], "lsoa21cd": ["A", "A"], "eligible": [4, 5], "completed": [2, 5]})
    >>> lsoa_periods(lsoa, {"review_takeup": review}).to_dict("list")["numerator"]
    [2.0, 0.0, 5.0, 0.0]
    """
    codes = lsoa["lsoa21cd"].to_numpy()
    out = []
    for kind, measure, num, den in (("review_takeup", "review", "completed", "eligible"),
                                    ("hub_attendance", "reach", "children", None)):
        rows = series.get(kind)
        if rows is None:
            continue
        periods = sorted(rows["period"].unique())
        cols = [num] if den is None else [num, den]
        sums = rows.groupby(["period", "lsoa21cd"])[cols].sum()
        full = sums.reindex(pd.MultiIndex.from_product([periods, codes], names=["period", "lsoa21cd"]), fill_value=0)
        frame = full.reset_index().rename(columns={num: "numerator"})
        if den is None:
            frame["denominator"] = np.tile(lsoa["under5_est"].fillna(0).to_numpy(float), len(periods))
        else:
            frame = frame.rename(columns={den: "denominator"})
        out.append(frame.assign(measure=measure)[["lsoa21cd", "measure", "period", "numerator", "denominator"]])
    if not out:
        return pd.DataFrame(columns=["lsoa21cd", "measure", "period", "numerator", "denominator"])
    res = pd.concat(out, ignore_index=True)
    return res.astype({"numerator": float, "denominator": float})


def window_label(periods: list[str]) -> str:
    """The label of a window of periods: ``"2024-Q2 to 2025-Q1"`` (one period: its own label)."""
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


def windows(labels: list[str], index: dict[str, Period], n: int) -> list[list[str]]:
    """Every run of ``n`` consecutive periods (by dates) among ``labels``, oldest first.

    Examples
    --------
    >>> from geo.inputs.periods import parse_period
    >>> idx = {p: parse_period(p) for p in ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q3"]}
    >>> windows(list(idx), idx, 2)
    [['2024-Q3', '2024-Q4'], ['2024-Q4', '2025-Q1']]
    """
    have = set(labels)
    out = []
    for label in sorted(labels, key=lambda lab: index[lab]):
        run = [p.label for p in index[label].pool(n)]
        if all(p in have for p in run):
            out.append(run)
    return out


def _pool(per: pd.DataFrame, index: dict[str, Period], n: int) -> pd.DataFrame:
    """Per-LSOA rows of every ``n``-period window (reach denominators x ``n``)."""
    parts = []
    for measure, rows in per.groupby("measure", sort=False):
        for run in windows(list(rows["period"].unique()), index, n):
            inside = rows[rows["period"].isin(run)]
            sums = inside.groupby("lsoa21cd", sort=True)[["numerator", "denominator"]].sum().reset_index()
            parts.append(sums.assign(measure=measure, period=window_label(run)))
    return pd.concat(parts, ignore_index=True) if parts else per.iloc[:0]


def aggregate(per: pd.DataFrame, areas: pd.DataFrame, *, level: str, code: str, name: str | None) -> pd.DataFrame:
    """Sum LSOA-period counts to one level; reach numerators capped at their denominators."""
    cols = list(dict.fromkeys(c for c in ("lsoa21cd", code, name) if c))
    keyed = per.merge(areas[cols], on="lsoa21cd", how="inner")
    keyed = keyed[keyed[code].notna()]
    sums = keyed.groupby([code, "measure", "period"], sort=True)[["numerator", "denominator"]].sum().reset_index()
    reach = sums["measure"].eq("reach")
    sums.loc[reach, "numerator"] = np.minimum(sums.loc[reach, "numerator"], sums.loc[reach, "denominator"])
    names = keyed.drop_duplicates(code).set_index(code)[name] if name else None
    return sums.assign(level=level, area_code=sums[code].astype(str),
                       area_name=sums[code].map(names) if names is not None else sums[code].astype(str))


def with_rates(table: pd.DataFrame, targets: dict) -> pd.DataFrame:
    """Add ``rate, rate_lo, rate_hi`` and the target columns."""
    num, den = table["numerator"].to_numpy(float), table["denominator"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    lo, hi = wilson_interval(num, den)
    target = table["measure"].map({m: t.value for m, t in targets.items()}).astype(float)
    out = table.assign(rate=rate, rate_lo=lo, rate_hi=hi, target=target,
                       target_label=table["measure"].map({m: t.label for m, t in targets.items()}).astype(object),
                       gap_pp=100 * (rate - target), gap_children=(num - target * den).round())
    return out


def trend_table(result, *, pool: int | None = None) -> pd.DataFrame:
    """``trends.csv`` for a build (:class:`geo.build.BuildResult`).

    Parameters
    ----------
    result : BuildResult
    pool : int, optional
        Periods per window (default ``[analysis] pool_quarters``); 1 gives single periods only.

    Returns
    -------
    DataFrame
        :data:`COLUMNS` then ``periods_pooled, target, target_label, gap_pp, gap_children``,
        sorted by level (in :data:`LEVELS` order), area, measure and period (by date).
    """
    config = result.config
    pool = config.analysis.pool_quarters if pool is None else pool
    lsoa = pd.DataFrame(result.lsoa.drop(columns="geometry"))
    per = lsoa_periods(lsoa, result.inputs.series).assign(periods_pooled=1)
    index = dict(result.inputs.period_index)
    if pool > 1:
        pooled = _pool(per, index, pool).assign(periods_pooled=pool)
        per = pd.concat([per, pooled], ignore_index=True)
    names = result.public.lookup_ward.drop_duplicates("ward_lad_code").set_index("ward_lad_code")["ward_lad_name"]
    areas = lsoa.assign(la_name=lsoa["lad_code"].map(names).fillna(lsoa["lad_code"]), study=config.slug, study_name=config.name)
    if "hub_id" in areas.columns and result.hubs is not None:
        areas["hub_name"] = areas["hub_id"].map(result.hubs.set_index("hub_id")["name"])
    specs = [("lsoa", "lsoa21cd", "lsoa21nm"), ("ward", "ward_code", "ward_name"), ("hub", "hub_id", "hub_name"),
             ("la", "lad_code", "la_name"), ("study_area", "study", "study_name")]
    parts = []
    for level, code, name in specs:
        if code not in areas.columns:
            continue
        for pooled, rows in per.groupby("periods_pooled"):
            parts.append(aggregate(rows, areas, level=level, code=code, name=name).assign(periods_pooled=pooled))
    if not parts:  # no periodic extract (a new study area before its first upload): no trend, a header only
        return pd.DataFrame(columns=COLUMNS + EXTRA)
    table = pd.concat(parts, ignore_index=True)
    table = with_rates(table, config.analysis.targets)
    order = {lab: i for i, lab in enumerate(sorted(index, key=index.get))}
    start = table["period"].str.split(" to ").str[-1].map(order)
    table = (table.assign(_l=table["level"].map(LEVELS.index), _p=start)
                  .sort_values(["_l", "area_code", "measure", "periods_pooled", "_p"], kind="stable"))
    return table[COLUMNS + EXTRA].reset_index(drop=True)
