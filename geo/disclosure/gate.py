"""The one gate: the LSOA, ward and hub tables suppressed together (pack and app alike).

Each table goes through :func:`geo.disclosure.tables.suppressed_table` (primary, derived and
secondary suppression with an integer-programming attack inside the table). The tables are
published together, and they are linked: a ward's counts are the sums of its LSOAs' counts and
a hub's counts the sums of its catchment LSOAs' counts (the LSOA table names each LSOA's ward
and hub). :func:`link_suppression` therefore suppresses more cells ("c", reason ``secondary``)
until every relation, within a table and across tables, has no suppressed cell or at least two,
and an integer attack on all three tables at once pins no withheld small count (see
:mod:`geo.disclosure.linked`). In the published LSOA table zeros are withheld too
(:func:`lsoa_rule`), and a withheld zero is protected like a count of 1-4.

Then :func:`geo.disclosure.publish.publish_derived` applies :data:`geo.disclosure.derived.COLUMN_POLICY`
(bands for scores, withheld rates) and runs the derived attack together with the additive one.

Estimates that mix modelled under-5s with real counts (children not reached) are rounded to
the nearest 10 wherever they are summed over a few LSOAs (per hub, per suggested venue):
subtracting the estimate from the under-5 estimate would otherwise give back a small count.

Examples
--------
>>> from geo.disclosure.gate import export_tables
>>> tables = export_tables(result, DisclosureRule(5))     # doctest: +SKIP
>>> tables.wards.display.tail(1)["review_completed"]       # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from geo.disclosure.audit import audit_frame
from geo.disclosure.derived import EngagementModel
from geo.disclosure.linked import protect
from geo.disclosure.publish import publish_derived
from geo.disclosure.ranks import RankModel
from geo.disclosure.rounded import ROUNDED_ESTIMATES, rates_match_shown_counts, round_counts, round_estimates, round_to
from geo.disclosure.rule import CONFIDENTIAL, DisclosureRule
from geo.disclosure.shared import align_shared_totals
from geo.disclosure.tables import (
    _REACH_DERIVED,
    _REVIEW_DERIVED,
    COUNT_COLUMNS,
    TABLE_SPECS,
    hub_table,
    linked_cells,
    lsoa_table_out,
    suppressed_table,
    ward_table_out,
)
from geo.disclosure.totals import SuppressedTable, add_total_row
from geo.errors import DataError

__all__ = [
    "ExportTables",
    "Cell",
    "Relation",
    "COUNT_COLUMNS",
    "ROUNDED_ESTIMATES",
    "export_tables",
    "ward_suppression",
    "link_suppression",
    "table_relations",
    "round_to",
    "lsoa_rule",
]

Cell = tuple[str, Hashable, str]
"""A count cell: (table kind, row key, column)."""

Relation = tuple[Cell, tuple[Cell, ...]]
"""``total = sum(parts)``."""

#: count columns of real children in each table kind (the only cells suppressed as counts)

ROW_IDENTITY = ("review_eligible", ("review_completed", "children_not_reviewed"))


@dataclass(frozen=True)
class ExportTables:
    """The LSOA, ward and hub tables as exported, after linked suppression.

    Attributes
    ----------
    lsoa, wards : SuppressedTable
        ``display`` is what is written; ``numeric`` has suppressed cells as NaN.
    hubs : SuppressedTable or None
        None when the study area has no hubs file.
    relations : list of Relation
        Every relation protected (within and across tables).
    linked_cells : int
        Cells suppressed only because of the links between tables.
    derived : dict
        Report of :func:`geo.disclosure.publish.publish_derived` (rows whose derived cells
        were withheld, by tier).
    """

    lsoa: SuppressedTable
    wards: SuppressedTable
    hubs: SuppressedTable | None
    relations: list[Relation]
    linked_cells: int
    derived: dict = field(default_factory=dict)

    def audit(self) -> pd.DataFrame:
        """Every suppressed cell of the three tables: ``table, row, column, reason`` (no values)."""
        parts = [t.audit for t in (self.lsoa, self.wards, self.hubs) if t is not None]
        return pd.concat(parts, ignore_index=True)

    def counts_by_reason(self) -> dict[str, dict[str, int]]:
        """Suppressed cells by table and reason."""
        return {name: t.counts_by_reason() for name, t in (("lsoa", self.lsoa), ("ward", self.wards), ("hub", self.hubs))
                if t is not None}


def _raw_with_totals(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The table exactly as :func:`suppressed_table` suppresses it with ``totals=True``."""
    key, counts, group = TABLE_SPECS[kind]
    counts = [c for c in counts if c in table.columns]
    group_col = group if group and group in table.columns and table[group].nunique() > 1 else None
    return add_total_row(table, counts, key=key, label="Total", group_col=group_col)


