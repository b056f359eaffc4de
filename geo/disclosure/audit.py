"""Audit frames of withheld cells, and a scan of exported tables for unsuppressed small counts."""

from __future__ import annotations

import io
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from geo.disclosure.rule import DisclosureRule

__all__ = ["SmallCount", "audit_frame", "scan_for_small_counts"]


class SmallCount(NamedTuple):
    """An unsuppressed small count found by :func:`scan_for_small_counts`."""

    row: Hashable
    column: str
    value: float


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
