"""Engagement components of the risk model: review take-up and hub reach of each area.

:func:`engagement_counts` gives each component's counts and whether the area has data;
:func:`models.risk.score_areas` turns them into raw rates, Wilson intervals, smoothed rates
(empirical Bayes, :mod:`models.smoothing`) and funnel flags, and
:func:`models.uncertainty.rank_intervals` draws from the same posteriors.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.stats import eb_shrinkage, funnel_flag, wilson_interval

__all__ = ["BASIS_BOTH", "BASIS_REVIEW", "BASIS_REACH", "BASIS_NONE", "engagement_counts"]


def _column_name(canonical: str, prefix_map: Mapping[str, str] | None) -> str:
    """Actual column for a canonical input column, honouring ``prefix_map``."""
    if not prefix_map:
        return canonical
    if canonical in prefix_map:
        return prefix_map[canonical]
    head, sep, tail = canonical.partition("_")
    if sep and head in prefix_map:
        return f"{prefix_map[head]}_{tail}"
    return canonical


def _numeric(areas: pd.DataFrame, canonical: str, prefix_map: Mapping[str, str] | None) -> NDArray[np.float64]:
    col = _column_name(canonical, prefix_map)
    if col not in areas.columns:
        return np.full(len(areas), np.nan)
    return pd.to_numeric(areas[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


#: ``engagement_basis`` values: which engagement components an area's scores rest on.
BASIS_BOTH = "review and reach"
BASIS_REVIEW = "review only (no reach data)"
BASIS_REACH = "reach only (no review data)"
BASIS_NONE = "no data: check the extract"


def engagement_counts(
    areas: pd.DataFrame, prefix_map: Mapping[str, str] | None = None
) -> dict[str, tuple[NDArray, NDArray, NDArray]]:
    """Counts ``(k, n, known)`` of each engagement component.

    ``review``: completed (capped at eligible) of eligible; ``reach``: hub children (capped)
    of the under-5 estimate rounded to whole children. ``known`` is False where the
    denominator is 0 (no eligible children, no under-5s), and everywhere for a component
    with no numerator in the whole study area (no attendance data at all): there an area's
    component is unknown, not average.
    """
    under5 = _numeric(areas, "under5_est", prefix_map)
    eligible = np.nan_to_num(_numeric(areas, "review_eligible", prefix_map), nan=0.0).clip(min=0.0)
    completed = np.nan_to_num(_numeric(areas, "review_completed", prefix_map), nan=0.0)
    completed = np.clip(completed, 0.0, eligible)  # dirty extracts: completed > eligible
    hub = np.nan_to_num(_numeric(areas, "hub_children", prefix_map), nan=0.0).clip(min=0.0)
    n_reach = np.floor(np.nan_to_num(under5, nan=0.0).clip(min=0.0) + 0.5)  # whole children
    k_reach = np.minimum(hub, n_reach)
    out = {}
    for c, (k, n) in {"review": (completed, eligible), "reach": (k_reach, n_reach)}.items():
        out[c] = (k, n, (n > 0) & (k.sum() > 0))
    return out


def _rate_block(prefix: str, k: NDArray, n: NDArray, known: NDArray) -> tuple[dict[str, NDArray], dict]:
    """Raw rate, Wilson 95% CI, EB smoothing and funnel flags of ``k / n``, and the prior.

    The smoothed rate and EB weight are NaN where the component is unknown (the posterior
    of an area without data is only the prior: it must not read as a measured average).
    """
    has = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(has, k / np.where(has, n, 1.0), np.nan)
    lo, hi = wilson_interval(k, n)
    eb = eb_shrinkage(k, n)
    pooled = float(k.sum() / n.sum()) if n.sum() > 0 else float("nan")
    p0 = pooled if np.isfinite(pooled) else 0.0  # funnel target: the study-area rate (OHID)
    prior = {
        "method": eb.method,
        "prior_mean": eb.prior_mean,
        "prior_size": eb.prior_size,
        "prior_var": eb.prior_var,
        "pooled_rate": pooled,
        "areas_with_data": int(known.sum()),
        "areas_without_data": int((~known).sum()),
    }
    return {
        f"{prefix}_rate": rate,
        f"{prefix}_rate_lo": lo,
        f"{prefix}_rate_hi": hi,
        f"{prefix}_rate_smoothed": np.where(known, eb.rate, np.nan),
        f"{prefix}_eb_weight": np.where(known, eb.weight, np.nan),
        f"{prefix}_funnel_flag": funnel_flag(k, n, p0, level=0.998),
        f"{prefix}_funnel_flag_95": funnel_flag(k, n, p0, level=0.95),
    }, prior
