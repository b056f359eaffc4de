"""Equity by group: a group's rate against the rest of the same area's children.

For one area and one group with ``k`` of ``n`` children (e.g. reviews completed of children
eligible) in an area with ``K`` of ``N`` in all groups:

* ``rate = k / n`` with its Wilson score 95% interval (:func:`models.stats.wilson_interval`);
* ``difference = k / n - (K - k) / (N - n)``: the group against the **rest** of the area's
  children (not against the whole area, which contains the group), with Newcombe's hybrid score
  95% interval (:func:`models.change.newcombe_difference`);
* ``p_value``: the pooled two-proportion z test of no difference; ``q_value`` its
  Benjamini-Hochberg adjustment across the cells compared (:func:`models.change.bh_adjust`);
  ``flag`` is ``lower`` or ``higher`` where ``q_value < fdr``, else ``no clear difference``;
* children missing out: ``round(K / N x n - k)`` children short of the area's overall rate
  (positive: missing out), and ``round(target x n - k)`` short of a target.

Examples
--------
>>> out = compare_groups([30, 70], [100, 100], [100, 100], [200, 200])
>>> out["flag"].tolist(), out["difference"].round(2).tolist(), out["children_to_area_rate"].tolist()
(['lower', 'higher'], [-0.4, 0.4], [20.0, -20.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from models.change import bh_adjust, difference_p_value, newcombe_difference
from models.stats import wilson_interval

__all__ = ["FLAGS", "compare_groups", "equity_flags"]

#: The flags of :func:`equity_flags` (and ``not compared`` for a group that is not stated).
FLAGS = ("lower", "higher", "no clear difference")


def equity_flags(difference: ArrayLike, q: ArrayLike, *, fdr: float = 0.05) -> np.ndarray:
    """``lower`` / ``higher`` where ``q < fdr``, else ``no clear difference``.

    Examples
    --------
    >>> equity_flags([-0.1, 0.2, 0.3, np.nan], [0.01, 0.02, 0.2, np.nan]).tolist()
    ['lower', 'higher', 'no clear difference', 'no clear difference']
    """
    d = np.asarray(difference, dtype=float)
    q = np.asarray(q, dtype=float)
    real = (q < fdr) & (d != 0)
    return np.where(real & (d < 0), FLAGS[0], np.where(real & (d > 0), FLAGS[1], FLAGS[2])).astype(object)


def compare_groups(k: ArrayLike, n: ArrayLike, k_area: ArrayLike, n_area: ArrayLike, *, fdr: float = 0.05,
                   compared: ArrayLike | None = None, target: float | None = None) -> pd.DataFrame:
    """Rates, intervals, differences from the rest of the area and flags for group cells.

    Parameters
    ----------
    k, n : array_like
        The group's numerator and denominator in each cell.
    k_area, n_area : array_like
        The whole area's numerator and denominator (all groups, the group included).
    fdr : float
        False discovery rate controlled (Benjamini-Hochberg) across the cells compared.
    compared : array_like of bool, optional
        Cells to compare with the rest (default all); the others get NaN differences and the
        flag ``not compared`` and are not counted among the tests.
    target : float, optional
        A target rate: adds ``children_to_target``.

    Returns
    -------
    DataFrame
        ``rate, rate_lo, rate_hi, difference, difference_lo, difference_hi, p_value, q_value,
        flag, children_to_area_rate`` (and ``children_to_target``), one row per cell.
    """
    k, n, ka, na = (np.asarray(v, dtype=float) for v in (k, n, k_area, n_area))
    compared = np.ones(k.shape, dtype=bool) if compared is None else np.asarray(compared, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
        area_rate = np.where(na > 0, ka / np.where(na > 0, na, 1), np.nan)
    lo, hi = wilson_interval(k, n)
    rest_k, rest_n = ka - k, na - n
    d, dlo, dhi = newcombe_difference(rest_k, rest_n, k, n)
    p = np.where(compared, difference_p_value(rest_k, rest_n, k, n), np.nan)
    q = bh_adjust(p)
    flag = np.where(compared, equity_flags(d, q, fdr=fdr), "not compared").astype(object)
    out = pd.DataFrame({"rate": rate, "rate_lo": lo, "rate_hi": hi, "difference": np.where(compared, d, np.nan),
                        "difference_lo": np.where(compared, dlo, np.nan), "difference_hi": np.where(compared, dhi, np.nan),
                        "p_value": p, "q_value": q, "flag": flag, "children_to_area_rate": np.round(area_rate * n - k)})
    if target is not None:
        out["children_to_target"] = np.round(target * n - k)
    return out
