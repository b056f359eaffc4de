"""Primary, derived and secondary suppression of one table.


English public-health convention, threshold from the config's ``[disclosure] threshold``
(default 5):

1. **Primary suppression.** A count from 1 to ``threshold - 1`` is shown as ``"<5"``
   (generally ``f"<{threshold}"``). 0 is shown unless ``suppress_zero=True``.
2. **Derived suppression.** A rate, percentage or interval computed from a suppressed
   count is withheld too; the caller declares which columns derive from which counts.
   Estimates (e.g. a modelled ``under5_est`` of 36.3) are not counts of real children and
   are never suppressed: the caller lists only true counts in ``counts``.
3. **Secondary (complementary) suppression.** For every linear relation
   ``total = sum(parts)`` in the table (column totals and subtotals, row identities such as
   ``review_eligible = review_completed + children_not_reviewed``, and any extra
   ``constraints``), a relation never has exactly one suppressed cell: if it does, the
   smallest non-suppressed positive part is suppressed too (ties: row order, then column
   order), iterating to a fixed point. Then an integer-programming *attack* (what a reader
   could deduce from every shown cell, every relation, "<5" meaning 1..threshold-1 and a
   secondary cell meaning 0 or >= threshold) is run and more cells are suppressed until no
   suppressed cell is pinned to a single value.

Display convention (one for the whole app)
------------------------------------------
- a count suppressed because it is small: ``"<5"`` (:meth:`DisclosureRule.label`);
- any other withheld value (a count suppressed to protect another, or a rate / interval
  derived from a suppressed count): ``"c"`` (ONS/OHID "confidential", :data:`CONFIDENTIAL`);
- every other value keeps its original numeric value (the caller formats rates).

Totals must be added *before* suppression (:func:`add_total_row`) so that secondary
suppression protects them.

(Examples in :mod:`geo.disclosure`.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from geo.disclosure.audit import audit_frame
from geo.disclosure.rule import (
    CONFIDENTIAL,
    SUBTOTAL_LABEL,
    Cell,
    DisclosureRule,
    _small_mask,
)
from geo.disclosure.totals import SuppressedTable
from geo.disclosure.verify import _close_relations, _verify

__all__ = ["suppress"]


class _Relation(NamedTuple):
    total: tuple[int, int]  # (row position, count column position)
    parts: tuple[tuple[int, int], ...]

    @property
    def cells(self) -> tuple[tuple[int, int], ...]:
        return (self.total, *self.parts)


def suppress(
    df: pd.DataFrame,
    *,
    counts: Sequence[str],
    derived: Mapping[str, Sequence[str]] | None = None,
    row_relations: Sequence[tuple[str, Sequence[str]]] = (),
    total_row: str | None = None,
    group_col: str | None = None,
    subtotal_label: str = SUBTOTAL_LABEL,
    constraints: Sequence[tuple[Cell, Sequence[Cell]]] = (),
    key: str | None = None,
    table: str = "",
    rule: DisclosureRule = DisclosureRule(),
    verify: bool = True,
) -> SuppressedTable:
    """Apply primary, derived and secondary suppression to one table.

    Parameters
    ----------
    df : DataFrame
        The table, *including* its total and subtotal rows (see :func:`add_total_row`).
    counts : list of str
        Columns holding counts of real people (integers). Only these are primary- or
        secondary-suppressed.
    derived : dict of str to list of str, optional
        ``{derived column: [count columns it is computed from]}``, e.g.
        ``{"review_rate": ["review_completed", "review_eligible"]}``. A derived cell is
        withheld when any of its source counts in the same row is suppressed.
    row_relations : list of (total column, [part columns])
        Identities that hold in every row, e.g.
        ``[("review_eligible", ["review_completed", "children_not_reviewed"])]``.
    total_row : str, optional
        Key of the grand total row. Its count cells are the sum of the subtotal rows (when
        ``group_col`` is given) plus the rows of groups without a subtotal row, otherwise of
        all other rows.
    group_col : str, optional
        Column grouping the rows (e.g. ``"lad_code"``); the row of group ``g`` whose key is
        ``subtotal_label.format(g)`` is its subtotal, the sum of the group's other rows.
    subtotal_label : str
        Format string of subtotal keys (default ``"{} total"``).
    constraints : list of (cell, [cells])
        Further relations ``total = sum(parts)``; a cell is ``(row key, count column)``.
    key : str, optional
        Column identifying rows (unique). Default: the index.
    table : str
        Table name for the audit.
    rule : DisclosureRule
        Threshold and zero handling.
    verify : bool
        Run the integer-programming attack after the relation rule and suppress more cells
        until no suppressed cell can be pinned to one value (default True).

    Returns
    -------
    SuppressedTable

    Notes
    -----
    A relation with a missing (NaN) cell is ignored: it cannot be used to recover anything
    exactly and is not protected. The guarantee (with ``verify=True``): every declared
    relation has 0 or >= 2 suppressed cells, and for every suppressed count the set of
    integer values consistent with the shown cells, every relation, "<t" meaning
    ``1..t-1`` (``0..t-1`` with ``suppress_zero``) and "c" meaning 0 or >= t has at least
    two members. With ``threshold=2`` and ``suppress_zero=False`` a "<2" cell is 1 by
    definition; no suppression pattern can hide that.

    Examples
    --------
    >>> df = pd.DataFrame({"ward": ["w1", "w2", "w3", "Total"], "n": [2, 8, 9, 19]})
    >>> s = suppress(df, counts=["n"], key="ward", total_row="Total", table="wards")
    >>> s.display["n"].tolist()
    ['<5', 'c', 9, 19]
    >>> s.audit.values.tolist()
    [['wards', 'w1', 'n', 'primary'], ['wards', 'w2', 'n', 'secondary']]
    """
    counts = list(counts)
    derived = dict(derived or {})
    for c in [*counts, *derived, *(s for v in derived.values() for s in v)]:
        if c not in df.columns:
            raise KeyError(f"{table or 'table'}: column {c!r} not in the table")
    for c, sources in derived.items():
        if c in counts:
            raise ValueError(f"{c!r} is declared both as a count and as derived")
        bad = [s for s in sources if s not in counts]
        if bad:
            raise ValueError(f"derived column {c!r} depends on {bad}, which are not declared counts")
    keys = pd.Index(df[key] if key is not None else df.index)
    if not keys.is_unique:
        raise ValueError(f"{table or 'table'}: row keys ({key or 'index'}) must be unique")
    pos_of_key = {k: i for i, k in enumerate(keys)}
    col_pos = {c: j for j, c in enumerate(counts)}

    values = np.column_stack([pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                              for c in counts]) if counts else np.zeros((len(df), 0))
    relations = _relations(df, keys, pos_of_key, col_pos, counts, row_relations, total_row,
                           group_col, subtotal_label, constraints)
    relations = [r for r in relations if not np.isnan([values[c] for c in r.cells]).any()]

    primary = _small_mask(values, rule)
    suppressed = primary.copy()
    secondary: list[tuple[int, int]] = []
    if suppressed.any():
        _close_relations(values, suppressed, relations, secondary)
        if verify:
            _verify(values, primary, suppressed, relations, secondary, rule)

    # ---- assemble outputs
    n = len(df)
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    reason = pd.DataFrame("", index=df.index, columns=df.columns, dtype=object)
    sec = np.zeros_like(suppressed)
    for cell in secondary:
        sec[cell] = True
    for c, j in col_pos.items():
        col = df.columns.get_loc(c)
        mask.iloc[:, col] = suppressed[:, j]
        reason.iloc[:, col] = np.where(primary[:, j], "primary", np.where(sec[:, j], "secondary", ""))
    for c, sources in derived.items():
        d = np.zeros(n, dtype=bool)
        for s in sources:
            d |= suppressed[:, col_pos[s]]
        col = df.columns.get_loc(c)
        mask.iloc[:, col] = d
        reason.iloc[:, col] = np.where(d, "derived", "")

    display = df.copy()
    numeric = df.copy()
    for c in [*counts, *derived]:
        m = mask[c].to_numpy()
        if m.any():
            shown = df[c].astype(object).copy()
            shown[m] = np.where(reason[c].to_numpy()[m] == "primary", rule.label, CONFIDENTIAL)
            display[c] = shown
            numeric[c] = pd.to_numeric(df[c], errors="coerce").astype(float).where(~m)

    audit = audit_frame(table, keys, mask, reason)
    return SuppressedTable(display=display, mask=mask, reason=reason, audit=audit,
                           numeric=numeric, rule=rule)


def _relations(df, keys, pos_of_key, col_pos, counts, row_relations, total_row, group_col,
               subtotal_label, constraints) -> list[_Relation]:
    rels: list[_Relation] = []
    n = len(df)
    # column totals and subtotals
    total_pos = pos_of_key.get(total_row) if total_row is not None else None
    if total_row is not None and total_pos is None:
        raise KeyError(f"total row {total_row!r} not found")
    others = [i for i in range(n) if i != total_pos]
    col_groups: list[tuple[int, list[int]]] = []
    if group_col is not None:
        if group_col not in df.columns:
            raise KeyError(f"group column {group_col!r} not in the table")
        gvals = df[group_col].to_numpy(dtype=object)
        order: dict[Any, list[int]] = {}
        for i in others:
            g = gvals[i]
            if g is None or (isinstance(g, float) and math.isnan(g)) or g is pd.NA:
                continue
            order.setdefault(g, []).append(i)
        covered: set[int] = set()
        grand_parts: list[int] = []
        for g, rows in order.items():
            sub = pos_of_key.get(subtotal_label.format(g))
            if sub is not None and sub in rows:
                leaves = [i for i in rows if i != sub]
                col_groups.append((sub, leaves))
                grand_parts.append(sub)
                covered.update(rows)
        grand_parts += [i for i in others if i not in covered]
        if total_pos is not None:
            col_groups.append((total_pos, sorted(grand_parts)))
    elif total_pos is not None:
        col_groups.append((total_pos, others))
    for j in range(len(counts)):
        for t, parts in col_groups:
            if parts:
                rels.append(_Relation((t, j), tuple((i, j) for i in parts)))
    # row identities
    for tot, parts in row_relations:
        bad = [c for c in [tot, *parts] if c not in col_pos]
        if bad:
            raise ValueError(f"row relation {tot!r} = {list(parts)}: {bad} are not declared counts")
        for i in range(n):
            rels.append(_Relation((i, col_pos[tot]), tuple((i, col_pos[p]) for p in parts)))
    # general constraints

    def cell(c: Cell) -> tuple[int, int]:
        k, col = c
        if k not in pos_of_key:
            raise KeyError(f"constraint row {k!r} not found")
        if col not in col_pos:
            raise ValueError(f"constraint column {col!r} is not a declared count")
        return pos_of_key[k], col_pos[col]

    for tot, parts in constraints:
        rels.append(_Relation(cell(tot), tuple(cell(p) for p in parts)))
    return rels


