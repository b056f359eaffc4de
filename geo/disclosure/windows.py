"""Which analysis windows may be published below hub level: windows that cannot be differenced.

The gate (:func:`geo.disclosure.gate.export_tables`) protects the LSOA, ward and hub tables of
*one* window. Two windows that overlap give a reader their difference: the window ending 2025-Q4
minus the window ending 2025-Q3 is 2025-Q4 minus 2024-Q4 per LSOA, and a quarter alone beside
the window holding it gives the other quarters' sum. So the app offers, and the gate across
periods (:mod:`geo.disclosure.periods`) links, only the **window grid**:

* the analysis window (the study area's default: ``[analysis] pool_quarters`` quarters ending
  with the analysis period, fewer where the extracts begin), and
* every other *full* window of ``pool_quarters`` consecutive quarters ending a whole number of
  windows before or after it, inside the quarters every extract has.

Windows of the grid never share a quarter. With ``pool_quarters = 1`` (or months or years) the
grid is every period alone. Quarters and other windows are published for hubs, wards and local
authorities in the Trends tab only, gated together with the grid's tables there.

Examples
--------
>>> from geo.inputs.periods import parse_period
>>> labels = [f"{y}-Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
>>> period = {"analysis": "2025-Q4", "window": labels[4:], "extracts": {"review_takeup": labels}}
>>> window_grid(period, {x: parse_period(x) for x in labels}, 4)
[['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4'], ['2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4']]
>>> [w[-1] for w in window_grid(period, {x: parse_period(x) for x in labels}, 3)]
['2025-Q4', '2025-Q1']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.disclosure.rule import CONFIDENTIAL
from geo.inputs.periods import Period

__all__ = ["window_grid", "gate_cells", "grid_gate_cells", "LsoaCells"]


def _common(period: dict, index: dict[str, Period]) -> set[Period]:
    """The periods every periodic extract has (what :func:`geo.inputs.period_choice.choose_window` pools)."""
    have = [set(labels) for labels in (period.get("extracts") or {}).values()]
    labels = set.intersection(*have) if have else set(index)
    return {index[x] for x in labels if x in index}


def window_grid(period: dict, index: dict[str, Period], pool: int) -> list[list[str]]:
    """The windows whose LSOA and ward figures may be published, latest first (labels, oldest first in each).

    Parameters
    ----------
    period : dict
        A build's period account (``inputs.period``: ``analysis``, ``window``, ``extracts``).
    index : dict
        Label -> :class:`~geo.inputs.periods.Period` (``inputs.period_index``).
    pool : int
        ``[analysis] pool_quarters``.

    Returns
    -------
    list of list of str
        The analysis window first when it is the latest, then the other full windows of the
        grid; no two share a period. Empty without an analysis period.
    """
    if not period.get("analysis") or period["analysis"] not in index:
        return []
    end = index[period["analysis"]]
    own = list(period.get("window") or [end.label])
    common = _common(period, index)
    step = pool if end.granularity == "quarter" and pool > 1 else 1
    if not common:
        return [own]
    lo, hi = min(common), max(common)
    out = {own[-1]: own}
    for direction in (-1, 1):
        k = 1
        while True:
            e = end.shifted(direction * k * step)
            if e < lo or e > hi:
                break
            run = e.pool(step)
            if all(p in common for p in run):
                out[e.label] = [p.label for p in run]
            k += 1
    return [out[k] for k in sorted(out, key=index.__getitem__, reverse=True)]


@dataclass
class LsoaCells:
    """The gate's LSOA review counts of the grid's windows, as cells of the gate across periods.

    Cells are ``("lsoa", lsoa21cd, "review", window, column)`` (columns as in
    :func:`geo.disclosure.periods.trend_cells`). ``relations`` tie each ward, hub catchment, local
    authority and the study area of a window to its LSOAs (and each LSOA row's eligible to completed
    plus not reviewed), so that the gate across periods sees what a reader of the LSOA table and the
    Trends tab together knows.
    """

    values: dict = field(default_factory=dict)
    primary: set = field(default_factory=set)
    withheld: set = field(default_factory=set)
    relations: list = field(default_factory=list)

    def add(self, lsoa: pd.DataFrame, display: pd.DataFrame, window: str, study: str, label: str) -> None:
        """One window: ``lsoa`` the build's LSOA table (true counts), ``display`` the gate's LSOA table."""
        shown = display.set_index(display["lsoa21cd"].astype(str))
        rows = lsoa.assign(lsoa21cd=lsoa["lsoa21cd"].astype(str)).set_index("lsoa21cd")
        rows = rows.assign(children_not_reviewed=rows["review_eligible"] - rows["review_completed"])
        for col, name in _COLUMNS.items():
            for code, v in rows[col].items():
                cell = ("lsoa", code, "review", window, name)
                self.values[cell] = float(v)
                text = str(shown.at[code, col]) if code in shown.index and col in shown.columns else ""
                if text == label:
                    self.primary.add(cell)
                if text in (label, CONFIDENTIAL):
                    self.withheld.add(cell)
        for level, key in (("ward", "ward_code"), ("hub", "hub_id"), ("la", "lad_code"), ("study_area", None)):
            if key is not None and key not in rows.columns:
                continue
            groups = rows.groupby(key).groups if key else {study: rows.index}
            for area, codes in groups.items():
                for name in _COLUMNS.values():
                    parts = tuple(("lsoa", c, "review", window, name) for c in sorted(codes))
                    self.relations.append(((level, str(area), "review", window, name), parts))
        for code in rows.index:
            row = ("lsoa", code, "review", window)
            self.relations.append(((*row, "denominator"), ((*row, "numerator"), (*row, "not_reviewed"))))


_COLUMNS = {"review_eligible": "denominator", "review_completed": "numerator", "children_not_reviewed": "not_reviewed"}


def gate_cells(tables, window: str) -> tuple[dict, set]:
    """The main gate's review counts of the analysis window as trend cells: ``(shown, withheld)``.

    ``shown`` maps a cell to its published value, ``withheld`` is the set of withheld cells.
    """
    cols = {"review_completed": "numerator", "review_eligible": "denominator", "children_not_reviewed": "not_reviewed"}
    shown, withheld = {}, set()
    for kind, st, key in (("ward", tables.wards, "ward_code"), ("hub", tables.hubs, "hub_id")):
        if st is None:
            continue
        for i, code in enumerate(st.numeric[key].astype(str)):
            if code == "Total":
                level, area = "study_area", None
            elif code.endswith(" total"):
                level, area = "la", code.removesuffix(" total")
            else:
                level, area = kind, code
            for col, name in cols.items():
                if col not in st.numeric.columns:
                    continue
                cell = (level, area, "review", window, name)
                v = st.numeric[col].iat[i]
                (withheld.add(cell) if pd.isna(v) else shown.__setitem__(cell, float(v)))
    return shown, withheld


def grid_gate_cells(result, rule, tables) -> tuple[dict, set, LsoaCells]:
    """The main gate's review counts of every window of the grid, as trend cells: ``(shown, withheld, lsoa)``.

    ``shown`` and ``withheld`` are the ward, hub, local-authority and study-area cells
    (:func:`gate_cells`, study area as ``None``), ``lsoa`` the LSOA cells
    with their relations (:class:`LsoaCells`). ``tables`` are the gate's tables of ``result``'s own
    window; every other window of the grid is built (same config, that window) and gated here, so
    that the Trends tables are gated with every count any Period choice shows.
    """
    from dataclasses import replace

    from geo.build import analyse, prepare
    from geo.disclosure.gate import export_tables
    from geo.inputs.period_choice import window_label

    period, index = result.inputs.period, result.inputs.period_index
    config = result.config
    builds = {}
    own = list(period.get("window") or [])
    if own:
        builds[window_label(own)] = (result, tables)
    for run in window_grid(period, index, config.analysis.pool_quarters):
        if run != own:
            cfg = config.with_(period=run[-1], analysis=replace(config.analysis, pool_quarters=len(run)))
            other = analyse(prepare(cfg, public=result.public), cfg)
            builds[window_label(run)] = (other, export_tables(other, rule))
    shown, withheld, lsoa = {}, set(), LsoaCells()
    for label, (build, gated) in builds.items():
        s, w = gate_cells(gated, label)
        shown.update(s)
        withheld |= w
        lsoa.add(build.lsoa, gated.lsoa.display, label, str(config.slug), rule.label)
    return shown, withheld, lsoa