def _derived_columns(columns: Sequence[str], kind: str) -> dict[str, list[str]]:
    """Derived column -> source counts, as :func:`geo.disclosure.tables.suppressed_table` declares them."""
    review = [s for s in ("review_completed", "review_eligible", "children_not_reviewed") if s in columns]
    reach = "children_reached" if kind == "hub" else "hub_children"
    out = {c: review for c in _REVIEW_DERIVED if c in columns}
    out.update({c: [reach] for c in _REACH_DERIVED if c in columns})
    return out


def lsoa_rule(rule: DisclosureRule) -> DisclosureRule:
    """The rule of the exported LSOA table: zeros are suppressed too (``"<5"`` means 0 to 4).

    LSOA counts per period are tiny (a few children per LSOA), and a ward or hub total below
    the threshold would otherwise pin its LSOAs' ``"<5"`` cells exactly: four LSOAs shown as
    ``"<5"`` (each at least 1) in a ward whose count is below 5 must each be 1. With zeros
    shown as ``"<5"`` too no such inference holds.

    Examples
    --------
    >>> lsoa_rule(DisclosureRule(5))
    DisclosureRule(threshold=5, suppress_zero=True, name='small-area', rounding=1, symbol=None)
    """
    return replace(rule, suppress_zero=True)


def export_tables(result, rule: DisclosureRule, *, ward_job=None) -> ExportTables:
    """Suppress the LSOA, ward (with LA subtotals and total) and hub (with total) tables together.

    Parameters
    ----------
    result : geo.build.BuildResult
    rule : DisclosureRule
    ward_job : object with ``result()``, optional
        The ward table's suppression already under way elsewhere (see :func:`ward_suppression`):
        ``result()`` returns ``suppressed_table(ward_table_out(result.wards), rule, "ward", totals=True)``.

    Returns
    -------
    ExportTables

    Examples
    --------
    >>> t = export_tables(result, DisclosureRule(5))              # doctest: +SKIP
    >>> scan_for_small_counts(t.wards.display, counts=COUNT_COLUMNS["ward"])   # doctest: +SKIP
    []
    """
    lsoa = lsoa_table_out(result.lsoa)
    wards = ward_table_out(result.wards)
    hubs = hub_table(result)
    suppressed = {"lsoa": (suppressed_table(lsoa, lsoa_rule(rule), "lsoa"), lsoa)}
    ward_st = ward_job.result() if ward_job is not None else ward_suppression(wards, rule)
    suppressed["ward"] = (ward_st, _raw_with_totals(wards, "ward"))
    if hubs is not None:
        suppressed["hub"] = (suppressed_table(hubs, rule, "hub", totals=True), _raw_with_totals(hubs, "hub"))
    relations = table_relations(lsoa, suppressed["ward"][1], None if hubs is None else suppressed["hub"][1])
    zeros: list = []
    linked, added = link_suppression(suppressed, relations, rule, pinned_zeros=zeros)
    models = {kind: EngagementModel.from_areas(frame.set_index(TABLE_SPECS[kind][0]), result.config.weights)
              for kind, frame in (("lsoa", result.lsoa), ("ward", result.wards))
              if {"review_completed", "review_eligible", "hub_children", "under5_est", "need_score"} <= set(frame.columns)}
    w = result.config.weights  # as models.uncertainty.rank_settings reads them
    ranks = {kind: RankModel.from_model(m, draws=int(getattr(w, "rank_draws", 1000)), top_n=int(getattr(w, "top_n", 20)),
                                        seed=result.config.seed % (2**32)) for kind, m in models.items()}
    published, report = publish_derived({kind: (linked[kind], suppressed[kind][1]) for kind in linked}, models, relations,
                                        rule, keys={kind: TABLE_SPECS[kind][0] for kind in linked}, exempt=set(zeros),
                                        ranks=ranks)
    report["zeros_pinned_by_totals"] = len(zeros)
    if report["pinned"]:
        raise DataError(f"disclosure control: {len(report['pinned'])} small count(s) would stay recoverable through "
                        f"derived statistics (e.g. {report['pinned'][:3]}); nothing was exported")
    published = align_shared_totals(published, lsoa)  # a Total published in one table is not "c" in the other
    hub_out = published.get("hub")
    if hub_out is not None:
        hub_out = round_estimates(_priority_children_as_published(hub_out, published["lsoa"].display, lsoa))
    out = {kind: round_counts(t, rule, model=models.get(kind)) for kind, t in
           (("lsoa", published["lsoa"]), ("ward", published["ward"]), ("hub", hub_out)) if t is not None}
    if rule.rounding > 1:  # no published rate may undo the rounding (geo.disclosure.rounded)
        bad = [(kind, *c) for kind, t in out.items() for c in rates_match_shown_counts(t, TABLE_SPECS[kind][0], model=models.get(kind))]
        if bad:
            raise DataError(f"disclosure control: {len(bad)} published rate(s) differ from the rate of their rounded "
                            f"counts (e.g. {bad[:3]}); nothing was exported")
        report["rates_from_rounded_counts"] = True
    return ExportTables(out["lsoa"], out["ward"], out.get("hub"), relations, added, derived=report)


