"""OHID-method statistics for small-area proportions.

All functions are vectorised over numpy arrays (or anything array-like), deterministic and
free of per-row Python loops.

* :func:`wilson_interval` - Wilson score confidence interval of a proportion, the method
  OHID (formerly PHE) uses for proportions on Fingertips (Newcombe 1998, method 3).
* :func:`funnel_limits` / :func:`funnel_flag` - control limits of a proportion funnel plot
  around a target and the three-way significance flag, at the 95% ("2 sigma") and 99.8%
  ("3 sigma") levels used by OHID.
* :func:`eb_smooth` / :func:`eb_shrinkage` - empirical-Bayes (beta-binomial) smoothing of
  proportions toward a fitted prior, so that small areas do not dominate rankings (defined in
  :mod:`models.smoothing`, importable from here).

References
----------
.. [1] Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
   comparison of seven methods. Statistics in Medicine 17:857-872.
.. [2] Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
   Statistics in Medicine 24:1185-1202.
.. [3] OHID Fingertips technical guidance, "Public health statistical methods":
   proportions use Wilson score intervals; funnel-plot control limits for proportions are
   the observed values whose Wilson interval just reaches the target.
.. [4] Marshall RJ (1991). Mapping disease and mortality rates using empirical Bayes
   estimators. Applied Statistics 40:283-294.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats as _st

from models.smoothing import EBResult, _counts, eb_shrinkage, eb_smooth  # re-exported: smoothing is their home

__all__ = [
    "FLAG_LOW",
    "FLAG_WITHIN",
    "FLAG_HIGH",
    "FLAG_NO_DATA",
    "z_for_level",
    "wilson_interval",
    "funnel_limits",
    "funnel_flag",
    "EBResult",
    "eb_shrinkage",
    "eb_smooth",
]

FLAG_LOW = "significantly low"
FLAG_WITHIN = "within limits"
FLAG_HIGH = "significantly high"
FLAG_NO_DATA = "no data"

FunnelMethod = Literal["wilson", "exact"]


def z_for_level(level: float) -> float:
    """Two-sided standard-normal multiplier for a confidence level.

    Parameters
    ----------
    level : float
        Confidence level in (0, 1), e.g. 0.95 or 0.998.

    Returns
    -------
    float
        ``z`` such that ``P(-z < Z < z) = level``.

    Examples
    --------
    >>> round(z_for_level(0.95), 6), round(z_for_level(0.998), 6)
    (1.959964, 3.090232)
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    return float(_st.norm.ppf(0.5 + level / 2.0))


