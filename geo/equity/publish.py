"""Equity by group as published: the disclosure rule, complementary suppression and an attack.

Only the levels in :data:`PUBLISHED_LEVELS` (hub catchment, LA, study area) are published by group:
an LSOA or ward split by group is a handful of children. Every group cell has three counts,
``numerator`` (reviews completed), ``not_completed`` and ``denominator`` (eligible), and a
reader knows, besides the cells shown:

* the row identity ``denominator = numerator + not_completed``;
* each area's totals over its groups (``lsoa.csv``'s counts summed, published in the hub and
  area tables): ``total = sum over groups`` for each of the three counts; these are treated as
  **shown**, whatever the other tables withhold, which can only make the reader stronger;
* the links between levels: a study area's group cell is the sum of its LAs' (and, when every
  LSOA has a hub, of its hubs'), and an area made exactly of others is their sum (a district
  whose LSOAs are exactly one hub's catchment has that hub's cells: :func:`nested_areas`).

Counts from 0 to threshold-1 are withheld (``"<5"``: zeros too, as in the LSOA table, so that
"no child of this group" is not shown); then cells are added (``"c"``) until no relation has
exactly one withheld cell and the integer attack of :func:`geo.disclosure.linked.pinned_cells`
pins no withheld small count. A row with any withheld count has its rate, interval, difference,
flag and children-missing-out withheld too (each recomputes its counts from the area's totals).
With a rounding rule (``nhs-england``) shown counts are rounded and every statistic is computed
from the rounded counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.config.groups import NOT_STATED
from geo.disclosure.linked import pinned_cells
from geo.disclosure.rule import CONFIDENTIAL, DisclosureRule
from geo.equity.table import equity_table
from models.equity import compare_groups

__all__ = ["PUBLISHED_LEVELS", "COUNTS", "PublishedEquity", "equity_relations", "nested_areas", "published_equity",
           "SMALL_GROUPS"]

PUBLISHED_LEVELS = ("hub", "la", "study_area")
COUNTS = ("numerator", "not_completed", "denominator")
#: The row of free-text groups each held by fewer children than the threshold (see :func:`published_equity`).
SMALL_GROUPS = "Other (small groups)"
DERIVED = ("rate", "rate_lo", "rate_hi", "difference", "difference_lo", "difference_hi", "flag", "children_to_area_rate",
           "children_to_target")
_ROUNDS = 30


@dataclass(frozen=True)
class PublishedEquity:
    """The equity table as published.

    Attributes
    ----------
    display : DataFrame
        What is shown: withheld small counts ``"<5"``, other withheld cells ``"c"``.
    numeric : DataFrame
        The same with withheld cells NaN (charts).
    audit : DataFrame
        ``level, area_code, group_column, group, column, reason`` of every withheld count.
    totals : DataFrame
        The area totals the reader is assumed to know (``level, area_code, group_column`` and the counts).
    rule : DisclosureRule
    """

    display: pd.DataFrame
    numeric: pd.DataFrame
    audit: pd.DataFrame
    totals: pd.DataFrame
    rule: DisclosureRule


def _cell(row, col: str) -> tuple:
    return (row.level, row.area_code, row.measure, row.group_column, row.group, col)


def nested_areas(lsoa: pd.DataFrame) -> list:
    """Areas made exactly of other areas, as the LSOA table's ``hub_id`` and ``lad_code`` columns show.

    Each LA whose LSOAs are exactly those of some hubs' catchments, and each hub whose catchment is
    exactly some LAs: ``[((level, area), ((level, part), ...)), ...]`` (e.g. a district served by
    one hub alone: its group cells equal the hub's).
    """
    if not {"hub_id", "lad_code"} <= set(lsoa.columns):
        return []
    out = []
    for code, level, other, other_level in (("lad_code", "la", "hub_id", "hub"), ("hub_id", "hub", "lad_code", "la")):
        for area, rows in lsoa.groupby(code, sort=True):
            parts = sorted(rows[other].dropna().unique())
            if parts and rows[other].notna().all() and lsoa.loc[lsoa[other].isin(parts), code].eq(area).all():
                out.append(((level, area), tuple((other_level, p) for p in parts)))
    return out


def equity_relations(table: pd.DataFrame, *, hubs_cover: bool, nested=()) -> tuple[dict, list]:
    """Every count cell's true value and the relations a reader knows (see the module docstring).

    ``nested`` (:func:`nested_areas`) adds an area = the sum of the areas it is made of.

    Returns
    -------
    (dict, list)
        ``{cell: value}`` (group cells, then area totals ``(level, area, measure, column, None, count)``)
        and ``[(total cell, (part cells))]``.
    """
    values: dict = {}
    relations: list = []
    t = table.assign(not_completed=table["denominator"] - table["numerator"])
    for row in t.itertuples(index=False):
        for col in COUNTS:
            values[_cell(row, col)] = float(getattr(row, col))
        relations.append((_cell(row, "denominator"), (_cell(row, "numerator"), _cell(row, "not_completed"))))
    for (level, area, measure, column), rows in t.groupby(["level", "area_code", "measure", "group_column"], sort=False):
        for col in COUNTS:
            total = (level, area, measure, column, None, col)
            values[total] = float(rows[col].sum())
            relations.append((total, tuple(_cell(r, col) for r in rows.itertuples(index=False))))
    study = t[t["level"] == "study_area"]
    for lower in ("la", "hub") if hubs_cover else ("la",):
        parts = t[t["level"] == lower]
        for row in study.itertuples(index=False):
            same = parts[(parts["measure"] == row.measure) & (parts["group_column"] == row.group_column) & (parts["group"] == row.group)]
            if len(same):
                for col in COUNTS:
                    relations.append((_cell(row, col), tuple(_cell(r, col) for r in same.itertuples(index=False))))
    rows_of = {k: r for r in t.itertuples(index=False) for k in [(r.level, r.area_code, r.measure, r.group_column, r.group)]}
    for (level, area), parts in nested:
        for key, row in [(k, r) for k, r in rows_of.items() if k[:2] == (level, area)]:
            same = [rows_of[p] for p in ((pl, pa, *key[2:]) for pl, pa in parts) if p in rows_of]
            for col in COUNTS:
                relations.append((_cell(row, col), tuple(_cell(r, col) for r in same)))
    return values, relations


def _close(values: dict, sup: set, relations: list, fixed: set) -> None:
    """Withhold cells until no relation has exactly one withheld cell (never a ``fixed`` total):
    the smallest positive shown group cell of the relation, zeros last."""
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            cells = (total, *parts)
            if sum(c in sup for c in cells) != 1:
                continue
            cands = [c for c in cells if c not in sup and c not in fixed]
            if cands:
                sup.add(min(cands, key=lambda c: (values[c] <= 0, values[c], str(c))))
                changed = True


def _suppress(values: dict, relations: list, rule: DisclosureRule) -> tuple[set, set]:
    """Primary and secondary withheld cells (see the module docstring)."""
    fixed = {c for c in values if c[4] is None}
    groups = [c for c in values if c not in fixed]
    primary = {c for c in groups if values[c] < rule.threshold} if rule.threshold > 1 else set()
    sup = set(primary)
    by_cell: dict = {}
    for k, (t, ps) in enumerate(relations):
        for c in (t, *ps):
            by_cell.setdefault(c, []).append(k)
    proven: set = set()
    for _ in range(_ROUNDS):
        _close(values, sup, relations, fixed)
        pinned = pinned_cells(values, primary, sup, relations, rule.threshold, zero_small=set(groups), proven=proven)
        if not pinned:
            return primary, sup
        for c in pinned:  # withhold one more shown cell next to each pinned one
            near = [x for k in by_cell.get(c, []) for x in (relations[k][0], *relations[k][1]) if x not in sup and x not in fixed]
            if near:
                sup.add(min(near, key=lambda x: (values[x] <= 0, values[x], str(x))))
    raise RuntimeError("equity disclosure control did not converge: a withheld small count stays recoverable")


def _rounded_stats(table: pd.DataFrame, rule: DisclosureRule, fdr: float, target) -> pd.DataFrame:
    """Counts rounded to the rule's step (halves up, as the gate) and every statistic recomputed from them.

    An area's totals are its rounded exact totals (what the gate publishes), never the sum of its groups' rounded
    counts: with the area rate and a shown group's difference that sum would give back the withheld cells' rounded values.
    """
    def rounded(values):
        return np.floor(values / rule.rounding + 0.5) * rule.rounding

    out = table.copy()
    keys = ["level", "area_code", "measure", "group_column"]
    tot = rounded(table.groupby(keys)[["numerator", "denominator"]].transform("sum"))
    for col in ("numerator", "denominator"):
        out[col] = rounded(out[col])
    out["numerator"] = np.minimum(out["numerator"], out["denominator"])
    for _, idx in out.groupby(["level", "measure", "group_column"]).groups.items():
        s = compare_groups(out.loc[idx, "numerator"], out.loc[idx, "denominator"], tot.loc[idx, "numerator"],
                           tot.loc[idx, "denominator"], fdr=fdr, compared=out.loc[idx, "group"].ne(NOT_STATED).to_numpy(),
                           target=target)
        for col in DERIVED:
            if col in s:
                out.loc[idx, col] = s[col].to_numpy()
    out["area_rate"] = tot["numerator"] / tot["denominator"].where(tot["denominator"] > 0)
    return out


def _fold_small_free_text(t: pd.DataFrame, config, rule: DisclosureRule) -> tuple[pd.DataFrame, bool]:
    """Groups of a column without a vocabulary (free text) held by fewer than ``rule.threshold`` children in the
    study area, merged into one :data:`SMALL_GROUPS` row per area: such a label may itself identify a child."""
    vocab = getattr(config.extracts, "groups", None) or {}
    study = t[(t["level"] == "study_area") & (t["group"] != NOT_STATED)]
    small = study[(study["denominator"] < rule.threshold)
                  & np.array([not getattr(vocab.get(c), "groups", ()) for c in study["group_column"]], dtype=bool)]
    if small.empty:
        return t, False
    rare = set(zip(small["group_column"], small["group"]))
    t = t.copy()
    t.loc[[(c, g) in rare for c, g in zip(t["group_column"], t["group"])], "group"] = SMALL_GROUPS
    keys = ["level", "area_code", "measure", "group_column", "group"]
    first = {c: "first" for c in t.columns if c not in {*keys, "numerator", "denominator"}}
    t = t.groupby(keys, sort=False, as_index=False).agg({"numerator": "sum", "denominator": "sum", **first})
    return t, True


def published_equity(result, rule: DisclosureRule | None = None, *, table: pd.DataFrame | None = None,
                     levels=PUBLISHED_LEVELS) -> PublishedEquity:
    """The equity table at the published ``levels`` through the disclosure rule (module docstring).

    Parameters
    ----------
    result : BuildResult
    rule : DisclosureRule, optional
        Default: the config's rule.
    table : DataFrame, optional
        :func:`geo.equity.table.equity_table` of ``result`` (computed when not given).
    levels : tuple of str
    """
    rule = DisclosureRule.from_config(result.config) if rule is None else rule
    table = equity_table(result) if table is None else table
    t = table[table["level"].isin(levels)].reset_index(drop=True)
    t, folded = _fold_small_free_text(t, result.config, rule)
    hubs_cover = "hub_id" in result.lsoa.columns and bool(result.lsoa["hub_id"].notna().all())
    values, relations = equity_relations(t, hubs_cover=hubs_cover, nested=nested_areas(result.lsoa))
    primary, sup = _suppress(values, relations, rule)
    t = t.assign(not_completed=t["denominator"] - t["numerator"])
    totals = pd.DataFrame([{"level": c[0], "area_code": c[1], "measure": c[2], "group_column": c[3], "count": c[5], "value": v}
                           for c, v in values.items() if c[4] is None])
    if rule.rounding > 1 or folded:  # (rounding 1: the statistics of the merged rows recomputed)
        target = result.config.analysis.targets.get("review")
        t = _rounded_stats(t, rule, result.config.analysis.fdr, None if target is None else target.value)
        t["not_completed"] = t["denominator"] - t["numerator"]
    mask = pd.DataFrame({col: [_cell(r, col) in sup for r in t.itertuples(index=False)] for col in COUNTS})
    small = pd.DataFrame({col: [_cell(r, col) in primary for r in t.itertuples(index=False)] for col in COUNTS})
    row_withheld = mask.any(axis=1).to_numpy()
    numeric, display = t.copy(), t.astype({c: object for c in (*COUNTS, *DERIVED) if c in t}).copy()
    for col in COUNTS:
        numeric.loc[mask[col].to_numpy(), col] = np.nan
        display.loc[mask[col].to_numpy(), col] = CONFIDENTIAL
        display.loc[small[col].to_numpy(), col] = rule.label
    derived = [c for c in DERIVED if c in t]
    numeric.loc[row_withheld, [c for c in derived if c != "flag"]] = np.nan
    numeric.loc[row_withheld, "flag"] = None
    display.loc[row_withheld, derived] = CONFIDENTIAL
    audit = pd.DataFrame([{"level": c[0], "area_code": c[1], "measure": c[2], "group_column": c[3], "group": c[4], "column": c[5],
                           "reason": "primary" if c in primary else "secondary"} for c in values if c in sup])
    # exact p-values would give the counts back; the area totals are published (rounded, suppressed) by the gate
    drop = ["p_value", "q_value", "area_numerator", "area_denominator"]
    return PublishedEquity(display.drop(columns=drop), numeric.drop(columns=drop), audit, totals, rule)
