"""Statistical disclosure control for every table, export and map tooltip.

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

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"hub": ["A", "B", "C"], "completed": [3, 10, 12],
...                    "not_reviewed": [6, 2, 9]})
>>> df["eligible"] = df["completed"] + df["not_reviewed"]
>>> t = add_total_row(df, ["completed", "not_reviewed", "eligible"], key="hub")
>>> s = suppress(t, counts=["completed", "not_reviewed", "eligible"], key="hub",
...              total_row="Total", row_relations=[("eligible", ["completed", "not_reviewed"])],
...              table="hubs")
>>> s.display[["hub", "completed", "not_reviewed", "eligible"]].values.tolist()
[['A', '<5', 'c', 9], ['B', 'c', '<5', 12], ['C', 12, 9, 21], ['Total', 25, 17, 42]]
>>> s.counts_by_reason()
{'primary': 2, 'derived': 0, 'secondary': 2}
>>> format_count(3), format_count(1234), format_count(0), format_count(float("nan"))
('<5', '1,234', '0', '')
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "CONFIDENTIAL",
    "SUBTOTAL_LABEL",
    "DisclosureRule",
    "SuppressedTable",
    "SmallCount",
    "add_total_row",
    "audit_frame",
    "suppress",
    "format_count",
    "scan_for_small_counts",
]

CONFIDENTIAL = "c"
"""Shown for a secondary-suppressed count and for a derived value of a suppressed count."""

SUBTOTAL_LABEL = "{} total"
"""Default key of a group's subtotal row: ``SUBTOTAL_LABEL.format(group_value)``."""

REASONS = ("primary", "derived", "secondary")

Cell = tuple[Hashable, str]
"""A cell addressed by (row key value, column name)."""


@dataclass(frozen=True)
class DisclosureRule:
    """The disclosure rule: counts ``1 .. threshold-1`` are small.

    Parameters
    ----------
    threshold : int
        Smallest count that may be shown (default 5). ``1`` disables primary suppression.
    suppress_zero : bool
        Also suppress 0 (default False: 0 is not disclosive by convention here).

    Examples
    --------
    >>> r = DisclosureRule(threshold=10)
    >>> r.label, r.is_small(9), r.is_small(10), r.is_small(0)
    ('<10', True, False, False)
    """

    threshold: int = 5
    suppress_zero: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, np.integer)) or self.threshold < 1:
            raise ValueError(f"threshold must be a whole number >= 1, got {self.threshold!r}")

    @classmethod
    def from_config(cls, cfg: Any) -> DisclosureRule:
        """The rule of a :class:`geo.config.Config` (its ``disclosure_threshold``)."""
        return cls(threshold=int(getattr(cfg, "disclosure_threshold", 5)))

    @property
    def label(self) -> str:
        """Display string of a small count, e.g. ``"<5"``."""
        return f"<{self.threshold}"

    def is_small(self, value: Any) -> bool:
        """Whether a single count must be suppressed (NaN/None is never small)."""
        try:
            v = float(value)
        except (TypeError, ValueError):
            return False
        if math.isnan(v):
            return False
        if v == 0:
            return self.suppress_zero
        return 0 < v < self.threshold


def _small_mask(values: np.ndarray, rule: DisclosureRule) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        small = (values > 0) & (values < rule.threshold)
        if rule.suppress_zero:
            small |= values == 0
    return small


# --------------------------------------------------------------------------- formatting


def format_count(value: Any, rule: DisclosureRule = DisclosureRule()) -> str:
    """Format one count for display (map tooltips, labels).

    Parameters
    ----------
    value : number or None
        A count. Non-integer values are rounded to the nearest whole number.
    rule : DisclosureRule
        The disclosure rule.

    Returns
    -------
    str
        ``"<5"`` for a small count, ``""`` for a missing value, otherwise the whole number
        with thousands separators.

    Examples
    --------
    >>> [format_count(v) for v in (0, 4, 5, 12345, None)]
    ['0', '<5', '5', '12,345', '']
    >>> format_count(7, DisclosureRule(threshold=10))
    '<10'
    """
    if value is None or value is pd.NA:
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return ""
    if rule.is_small(v):
        return rule.label
    return f"{round(v):,}"


# --------------------------------------------------------------------------- totals


