"""``equity.csv``: review take-up by group (ethnic group and the other group columns) per area.

Levels are ``lsoa``, ``ward``, ``hub`` (catchment), ``la`` and ``study_area``. For each area and
group, ``numerator`` (reviews completed) and ``denominator`` (children eligible) are summed over
the area's LSOAs and the periods analysed (:func:`default_periods`: the ``[analysis]
pool_quarters`` window ending at the analysis period when the extract has all of it, else the
analysis period); the area's totals are the sums over its groups (``Not stated`` included), so
they equal ``lsoa.csv``'s counts for the analysis period. Statistics are those of
:mod:`models.equity`; the FDR is controlled across the groups and areas of one level, measure and
group column; ``Not stated`` is shown but not compared (flag ``not compared``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.config.groups import NOT_STATED
from geo.monitoring.trends import window_label
from models.equity import compare_groups

__all__ = ["COLUMNS", "EXTRA", "LEVELS", "default_periods", "group_counts", "equity_table"]

COLUMNS = ["level", "area_code", "measure", "group_column", "group", "numerator", "denominator", "rate", "rate_lo", "rate_hi",
           "difference", "difference_lo", "difference_hi", "flag"]
EXTRA = ["area_name", "periods", "area_numerator", "area_denominator", "area_rate", "p_value", "q_value",
         "children_to_area_rate", "target", "children_to_target"]
LEVELS = (("lsoa", "lsoa21cd", "lsoa21nm"), ("ward", "ward_code", "ward_name"), ("hub", "hub_id", "hub_name"),
          ("la", "lad_code", "la_name"), ("study_area", "study", "study_name"))
#: The extract and counts behind each measure (reach needs group under-5s, which no public source gives).
MEASURES = {"review_takeup": ("review", "completed", "eligible")}


def default_periods(result) -> list[str]:
    """The periods the model, the map and every table use: the build's analysis window
    (:func:`geo.build.analysis_window`; ``[]`` without periodic extracts)."""
    return list(result.inputs.period.get("window", [])) if result.inputs.period.get("analysis") else []


def _areas(result) -> pd.DataFrame:
    lsoa = pd.DataFrame(result.lsoa.drop(columns="geometry"))
    names = result.public.lookup_ward.drop_duplicates("ward_lad_code").set_index("ward_lad_code")["ward_lad_name"]
    areas = lsoa.assign(la_name=lsoa["lad_code"].map(names).fillna(lsoa["lad_code"]), study=result.config.slug,
                        study_name=result.config.name)
    if "hub_id" in areas.columns and result.hubs is not None:
        areas["hub_name"] = areas["hub_id"].map(result.hubs.set_index("hub_id")["name"])
    return areas


def group_counts(result, *, periods: list[str] | None = None) -> pd.DataFrame:
    """Per level, area, measure, group column and group: ``numerator, denominator`` summed over ``periods``.

    Returns
    -------
    DataFrame
        ``level, area_code, area_name, measure, group_column, group, numerator, denominator``
        (every group of the column in every area, 0 where it has no children).
    """
    periods = default_periods(result) if periods is None else list(periods)
    areas = _areas(result)
    parts = []
    for (kind, column), rows in sorted(result.inputs.groups.items()):
        if kind not in MEASURES:
            continue
        measure, num, den = MEASURES[kind]
        rows = rows[rows["period"].isin(periods)]
        per = rows.groupby(["lsoa21cd", column])[[num, den]].sum().reset_index()
        groups = sorted(rows[column].unique(), key=lambda g: (g == NOT_STATED, g))
        for level, code, name in LEVELS:
            if code not in areas.columns:
                continue
            keyed = per.merge(areas[list(dict.fromkeys(["lsoa21cd", code]))], on="lsoa21cd").dropna(subset=[code])
            sums = keyed.groupby([code, column])[[num, den]].sum()
            codes = sorted(areas[code].dropna().unique())
            full = sums.reindex(pd.MultiIndex.from_product([codes, groups], names=[code, column]), fill_value=0).reset_index()
            label = areas.dropna(subset=[code]).drop_duplicates(code).set_index(code)[name] if name in areas else None
            parts.append(pd.DataFrame({
                "level": level, "area_code": full[code].astype(str),
                "area_name": full[code].map(label) if label is not None else full[code].astype(str),
                "measure": measure, "group_column": column, "group": full[column].astype(str),
                "numerator": full[num].astype(float), "denominator": full[den].astype(float)}))
    cols = ["level", "area_code", "area_name", "measure", "group_column", "group", "numerator", "denominator"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    out.attrs["periods"] = periods
    return out


def equity_table(result, *, periods: list[str] | None = None, fdr: float | None = None) -> pd.DataFrame:
    """``equity.csv`` for a build (:class:`geo.build.BuildResult`).

    Parameters
    ----------
    result : BuildResult
    periods : list of str, optional
        Period labels pooled (default :func:`default_periods`).
    fdr : float, optional
        False discovery rate (default ``[analysis] fdr``).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` then :data:`EXTRA`, sorted by level, area, measure, group column, group.
    """
    fdr = result.config.analysis.fdr if fdr is None else fdr
    counts = group_counts(result, periods=periods)
    if counts.empty:
        return pd.DataFrame(columns=COLUMNS + EXTRA)
    keys = ["level", "area_code", "measure", "group_column"]
    totals = counts.groupby(keys)[["numerator", "denominator"]].transform("sum")
    counts = counts.assign(area_numerator=totals["numerator"], area_denominator=totals["denominator"])
    parts = []
    targets = result.config.analysis.targets
    for (_level, measure, _col), cells in counts.groupby(["level", "measure", "group_column"], sort=False):
        target = targets[measure].value if measure in targets else None
        stats = compare_groups(cells["numerator"], cells["denominator"], cells["area_numerator"], cells["area_denominator"],
                               fdr=fdr, compared=cells["group"].ne(NOT_STATED).to_numpy(), target=target)
        stats.index = cells.index
        parts.append(pd.concat([cells, stats], axis=1).assign(target=np.nan if target is None else target))
    table = pd.concat(parts)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["area_rate"] = table["area_numerator"] / table["area_denominator"].where(table["area_denominator"] > 0)
    if "children_to_target" not in table:
        table["children_to_target"] = np.nan
    table["periods"] = window_label(counts.attrs["periods"]) if counts.attrs["periods"] else ""
    order = [lv for lv, _, _ in LEVELS]
    table = table.assign(_l=table["level"].map(order.index)).sort_values(["_l", "area_code", "measure", "group_column"],
                                                                         kind="stable")
    return table[COLUMNS + EXTRA].reset_index(drop=True)
