"""Change between two periods that is real: differences of proportions with 95% intervals,
a test of no change, and the Benjamini-Hochberg false discovery rate across areas.

* :func:`newcombe_difference`: ``p2 - p1`` with Newcombe's hybrid score interval (method 10 of
  Newcombe 1998, *Statistics in Medicine* 17:873-890), built from the two Wilson intervals. It
  keeps its coverage for small counts and rates near 0 or 1, where the Wald interval fails.
* :func:`difference_p_value`: two-sided p-value of the pooled two-proportion z test of
  ``p1 == p2``.
* :func:`bh_adjust`: Benjamini-Hochberg adjusted p-values (q-values); flagging areas with
  ``q < alpha`` controls the expected share of false flags among all flags at ``alpha``.
* :func:`change_flags`: ``improving``, ``worsening`` or ``no clear change``.

Denominators may be estimates (hub reach divides by estimated under-5s): the formulas take
them as fixed, so the intervals say nothing of the estimate's own error.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from models.stats import wilson_interval

__all__ = ["newcombe_difference", "difference_p_value", "bh_adjust", "change_flags", "FLAGS"]

#: The three flags of :func:`change_flags`.
FLAGS = ("improving", "worsening", "no clear change")
Z95 = 1.959964


def newcombe_difference(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike, *,
                        z: float = Z95) -> tuple[NDArray, NDArray, NDArray]:
    """Difference ``k2/n2 - k1/n1`` and its Newcombe hybrid score interval.

    ``lo = d - sqrt((p2 - l2)^2 + (u1 - p1)^2)``, ``hi = d + sqrt((u2 - p2)^2 + (p1 - l1)^2)``
    with ``(l, u)`` the Wilson limits of each proportion. NaN where either denominator is 0.

    Examples
    --------
    >>> d, lo, hi = newcombe_difference(56, 70, 48, 80)   # Newcombe's example 1 (as p2 - p1)
    >>> round(float(d), 4), round(float(lo), 4), round(float(hi), 4)
    (-0.2, -0.3339, -0.0524)
    >>> [round(float(v), 4) for v in newcombe_difference(0, 10, 0, 20)]
    [0.0, -0.2775, 0.1611]
    """
    k1, n1, k2, n2 = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(n1 > 0, k1 / np.where(n1 > 0, n1, 1), np.nan)
        p2 = np.where(n2 > 0, k2 / np.where(n2 > 0, n2, 1), np.nan)
    d = p2 - p1
    lo = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, lo, hi


def difference_p_value(k1: ArrayLike, n1: ArrayLike, k2: ArrayLike, n2: ArrayLike) -> NDArray:
    """Two-sided p-value of the pooled z test of equal proportions (NaN without data; 1 when
    both proportions are 0 or both 1).

    Examples
    --------
    >>> round(float(difference_p_value(56, 70, 48, 80)), 4)
    0.008
    >>> float(difference_p_value(0, 10, 0, 12))
    1.0
    """
    k1, n1, k2, n2 = (np.asarray(v, dtype=float) for v in (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        zstat = (k2 / n2 - k1 / n1) / se
    p = 2 * norm.sf(np.abs(zstat))
    p = np.where(se == 0, 1.0, p)
    return np.where((n1 > 0) & (n2 > 0), p, np.nan)


def bh_adjust(p: ArrayLike) -> NDArray:
    """Benjamini-Hochberg adjusted p-values; NaN stays NaN and is not counted among the tests.

    Examples
    --------
    >>> bh_adjust([0.01, 0.04, 0.03, 0.5, np.nan]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5, nan]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if not m:
        return out
    order = np.argsort(p[ok], kind="stable")
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    q = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    vals = np.empty(m)
    vals[order] = q
    out[ok] = vals
    return out


def change_flags(difference: ArrayLike, q: ArrayLike, *, alpha: float = 0.05, higher_is_better: bool = True) -> NDArray:
    """``improving`` / ``worsening`` where the FDR-adjusted ``q < alpha``, else ``no clear change``.

    Examples
    --------
    >>> change_flags([0.1, -0.2, 0.3], [0.01, 0.02, 0.2]).tolist()
    ['improving', 'worsening', 'no clear change']
    """
    d = np.asarray(difference, dtype=float)
    q = np.asarray(q, dtype=float)
    real = (q < alpha) & (d != 0)
    better = d > 0 if higher_is_better else d < 0
    return np.where(real & better, FLAGS[0], np.where(real, FLAGS[1], FLAGS[2])).astype(object)