def ward_suppression(wards: pd.DataFrame, rule: DisclosureRule) -> SuppressedTable:
    """The ward table (from :func:`geo.disclosure.tables.ward_table_out`) with LA subtotals and total, suppressed."""
    return suppressed_table(wards, rule, "ward", totals=True)


def _priority_children_as_published(hubs: SuppressedTable, lsoa_shown: pd.DataFrame, lsoa: pd.DataFrame) -> SuppressedTable:
    """Each hub's ``priority_children`` summed over the LSOAs *published* as high need, low engagement.

    Summed over the true quadrants, the figure (under-5s are public per LSOA) would tell which
    LSOAs with a withheld quadrant are priority areas, i.e. give back the withheld quadrant.
    """
    if "priority_children" not in hubs.display.columns or not {"quadrant", "hub_id"} <= set(lsoa_shown.columns):
        return hubs
    key = TABLE_SPECS["lsoa"][0]
    u5 = lsoa.set_index(key)["under5_est"]
    shown = lsoa_shown[lsoa_shown["quadrant"] == "high need, low engagement"]
    per_hub = u5.reindex(shown[key]).groupby(shown["hub_id"].to_numpy()).sum().round(0)
    display, numeric = hubs.display.copy(), hubs.numeric.copy()
    for f in (display, numeric):
        is_hub = f["hub_id"].isin(lsoa_shown["hub_id"].unique())
        f.loc[is_hub, "priority_children"] = f.loc[is_hub, "hub_id"].map(per_hub).fillna(0.0).to_numpy()
    return replace(hubs, display=display, numeric=numeric)


def table_relations(lsoa: pd.DataFrame, wards: pd.DataFrame, hubs: pd.DataFrame | None) -> list[Relation]:
    """The linear relations a reader of the three tables knows.

    ``wards`` and ``hubs`` include their total rows (``"<lad_code> total"`` subtotals and
    ``"Total"``). Relations: each ward = sum of its LSOAs; each hub = sum of its catchment
    LSOAs; each LA subtotal = sum of its wards; the ward total = sum of the subtotals (or of
    the wards when there is one LA); the hub total = sum of the hubs; in every row
    ``review_eligible = review_completed + children_not_reviewed``.
    """
    rels: list[Relation] = []
    counts = {"lsoa": [c for c in COUNT_COLUMNS["lsoa"] if c in lsoa.columns],
              "ward": [c for c in COUNT_COLUMNS["ward"] if c in wards.columns]}
    if hubs is not None:
        counts["hub"] = [c for c in COUNT_COLUMNS["hub"] if c in hubs.columns]

    def add(kind_t, key_t, kind_p, keys_p, pairs):
        for col_t, col_p in pairs:
            rels.append(((kind_t, key_t, col_t), tuple((kind_p, k, col_p) for k in keys_p)))

    shared_ward = [(c, c) for c in counts["ward"] if c in counts["lsoa"]]
    ward_keys = set(wards["ward_code"].astype(str))
    for ward, part in lsoa.groupby("ward_code", sort=True):
        if str(ward) in ward_keys:
            add("ward", ward, "lsoa", part["lsoa21cd"].tolist(), shared_ward)
    is_total = wards["ward_code"].astype(str).str.endswith(" total") | (wards["ward_code"] == "Total")
    leaves = wards[~is_total]
    subtotals = wards[wards["ward_code"].astype(str).str.endswith(" total")]
    if len(subtotals):
        for la, part in leaves.groupby("lad_code", sort=False):
            add("ward", f"{la} total", "ward", part["ward_code"].tolist(), [(c, c) for c in counts["ward"]])
        add("ward", "Total", "ward", subtotals["ward_code"].tolist(), [(c, c) for c in counts["ward"]])
    elif (wards["ward_code"] == "Total").any():
        add("ward", "Total", "ward", leaves["ward_code"].tolist(), [(c, c) for c in counts["ward"]])
    if hubs is not None:
        pairs = [(h, s) for h, s in (("review_eligible", "review_eligible"), ("review_completed", "review_completed"),
                                      ("children_not_reviewed", "children_not_reviewed"), ("children_reached", "hub_children"))
                 if h in counts["hub"] and s in counts["lsoa"]]
        hub_keys = set(hubs["hub_id"].astype(str))
        for hub, part in lsoa.dropna(subset=["hub_id"]).groupby("hub_id", sort=True):
            if str(hub) in hub_keys:
                add("hub", hub, "lsoa", part["lsoa21cd"].tolist(), pairs)
        hub_leaves = hubs[hubs["hub_id"] != "Total"]
        if (hubs["hub_id"] == "Total").any():
            add("hub", "Total", "hub", hub_leaves["hub_id"].tolist(), [(c, c) for c in counts["hub"]])
    total, parts = ROW_IDENTITY
    for kind, frame, key in (("lsoa", lsoa, "lsoa21cd"), ("ward", wards, "ward_code"), ("hub", hubs, "hub_id")):
        if frame is None or not {total, *parts} <= set(counts[kind]):
            continue
        for k in frame[key]:
            rels.append(((kind, k, total), tuple((kind, k, p) for p in parts)))
    return rels