def add_total_row(
    df: pd.DataFrame,
    counts: Sequence[str],
    *,
    key: str,
    label: str | None = "Total",
    group_col: str | None = None,
    subtotal_label: str = SUBTOTAL_LABEL,
) -> pd.DataFrame:
    """Append a grand total row, and optionally a subtotal row after each group.

    Add totals *before* :func:`suppress` so that secondary suppression protects them.
    Only ``counts`` are summed (``min_count=1``: a column of missing values stays missing);
    other columns of total rows are missing, except ``key`` (the label) and ``group_col``
    (the group value, on subtotal rows). Recompute rates on the result if you want them
    on total rows.

    Parameters
    ----------
    df : DataFrame
        One row per item (ward, hub, ...).
    counts : list of str
        Count columns to sum.
    key : str
        Column identifying rows; total rows get ``label`` / ``subtotal_label.format(g)``.
    label : str or None
        Key of the grand total row; ``None`` for subtotals only.
    group_col : str, optional
        Column whose values form groups (e.g. ``"lad_code"``); a subtotal row is placed
        after each group's rows (groups in order of first appearance).
    subtotal_label : str
        Format string of a subtotal row's key (default ``"{} total"``).

    Returns
    -------
    DataFrame
        A new frame with a fresh ``RangeIndex``.

    Examples
    --------
    >>> df = pd.DataFrame({"ward": ["w1", "w2", "w3"], "la": ["L1", "L1", "L2"], "n": [3, 7, 9]})
    >>> add_total_row(df, ["n"], key="ward", group_col="la")[["ward", "la", "n"]].values.tolist()
    [['w1', 'L1', 3], ['w2', 'L1', 7], ['L1 total', 'L1', 10], ['w3', 'L2', 9], ['L2 total', 'L2', 9], ['Total', nan, 19]]
    """
    counts = list(counts)
    missing = [c for c in [key, *counts, *([group_col] if group_col else [])] if c not in df.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")

    def total_of(part: pd.DataFrame, row_key: Hashable, group: Any = None) -> pd.DataFrame:
        row: dict[str, Any] = {c: np.nan for c in df.columns}
        for c in counts:
            row[c] = pd.to_numeric(part[c], errors="coerce").sum(min_count=1)
        row[key] = row_key
        if group_col is not None and group is not None:
            row[group_col] = group
        return pd.DataFrame([row], columns=df.columns)

    pieces: list[pd.DataFrame] = []
    if group_col is None:
        pieces.append(df)
    else:
        for g, part in df.groupby(group_col, sort=False, dropna=False):
            pieces.append(part)
            pieces.append(total_of(part, subtotal_label.format(g), g))
    if label is not None:
        pieces.append(total_of(df, label))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # concat with all-NA columns
        out = pd.concat(pieces, ignore_index=True)
    for c in counts:  # keep integer counts integer when nothing is missing
        if pd.api.types.is_integer_dtype(df[c].dtype) and out[c].notna().all():
            out[c] = out[c].astype(df[c].dtype)
    return out


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class SuppressedTable:
    """A table after disclosure control.

    Attributes
    ----------
    display : DataFrame
        The table to show or export: suppressed small counts are ``"<5"``, every other
        suppressed cell is ``"c"``, all other values are unchanged (numeric).
    mask : DataFrame of bool
        True where a cell is suppressed (same index and columns as the input).
    reason : DataFrame
        ``"primary"`` / ``"derived"`` / ``"secondary"`` where suppressed, ``""`` elsewhere.
    audit : DataFrame
        One row per suppressed cell: ``table``, ``row`` (key value), ``column``, ``reason``
        (row order, then column order). True values are not recorded.
    numeric : DataFrame
        The input with suppressed cells set to NaN (for charts and map colours).
    rule : DisclosureRule
    """

    display: pd.DataFrame
    mask: pd.DataFrame
    reason: pd.DataFrame
    audit: pd.DataFrame
    numeric: pd.DataFrame
    rule: DisclosureRule = field(default_factory=DisclosureRule)

    def counts_by_reason(self) -> dict[str, int]:
        """Number of suppressed cells by reason (all three reasons always present)."""
        vc = self.audit["reason"].value_counts()
        return {r: int(vc.get(r, 0)) for r in REASONS}


class SmallCount(NamedTuple):
    """An unsuppressed small count found by :func:`scan_for_small_counts`."""

    row: Hashable
    column: str
    value: float


# --------------------------------------------------------------------------- suppression


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


def _pick(values, suppressed, candidates) -> tuple[int, int] | None:
    """Smallest positive part first, then a positive total, then zeros; row then column order."""
    best = None
    for cell, is_total in candidates:
        if suppressed[cell]:
            continue
        v = values[cell]
        rank = (v <= 0, is_total, v, cell[0], cell[1])
        if best is None or rank < best[0]:
            best = (rank, cell)
    return None if best is None else best[1]


def _close_relations(values, suppressed, relations, secondary) -> None:
    """Suppress until every relation has 0 or >= 2 suppressed cells (fixed point)."""
    changed = True
    while changed:
        changed = False
        for r in relations:
            if sum(bool(suppressed[c]) for c in r.cells) == 1:
                cell = _pick(values, suppressed, [(r.total, True), *((p, False) for p in r.parts)])
                if cell is not None:
                    suppressed[cell] = True
                    secondary.append(cell)
                    changed = True


def _verify(values, primary, suppressed, relations, secondary, rule) -> None:
    """Attack the table; suppress more until no suppressed cell is pinned.

    A small (primary) count must not be pinned by an integer attack that knows "<t" means
    ``1..t-1`` and "c" means 0 or >= t. A secondary cell's value is publishable (0 or >= t)
    so the integer attack may pin it (e.g. a hidden 0 in ``1 = 1 + 0``), but it must not be
    pinned by the linear relaxation (secondary >= 0, real values). Suppressing one more cell
    only enlarges the feasible set (its true value stays feasible), so a cell once shown to
    have two feasible values keeps them: only unproven cells are re-attacked.
    """
    proven_int: set[tuple[int, int]] = set()
    proven_lp: set[tuple[int, int]] = set()
    for _ in range(values.size + 1):
        pinned = _pinned_cells(values, primary, suppressed, relations, rule, proven_int, proven_lp)
        if not pinned:
            return
        target = pinned[0]  # one fix per round: the next attack says whether more is needed
        cands = _candidates(values, suppressed, relations, target)
        if not cands:
            warnings.warn(f"disclosure: cell {target} remains recoverable; nothing left to suppress",
                          stacklevel=3)
            return
        chosen = cands[0]
        for cell in cands[:_TRIALS]:  # prefer the first candidate that frees the target
            trial = suppressed.copy()
            trial[cell] = True
            _close_relations(values, trial, relations, [])
            if not _pinned_cells(values, primary, trial, relations, rule, set(proven_int),
                                 set(proven_lp), only=[target]):
                chosen = cell
                break
        suppressed[chosen] = True
        secondary.append(chosen)
        _close_relations(values, suppressed, relations, secondary)


_TRIALS = 12
_SWEEPS = 2  # random-direction attacks per round when many cells are unproven
_SWEEP_MIN = 8


def _candidates(values, suppressed, relations, target) -> list[tuple[int, int]]:
    """Shown cells to try as complements for a pinned cell, nearest relations first.

    Cells of the target's relations come first, then of relations sharing a suppressed cell
    with those, then of any relation with a suppressed cell; within each ring the order of
    :func:`_pick` (smallest positive part first, zeros last, row then column order).
    """
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int]] = []
    ring_cells = {target}
    used: set[int] = set()
    for hop in range(3):
        if hop < 2:
            ring = [k for k, r in enumerate(relations) if k not in used and ring_cells & set(r.cells)]
        else:
            ring = [k for k, r in enumerate(relations) if k not in used and any(suppressed[c] for c in r.cells)]
        used.update(ring)
        ranked = []
        for k in ring:
            r = relations[k]
            for c in r.cells:
                if not suppressed[c] and c not in seen:
                    seen.add(c)
                    v = values[c]
                    ranked.append(((v <= 0, c == r.total, v, c[0], c[1]), c))
        out += [c for _, c in sorted(ranked)]
        ring_cells = {c for k in ring for c in relations[k].cells if suppressed[c]}
    return out