def wilson_interval(
    k: ArrayLike, n: ArrayLike, z: float = 1.959964
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score confidence interval of a proportion ``k / n``.

    Uses the closed form in OHID's technical guidance::

        (2k + z^2 -/+ z * sqrt(z^2 + 4k(1 - k/n))) / (2(n + z^2))

    Parameters
    ----------
    k : array_like
        Numerators (successes), ``0 <= k <= n``.
    n : array_like
        Denominators. ``n == 0`` (or NaN) gives NaN limits.
    z : float, default 1.959964
        Normal multiplier; 1.959964 for 95%, 3.090232 for 99.8% (see :func:`z_for_level`).

    Returns
    -------
    lo, hi : ndarray
        Lower and upper limits, in [0, 1], broadcast to the shape of ``k`` and ``n``.

    Examples
    --------
    >>> lo, hi = wilson_interval(81, 263)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2553, 0.3662)
    >>> lo, hi = wilson_interval([0, 10, 0], [10, 10, 0])
    >>> np.round(lo, 4).tolist(), np.round(hi, 4).tolist()
    ([0.0, 0.7225, nan], [0.2775, 1.0, nan])
    """
    k, n = _counts(k, n)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = 2.0 * k + z2
        half = z * np.sqrt(z2 + 4.0 * k * (1.0 - k / n))
        denom = 2.0 * (n + z2)
        lo = (centre - half) / denom
        hi = (centre + half) / denom
    empty = ~(n > 0)
    # Exact end points at k == 0 and k == n (avoid -1e-17 style rounding).
    lo = np.where(k == 0, 0.0, np.clip(lo, 0.0, 1.0))
    hi = np.where(k == n, 1.0, np.clip(hi, 0.0, 1.0))
    lo = np.where(empty, np.nan, lo)
    hi = np.where(empty, np.nan, hi)
    return lo, hi


def _level_label(level: float) -> str:
    """Column suffix for a level: 0.95 -> '95', 0.998 -> '99_8'."""
    return format(round(level * 100.0, 6), "g").replace(".", "_")


def _exact_limit(p0: NDArray, n: NDArray, prob: float) -> NDArray[np.float64]:
    """Interpolated binomial quantile ``/ n`` (Spiegelhalter 2005, appendix A.1.1).

    ``r`` is the smallest count with ``P(R <= r) >= prob``; the limit is ``(r - a) / n``
    where ``a = (P(R <= r) - prob) / (P(R <= r) - P(R <= r - 1))`` makes the limits a
    smooth function of ``n`` instead of a staircase.
    """
    nn = np.where(n > 0, n, 1.0)
    r = _st.binom.ppf(prob, nn, p0)
    cdf_r = _st.binom.cdf(r, nn, p0)
    cdf_below = _st.binom.cdf(r - 1.0, nn, p0)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = cdf_r - cdf_below
        a = np.where(step > 0, (cdf_r - prob) / step, 0.0)
    return (r - a) / nn


def _limits(p0: ArrayLike, n: ArrayLike, level: float, method: FunnelMethod) -> tuple[NDArray, NDArray]:
    p0 = np.asarray(p0, dtype=float)
    n = np.asarray(n, dtype=float)
    p0, n = np.broadcast_arrays(p0, n)
    if np.any((p0 < 0) | (p0 > 1)):
        raise ValueError("target proportion p0 must be in [0, 1]")
    if method == "wilson":
        z = z_for_level(level)
        with np.errstate(divide="ignore", invalid="ignore"):
            half = z * np.sqrt(p0 * (1.0 - p0) / n)
        lo, hi = p0 - half, p0 + half
    elif method == "exact":
        tail = (1.0 - level) / 2.0
        lo = _exact_limit(p0, n, tail)
        hi = _exact_limit(p0, n, 1.0 - tail)
    else:
        raise ValueError(f"method must be 'wilson' or 'exact', got {method!r}")
    empty = ~(n > 0)
    lo = np.where(empty, np.nan, np.clip(lo, 0.0, 1.0))
    hi = np.where(empty, np.nan, np.clip(hi, 0.0, 1.0))
    return lo, hi


def funnel_limits(
    p0: float,
    n: ArrayLike,
    levels: tuple[float, ...] = (0.95, 0.998),
    *,
    method: FunnelMethod = "wilson",
) -> pd.DataFrame:
    """Control limits of a proportion funnel plot around a target ``p0``.

    Parameters
    ----------
    p0 : float
        Target (benchmark) proportion, usually the pooled rate ``sum(k) / sum(n)``.
    n : array_like
        Denominators at which to evaluate the limits (e.g. ``np.arange(1, 500)``).
    levels : tuple of float, default (0.95, 0.998)
        Two-sided levels; OHID uses 95% (about 2 sigma) and 99.8% (about 3 sigma).
    method : {"wilson", "exact"}, default "wilson"
        ``"wilson"`` is the OHID Fingertips method: the limits are the observed proportions
        whose Wilson score interval just reaches ``p0``, which works out to
        ``p0 +/- z * sqrt(p0 (1 - p0) / n)`` (the score-test acceptance region).
        ``"exact"`` uses interpolated exact binomial quantiles (Spiegelhalter 2005).

    Returns
    -------
    DataFrame
        Column ``n`` followed by ``lower_<L>`` and ``upper_<L>`` for each level, where
        ``<L>`` is the level in percent with ``_`` for the decimal point (``95``, ``99_8``).
        Limits are clipped to [0, 1]; ``n == 0`` gives NaN.

    Examples
    --------
    >>> lim = funnel_limits(0.3, [20, 100, 1000])
    >>> lim.round(4).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'n': [20.0, 100.0, 1000.0], 'lower_95': [0.0992, 0.2102, 0.2716],
     'upper_95': [0.5008, 0.3898, 0.3284], 'lower_99_8': [0.0, 0.1584, 0.2552],
     'upper_99_8': [0.6167, 0.4416, 0.3448]}
    """
    n_arr = np.atleast_1d(np.asarray(n, dtype=float))
    out = {"n": n_arr}
    for level in levels:
        lo, hi = _limits(p0, n_arr, level, method)
        label = _level_label(level)
        out[f"lower_{label}"] = lo
        out[f"upper_{label}"] = hi
    return pd.DataFrame(out)


def funnel_flag(
    k: ArrayLike,
    n: ArrayLike,
    p0: float | ArrayLike,
    level: float = 0.998,
    *,
    method: FunnelMethod = "wilson",
) -> NDArray[np.object_]:
    """Classify areas against a proportion funnel plot.

    With ``method="wilson"`` (OHID) an area is significantly high when the lower limit of
    its Wilson interval is above ``p0`` and significantly low when the upper limit is below
    ``p0``; this is the same as the observed proportion lying outside
    :func:`funnel_limits`. With ``method="exact"`` the observed proportion is compared with
    the interpolated exact binomial limits.

    Parameters
    ----------
    k, n : array_like
        Numerators and denominators.
    p0 : float or array_like
        Target proportion.
    level : float, default 0.998
        Two-sided level: 0.998 (3 sigma, OHID's "significantly different") or 0.95.
    method : {"wilson", "exact"}, default "wilson"

    Returns
    -------
    ndarray of str
        ``"significantly low"``, ``"within limits"``, ``"significantly high"``, or
        ``"no data"`` where ``n == 0`` or a count is missing.

    Examples
    --------
    >>> funnel_flag([5, 30, 60, 0], [100, 100, 100, 0], 0.3, level=0.998).tolist()
    ['significantly low', 'within limits', 'significantly high', 'no data']
    """
    k, n = _counts(k, n)
    p0 = np.broadcast_to(np.asarray(p0, dtype=float), k.shape)
    if method == "wilson":
        lo, hi = wilson_interval(k, n, z_for_level(level))
        high, low = lo > p0, hi < p0
    else:
        lo, hi = _limits(p0, n, level, method)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = k / n
        high, low = r > hi, r < lo
    has = (n > 0) & np.isfinite(k)
    return np.select(
        [~has, low, high], [FLAG_NO_DATA, FLAG_LOW, FLAG_HIGH], default=FLAG_WITHIN
    ).astype(object)