def link_suppression(tables: dict[str, tuple[SuppressedTable, pd.DataFrame]], relations: Sequence[Relation],
                     rule: DisclosureRule = DisclosureRule(), *, pinned_zeros: list | None = None
                     ) -> tuple[dict[str, SuppressedTable], int]:
    """Suppress more cells so that the tables together reveal no suppressed count.

    Parameters
    ----------
    tables : dict
        Table kind -> (its :class:`SuppressedTable`, the table with true values, same rows).
    relations : list of Relation
        Relations between count cells of these tables (see :func:`table_relations`).
    rule : DisclosureRule
    pinned_zeros : list, optional
        If given, withheld zeros that no suppression can hide are appended to it instead of
        failing (their cells, no values); a withheld count of 1-4 that stays pinned always fails.

    Returns
    -------
    (dict of kind -> SuppressedTable, int)
        The tables with the extra cells shown as ``"c"`` (reason ``secondary``; rates and
        other values derived from them withheld, reason ``derived``), and how many count
        cells were added.

    Raises
    ------
    DataError
        If a small count would stay recoverable (nothing left to suppress frees it): nothing
        is exported then.

    Notes
    -----
    See :func:`geo.disclosure.linked.protect`: every relation ends with 0 or >= 2 suppressed
    cells and an integer attack on all relations at once pins no small count. Adding suppressed
    cells only enlarges what a reader must consider possible, so the guarantee each table got
    from :func:`geo.disclosure.suppress` still holds.

    Examples
    --------
    >>> linked, added = link_suppression({"lsoa": (s_lsoa, lsoa), "ward": (s_ward, wards)}, rels)  # doctest: +SKIP
    """
    keys = {kind: TABLE_SPECS[kind][0] for kind in tables}
    values, primary, suppressed = linked_cells(tables)
    rels = [r for r in relations if all(c in values and np.isfinite(values[c]) for c in (r[0], *r[1]))]
    zero_small = {c for c in values if c[0] == "lsoa"} if lsoa_rule(rule).suppress_zero else set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # reported below
        added, pinned = protect(values, primary, suppressed, rels, rule.threshold, zero_small=zero_small)
    if pinned_zeros is not None:  # a withheld zero no suppression can hide (e.g. the only LSOA of a ward whose count is 0)
        pinned_zeros.extend(c for c in pinned if values[c] == 0)
        pinned = [c for c in pinned if values[c] != 0]
    if pinned:
        raise DataError(f"disclosure control: {len(pinned)} small count(s) would stay recoverable across the LSOA, ward "
                        f"and hub tables (e.g. {pinned[:3]}); nothing was exported")
    out = {}
    for kind, (st, _raw) in tables.items():
        mine = [(k, c) for (t, k, c) in added if t == kind]
        out[kind] = _apply(st, keys[kind], mine, kind) if mine else st
    return out, len(added)


def _apply(st: SuppressedTable, key: str, cells: list[tuple[Hashable, str]], kind: str) -> SuppressedTable:
    """Mark extra count cells of one table as secondary-suppressed (and their derived values)."""
    display, mask, reason, numeric = st.display.copy(), st.mask.copy(), st.reason.copy(), st.numeric.copy()
    pos = {k: i for i, k in enumerate(display[key])}
    derived = _derived_columns(list(display.columns), kind)
    for k, c in cells:
        i = pos[k]
        for col, why in [(c, "secondary")] + [(d, "derived") for d, src in derived.items() if c in src]:
            j = display.columns.get_loc(col)
            if mask.iat[i, j]:
                continue
            if display[col].dtype != object:
                display[col] = display[col].astype(object)
            display.iat[i, j] = CONFIDENTIAL
            mask.iat[i, j] = True
            reason.iat[i, j] = why
            numeric[col] = pd.to_numeric(numeric[col], errors="coerce").astype(float)
            numeric.iat[i, j] = np.nan
    table_name = st.audit["table"].iat[0] if len(st.audit) else kind
    audit = audit_frame(table_name, list(display[key]), mask, reason)
    return replace(st, display=display, mask=mask, reason=reason, numeric=numeric, audit=audit)

