"""Total and subtotal rows, and the result of suppressing a table."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo.disclosure.rule import REASONS, SUBTOTAL_LABEL, DisclosureRule

__all__ = ["add_total_row", "SuppressedTable"]


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
        row: dict[str, Any] = dict.fromkeys(df.columns, np.nan)
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

