"""Trends, changes and impact as published: the disclosure gate across periods (issue 19).

``trends.csv``, ``changes.csv`` and ``impact.csv`` are exact analyst outputs. What the app and
the pack show of them comes from here, under the same :class:`~geo.disclosure.rule.DisclosureRule`:

* **Levels**: hub catchments, wards, local authorities and the study area only (no LSOA
  quarter: a quarter of one LSOA is a handful of children).
* **Cells**: per area, measure and period (each quarter and each pooled window) the numerator;
  for review take-up also the eligible children and the children not reviewed (``not_reviewed``,
  so that ``eligible = completed + not_reviewed`` is a relation like any other). The reach
  denominator is the under-5 estimate (public data x periods) and is shown as is.
* **Relations a reader knows** (:func:`trend_relations`): each window is the sum of its
  quarters (so a withheld quarter cannot be had from a window minus the other quarters, nor
  from two overlapping windows); each local authority is the sum of its wards; the study area
  the sum of its local authorities and of the hub catchments (where those sums hold exactly).
* **Suppression**: counts of 1 to threshold-1 are withheld (primary); then
  :func:`geo.disclosure.linked.protect` adds complementary cells until every relation has no
  withheld cell or at least two and an integer attack on all relations at once pins no small
  count. Cells the main gate (:func:`geo.disclosure.gate.export_tables`) publishes for the
  analysis window (ward, hub and total review counts) are taken from it: withheld there,
  withheld here; shown there, treated as known here (the attack is re-run with them shown).
* **Derived values follow their counts** (as :data:`geo.disclosure.derived.COLUMN_POLICY` does
  for rates): a rate, its interval and the target gap are withheld wherever the numerator or
  the denominator is; a change (rates, difference, interval, flag) wherever a count of either
  period is.

Display convention: ``"<5"`` (the rule's label) for a small count, ``"c"`` for any other
withheld value; shown counts are rounded as the rule says and rates are then recomputed from
the shown counts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.disclosure.linked import pinned_cells, protect
from geo.disclosure.rule import CONFIDENTIAL, DisclosureRule
from geo.errors import DataError

__all__ = ["PUBLISHED_LEVELS", "PublishedTrends", "trend_cells", "trend_relations", "publish_trends", "publish_changes",
           "publish_impact"]

#: Levels whose trends may be published (never LSOA quarters).
PUBLISHED_LEVELS = ("hub", "ward", "la", "study_area")
_KEYS = ["level", "area_code", "measure", "period"]
_COUNTS = {"review": ("numerator", "denominator", "not_reviewed"), "reach": ("numerator",)}
_DERIVED = ("rate", "rate_lo", "rate_hi", "gap_pp", "gap_children")


@dataclass(frozen=True)
class PublishedTrends:
    """Trends after the gate.

    Attributes
    ----------
    numeric : DataFrame
        The published rows (levels :data:`PUBLISHED_LEVELS`) with ``not_reviewed``; withheld
        cells are NaN.
    display : DataFrame
        The same cells as shown: counts as text (``"<5"``, ``"c"``, ``"1,234"``), rates as
        proportions or ``"c"``.
    withheld : DataFrame
        ``level, area_code, measure, period, column, reason`` of every withheld cell (no values).
    relations : list
        The relations protected (cells are ``(level, area_code, measure, period, column)``).
    """

    numeric: pd.DataFrame
    display: pd.DataFrame
    withheld: pd.DataFrame
    relations: list = field(default_factory=list)

    def is_withheld(self, level: str, area_code: str, measure: str, period: str) -> bool:
        """Whether any count of that row is withheld."""
        w = self.withheld
        return bool(((w["level"] == level) & (w["area_code"] == area_code) & (w["measure"] == measure)
                     & (w["period"] == period)).any())


def _published_rows(trends: pd.DataFrame) -> pd.DataFrame:
    rows = trends[trends["level"].isin(PUBLISHED_LEVELS)].copy()
    review = rows["measure"] == "review"
    rows["not_reviewed"] = np.where(review, rows["denominator"] - rows["numerator"], np.nan)
    return rows.reset_index(drop=True)


def trend_cells(trends: pd.DataFrame) -> dict:
    """Every count cell of the published trends with its true value, in table order.

    Cells are ``(level, area_code, measure, period, column)``.

    Examples
    --------
    >>> t = pd.DataFrame({"level": ["ward"], "area_code": ["W1"], "measure": ["review"], "period": ["2025-Q4"],
    ...                   "numerator": [3.0], "denominator": [10.0]})
    >>> sorted(trend_cells(t).values())
    [3.0, 7.0, 10.0]
    """
    rows = _published_rows(trends)
    values = {}
    for r in rows.itertuples(index=False):
        for col in _COUNTS[r.measure]:
            values[(r.level, r.area_code, r.measure, r.period, col)] = float(getattr(r, col))
    return values


def _holds(values: dict, total, parts) -> bool:
    return all(c in values for c in (total, *parts)) and abs(values[total] - sum(values[p] for p in parts)) < 1e-9


def trend_relations(values: dict, *, windows: dict[str, list[str]], ward_la: dict[str, str],
                    hubs: list[str]) -> list:
    """The linear relations a reader of the published trends knows (those that hold exactly).

    Parameters
    ----------
    values : dict
        :func:`trend_cells`.
    windows : dict
        Window label -> its quarters (``"2025-Q1 to 2025-Q4"`` -> four labels).
    ward_la : dict
        Ward code -> local authority code.
    hubs : list
        Hub ids (the catchments partition the study area when their sums hold).

    Examples
    --------
    >>> v = {("ward", "W", "reach", p, "numerator"): x for p, x in [("Q1", 3.0), ("Q2", 4.0), ("Q1 to Q2", 7.0)]}
    >>> trend_relations(v, windows={"Q1 to Q2": ["Q1", "Q2"]}, ward_la={}, hubs=[])[0][0][3]
    'Q1 to Q2'
    """
    rels = []
    areas: dict[tuple, set] = {}
    for level, code, measure, period, col in values:
        areas.setdefault((level, measure, period, col), set()).add(code)
    for level, code, measure, period, col in values:
        if period in windows:  # a window is the sum of its quarters
            parts = tuple((level, code, measure, q, col) for q in windows[period])
            total = (level, code, measure, period, col)
            if _holds(values, total, parts):
                rels.append((total, parts))
    for (level, measure, period, col), codes in areas.items():
        if level == "la":
            for la in sorted(codes):
                parts = tuple(("ward", w, measure, period, col) for w, owner in sorted(ward_la.items()) if owner == la)
                if parts and _holds(values, ("la", la, measure, period, col), parts):
                    rels.append((("la", la, measure, period, col), parts))
        if level == "study_area":
            study = sorted(codes)[0]
            total = ("study_area", study, measure, period, col)
            for below, names in (("la", sorted(areas.get(("la", measure, period, col), []))), ("hub", sorted(hubs))):
                parts = tuple((below, n, measure, period, col) for n in names)
                if parts and _holds(values, total, parts):
                    rels.append((total, parts))
    for level, code, measure, period, col in values:
        if measure == "review" and col == "denominator":
            row = (level, code, measure, period)
            total, parts = (*row, "denominator"), ((*row, "numerator"), (*row, "not_reviewed"))
            if _holds(values, total, parts):
                rels.append((total, parts))
    return rels


def _linked_lsoa(lsoa, values: dict, forced: set) -> list:
    """The LSOA relations a reader can combine with the trends: those reached from a window cell
    the main gate withholds (``forced``) through withheld cells. A shown cell is a constant, so the
    other LSOA relations tell nothing about any trend cell (the main gate protects them alone)."""
    rels = [r for r in lsoa.relations if _holds(values, *r)]
    hidden = set(lsoa.withheld) | set(forced)
    by_cell: dict = {}
    for k, (total, parts) in enumerate(rels):
        for c in (total, *parts):
            by_cell.setdefault(c, []).append(k)
    todo = [c for c in forced if c in by_cell and c not in lsoa.values]
    reached, used = set(todo), set()
    while todo:
        for k in by_cell.get(todo.pop(), []):
            if k in used:
                continue
            used.add(k)
            for c in (rels[k][0], *rels[k][1]):
                if c in hidden and c not in reached:
                    reached.add(c)
                    todo.append(c)
    return [rels[k] for k in sorted(used)]


def _display_count(value: float, cell, primary: set, suppressed: set, rule: DisclosureRule):
    if cell in primary:
        return rule.label
    if cell in suppressed:
        return CONFIDENTIAL
    return f"{rule.round(round(value)):,}"


def publish_trends(trends: pd.DataFrame, rule: DisclosureRule, *, ward_la: dict[str, str], hubs: list[str],
                   windows: dict[str, list[str]], known: dict | None = None, forced: set | None = None,
                   lsoa=None) -> PublishedTrends:
    """Suppress the published levels of a trends table together across periods and areas.

    Parameters
    ----------
    trends : DataFrame
        :func:`geo.monitoring.trends.trend_table` (exact).
    rule : DisclosureRule
    ward_la, hubs, windows
        The hierarchy and the windows (see :func:`trend_relations`).
    known : dict, optional
        Cells published exactly elsewhere (the main gate's analysis-window counts): never
        treated as withheld by the final attack.
    forced : set, optional
        Cells withheld elsewhere: withheld here too.
    lsoa : geo.disclosure.windows.LsoaCells, optional
        The gate's LSOA cells of the windows shown below hub level, with their relations to the
        wards, hubs, local authorities and study area: their small counts (withheld zeros too)
        must stay unpinned as well; shown, they are known; withheld, withheld.

    Raises
    ------
    DataError
        When a small count would stay recoverable: nothing is published then.
    """
    rows = _published_rows(trends)
    values = trend_cells(trends)
    rels = trend_relations(values, windows=windows, ward_la=ward_la, hubs=hubs)
    primary = {c for c, v in values.items() if rule.is_small(v)}
    forced = {c for c in (forced or set()) if c in values}
    known = {c for c in (known or {}) if c in values and c not in forced}
    below: set = set()
    trend_values, trend_rels = values, rels
    if lsoa is not None:  # the LSOA tables of the windows shown below hub level, with their relations
        linked = _linked_lsoa(lsoa, {**values, **lsoa.values}, forced)
        below = {c for r in linked for c in (r[0], *r[1]) if c in lsoa.values}
        values = {**values, **{c: lsoa.values[c] for c in below}}
        rels = rels + linked
        primary |= lsoa.primary & below
        forced |= lsoa.withheld & below
        known |= below - lsoa.withheld
    dropped: set = set()
    for attempt in range(4):
        # complementary cells are chosen among the trends (fast); the attack then runs on the trends and
        # the LSOA tables together (the LSOA cells are the main gate's: withheld there, withheld here)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            added, pinned = protect(trend_values, primary - below, forced - below, trend_rels, rule.threshold)
            if below and not pinned:  # then the pins through the LSOA tables, starting from those cells
                more, pinned = protect(values, primary, forced | set(added), rels, rule.threshold, zero_small=below)
                added = [*added, *more]
        suppressed = set(primary) | forced | set(added)
        if not pinned and (below or known & suppressed):  # shown by the main gate: the reader knows them whatever we withhold here
            pinned = pinned_cells(values, primary, suppressed - known, rels, rule.threshold, zero_small=below)
        pinned = [c for c in pinned if c[:3] not in dropped and not (c in below and values[c] == 0)]
        if not pinned:
            break
        # an area whose small counts stay pinned (e.g. through a window the main gate shows): first withhold its
        # whole series; if even that is not enough, leave the series out. Left out, its cells tell a reader less
        # than the labels modelled here, so what the attack proves for the other cells still holds.
        # An LSOA's pinned count: the series of the withheld ward, hub (LA, study area) windows it sums into.
        series = {c[:3] for c in pinned if c not in below}
        series |= {x[:3] for c in pinned if c in below for t, ps in rels if c in ps or c == t
                   for x in (t, *ps) if x not in below and x in forced}  # through the windows the main gate withholds
        if attempt:
            dropped |= series
        forced |= {c for c in values if c[:3] in series and c not in known}
    if pinned:
        raise DataError(f"disclosure control: {len(pinned)} small count(s) in the trends would stay recoverable across "
                        f"periods and areas (e.g. {pinned[:3]}); no trend was published")
    keep = ~pd.Series(list(zip(rows["level"], rows["area_code"], rows["measure"]))).isin(dropped).to_numpy()
    out = _tables(rows[keep].reset_index(drop=True), values, primary, suppressed, rule, rels)
    if dropped:  # their changes are withheld too
        left_out = rows.loc[~keep, _KEYS].assign(column="all", reason="series left out")
        out = PublishedTrends(out.numeric, out.display, pd.concat([out.withheld, left_out], ignore_index=True), rels)
    return out


def _tables(rows: pd.DataFrame, values: dict, primary: set, suppressed: set, rule: DisclosureRule, rels: list) -> PublishedTrends:
    numeric, display = rows.copy(), rows.copy().astype(dict.fromkeys(("numerator", "denominator", "not_reviewed", *_DERIVED), object))
    audit = []
    for i, r in enumerate(rows.itertuples(index=False)):
        key = (r.level, r.area_code, r.measure, r.period)
        hidden = False
        for col in ("numerator", "denominator", "not_reviewed"):
            cell = (*key, col)
            if cell not in values:
                if col == "denominator":  # reach: the under-5 estimate (public data) x periods
                    display.at[i, col] = f"{getattr(r, col):,.0f}"
                else:
                    display.at[i, col] = ""
                continue
            display.at[i, col] = _display_count(values[cell], cell, primary, suppressed, rule)
            if cell in suppressed:
                hidden = True
                numeric.at[i, col] = np.nan
                audit.append((*key, col, "primary" if cell in primary else "secondary"))
        if hidden:
            for col in _DERIVED:
                numeric.at[i, col] = np.nan
                display.at[i, col] = CONFIDENTIAL
                audit.append((*key, col, "derived"))
        elif rule.rounding > 1:  # rates from the shown (rounded) counts
            num, den = rule.round(round(r.numerator)), r.denominator if r.measure == "reach" else rule.round(round(r.denominator))
            rate = num / den if den else np.nan
            for f in (numeric, display):
                f.at[i, "rate"] = rate
    withheld = pd.DataFrame(audit, columns=[*_KEYS, "column", "reason"])
    return PublishedTrends(numeric, display, withheld, rels)


def publish_changes(changes: pd.DataFrame, published: PublishedTrends) -> pd.DataFrame:
    """``changes.csv`` rows of the published levels, with every value withheld (``NaN``; flag
    ``"not published"``) where a count of either period is withheld in ``published``."""
    out = changes[changes["level"].isin(PUBLISHED_LEVELS)].copy().reset_index(drop=True)
    hidden = published.withheld[["level", "area_code", "measure", "period"]].drop_duplicates()
    keys = set(map(tuple, hidden.to_numpy()))
    gone = np.array([(r.level, r.area_code, r.measure, r.period_from) in keys or (r.level, r.area_code, r.measure, r.period_to) in keys
                     for r in out.itertuples(index=False)], dtype=bool)
    cols = [c for c in ("rate_from", "rate_to", "difference", "difference_lo", "difference_hi", "numerator_from",
                        "denominator_from", "numerator_to", "denominator_to", "p_value", "q_value") if c in out.columns]
    out.loc[gone, cols] = np.nan
    out["flag"] = out["flag"].astype(object)
    out.loc[gone, "flag"] = "not published"
    return out.drop(columns=[c for c in ("numerator_from", "denominator_from", "numerator_to", "denominator_to")
                             if c in out.columns])


def publish_impact(impact: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """``impact.csv`` as published: rates and estimates of groups of at least 5 exposed areas
    (no count is shown; ``impact.csv`` blanks the estimate where the exposed numerators are below
    the rule's threshold); venue rows with fewer areas are withheld."""
    out = impact.copy()
    small = pd.to_numeric(out["n_areas"], errors="coerce").fillna(0) < 5
    cols = [c for c in ("before_rate", "after_rate", "estimate", "estimate_lo", "estimate_hi",
                        "comparison_before_rate", "comparison_after_rate") if c in out.columns]
    out.loc[small, cols] = np.nan
    out.attrs["rule"] = rule.statement()
    return out