def _pinned_cells(values, primary, suppressed, relations, rule, proven_int, proven_lp, only=None):
    """Suppressed cells pinned to their true value (see :func:`_verify`).

    ``proven_int`` / ``proven_lp`` (updated in place) hold cells already shown to have
    another feasible value in the integer problem / its linear relaxation. ``only``
    restricts the cells attacked. Each attack is solved on the cell's component of the
    reader's model (:class:`geo.disclosure_attack.ReaderModel`).
    """
    from geo.disclosure_attack import ReaderModel

    rels = [r for r in relations if any(suppressed[c] for c in r.cells)]
    cells = sorted({c for r in rels for c in r.cells if suppressed[c]})
    todo = [c for c in (cells if only is None else only)
            if c not in proven_int and (primary[c] or c not in proven_lp)]
    if not todo:
        return []
    idx = {c: k for k, c in enumerate(cells)}
    t = rule.threshold
    lo_primary = 0 if rule.suppress_zero else 1
    finite = values[np.isfinite(values)]
    big = float(np.abs(finite).sum()) + t + 1.0
    lb = [lo_primary if primary[c] else (t if rule.suppress_zero else 0) for c in cells]
    ub = [t - 1 if primary[c] else big for c in cells]
    disjunctive = [] if rule.suppress_zero else [idx[c] for c in cells if not primary[c]]
    model_rels = []
    for r in rels:
        terms, b = [], 0.0
        for c, sign in [(r.total, -1.0), *((p, 1.0) for p in r.parts)]:
            if suppressed[c]:
                terms.append((idx[c], sign))
            else:
                b -= sign * values[c]
        model_rels.append((terms, b))
    model = ReaderModel.build([values[c] for c in cells], lb, ub, model_rels, disjunctive, threshold=t, big=big)

    def prove(off, proven: set) -> bool:
        if off is None:
            return False
        proven.update(cells[m] for m in off)
        return True

    if len(todo) > _SWEEP_MIN:
        # a few random directions move many cells off their true values at once (cheap
        # proofs for big tables); a fixed seed keeps the result deterministic
        rng = np.random.default_rng(len(cells))
        for _ in range(_SWEEPS):
            direction = rng.standard_normal(len(cells))
            for sign in (1.0, -1.0):
                prove(model.sweep(sign * direction, integer=True), proven_int)

    pinned = []
    for c in todo:
        k = idx[c]
        if primary[c]:
            if c in proven_int or ub[k] - lb[k] < 0.5:
                continue  # a "<2" cell is 1 by definition: suppressing more cannot help
            # an integer table the reader must accept with this cell below, else above, its value
            if not any(prove(model.other_value(k, below), proven_int) and c in proven_int for below in (True, False)):
                pinned.append(c)
        else:
            if c in proven_int or c in proven_lp:
                continue
            if not any(prove(model.extreme(k, sign, integer=False), proven_lp) and c in proven_lp for sign in (1.0, -1.0)):
                pinned.append(c)
    return pinned


def audit_frame(table: str, keys: Sequence[Hashable], mask: pd.DataFrame, reason: pd.DataFrame) -> pd.DataFrame:
    """One row per withheld cell, in row then column order: ``table, row, column, reason``.

    Examples
    --------
    >>> mask = pd.DataFrame({"n": [True, False], "m": [False, True]})
    >>> reason = pd.DataFrame({"n": ["primary", ""], "m": ["", "secondary"]})
    >>> audit_frame("t", ["a", "b"], mask, reason).values.tolist()
    [['t', 'a', 'n', 'primary'], ['t', 'b', 'm', 'secondary']]
    """
    m = mask.to_numpy(dtype=bool)
    i, j = np.nonzero(m)  # row-major: row then column order
    audit = pd.DataFrame({
        "table": np.full(len(i), table, dtype=object),
        "row": pd.Index(keys)[i].to_numpy(dtype=object) if len(i) else np.array([], dtype=object),
        "column": mask.columns.to_numpy(dtype=object)[j],
        "reason": reason.to_numpy(dtype=object)[i, j],
    })
    return audit.astype({"table": object, "column": object, "reason": object})


# --------------------------------------------------------------------------- checking


def scan_for_small_counts(
    data: pd.DataFrame | str | Path,
    *,
    counts: Sequence[str] | None = None,
    threshold: int = 5,
    suppress_zero: bool = False,
) -> list[SmallCount]:
    """Find unsuppressed small counts in a table or an exported CSV (for tests of exports).

    Parameters
    ----------
    data : DataFrame, CSV text or path to a CSV file
        Values may be numbers or text (``"3"``, ``"1,234"``); ``"<5"``, ``"c"`` and other
        text are ignored.
    counts : list of str, optional
        Count columns to check (default: every column).
    threshold : int
        Values from 1 to ``threshold - 1`` are reported (0 too with ``suppress_zero``).
    suppress_zero : bool
        Whether 0 also counts as small.

    Returns
    -------
    list of SmallCount
        ``(row index label, column, value)`` in row, then column order; empty when clean.

    Examples
    --------
    >>> scan_for_small_counts(pd.DataFrame({"n": ["<5", "12", "3"], "rate": [0.1, 2, 3]}), counts=["n"])
    [SmallCount(row=2, column='n', value=3.0)]
    >>> scan_for_small_counts("ward,n\\nw1,<5\\nw2,0\\n")
    []
    """
    if isinstance(data, Path) or (isinstance(data, str) and "\n" not in data and Path(data).is_file()):
        frame = pd.read_csv(data, dtype=str, keep_default_na=False)
    elif isinstance(data, str):
        frame = pd.read_csv(io.StringIO(data), dtype=str, keep_default_na=False)
    else:
        frame = data
    cols = list(frame.columns) if counts is None else list(counts)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise KeyError(f"count columns not in the table: {missing}")
    rule = DisclosureRule(threshold=threshold, suppress_zero=suppress_zero)
    found: list[SmallCount] = []
    for pos in range(len(frame)):
        for c in cols:
            v = frame[c].iat[pos]
            if isinstance(v, str):
                v = pd.to_numeric(v.strip().replace(",", ""), errors="coerce") if v.strip() else np.nan
            if isinstance(v, (bool, np.bool_)):
                continue
            if isinstance(v, (int, float, np.integer, np.floating)) and rule.is_small(v):
                found.append(SmallCount(frame.index[pos], c, float(v)))
    return found
