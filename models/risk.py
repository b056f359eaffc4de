"""Need-versus-engagement risk scoring of small areas (LSOAs or wards).

The model ranks areas where **need is high but engagement with early-years services is
low**, so that Family Hub outreach can be targeted.

Need index
    Weighted mean of within-study-area percentile ranks (0-100) of

    * ``idaci`` - IDACI score, falling back to the IMD income-domain score where IDACI is
      missing (``idaci_source`` records which was used);
    * ``imd`` - IMD score;
    * ``under5`` - estimated number of under-5s (a volume term: more children, more need).

    ``need_score`` is the 0-100 percentile rank of that weighted index.

Engagement index
    Weighted mean of percentile ranks of

    * ``review`` - empirical-Bayes smoothed review take-up ``completed / eligible``;
    * ``reach`` - empirical-Bayes smoothed hub reach ``hub_children / under5`` (children
      capped at the under-5 estimate, which is rounded to a whole number of children).

    ``engagement_score`` is the 0-100 percentile rank (higher = more engaged).

Engagement shortfall
    How far below the study-area rate an area's engagement is, on the rate scale (so
    "almost nobody reviewed" counts for more than "slightly below the median"): for each
    component ``shortfall = 1 - smoothed_rate / study_area_rate`` (0 at the study-area rate,
    1 where nobody is reviewed or reached, negative above the study-area rate), then the
    weighted mean with the engagement weights.

Priority
    ``priority_score = need_score * clip(engagement_shortfall, 0, 1)``: 0-100, 100 for an
    area of the highest need where nobody is engaged, 0 where need is lowest or engagement
    is at or above the study-area rate. It is a product, not a sum, so an area must be both
    needy *and* under-engaged to rank high. ``priority_rank`` orders areas by the unclipped
    product, so areas engaged above the study-area rate are still ordered among themselves.

Smoothing
    Empirical-Bayes posterior means under a beta-binomial model whose beta prior (mean and
    size) is fitted by maximum likelihood to the study area's counts
    (:func:`models.smoothing.fit_beta_prior`); ``attrs["smoothing"]`` of the result holds
    each component's prior.

Unknown stays unknown
    An engagement component is unknown for an area with no denominator (no eligible
    children, no under-5s) and for every area when the study area has no numerator at all
    (no attendance data). Its smoothed rate, percentile and shortfall are then NaN (not the
    pooled rate, which would read as "average"), the engagement index and shortfall use the
    known component with the weights renormalised, and ``engagement_basis`` says which
    components an area's engagement rests on. An area with neither is ``"no data: check the
    extract"``: no engagement score, priority or quadrant, ranked after every scored area.

Weights in each group are normalised to sum to 1. Where a component is missing for an
area (e.g. neither IDACI nor income score, or an unknown engagement component) the
remaining weights of that group are renormalised for that area.

:func:`models.explain.explain` says why an area scores as it does and
:func:`models.explain.sensitivity` how the ranking moves with the weights.

Percentile ranks are ``100 * (rank - 1) / (m - 1)`` over the ``m`` areas with a value
(average rank for ties), so the lowest area is 0, the highest 100 and the median 50.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from models.engagement import (
    BASIS_BOTH,
    BASIS_NONE,
    BASIS_REACH,
    BASIS_REVIEW,
    _column_name,
    _numeric,
    _rate_block,
    engagement_counts,
)
from models.weights import ENGAGEMENT_COMPONENTS, NEED_COMPONENTS, _Spec, _spec

__all__ = [
    "NEED_COMPONENTS",
    "ENGAGEMENT_COMPONENTS",
    "QUADRANTS",
    "PRIORITY_QUADRANT",
    "INPUT_COLUMNS",
    "SCORE_COLUMNS",
    "percentile_rank",
    "score_areas",
]

Q_HIGH_LOW = "high need, low engagement"
Q_HIGH_HIGH = "high need, high engagement"
Q_LOW_LOW = "low need, low engagement"
Q_LOW_HIGH = "low need, high engagement"
QUADRANTS: tuple[str, ...] = (Q_HIGH_LOW, Q_HIGH_HIGH, Q_LOW_LOW, Q_LOW_HIGH)
#: The quadrant outreach targets first (catchment summaries, venue siting).
PRIORITY_QUADRANT = Q_HIGH_LOW

#: Canonical input columns (``idaci_score``/``income_score``: at least one is needed;
#: ``travel_minutes_to_hub`` is optional and only used by :mod:`models.expected`).
INPUT_COLUMNS: tuple[str, ...] = (
    "under5_est",
    "imd_score",
    "idaci_score",
    "income_score",
    "review_eligible",
    "review_completed",
    "hub_children",
)
_REQUIRED = ("under5_est", "imd_score", "review_eligible", "review_completed", "hub_children")

_COMPONENT_COLUMNS: tuple[str, ...] = (
    "idaci_source",
    "need_idaci_pct",
    "need_imd_pct",
    "need_under5_pct",
    "review_rate",
    "review_rate_lo",
    "review_rate_hi",
    "review_rate_smoothed",
    "review_eb_weight",
    "review_funnel_flag",
    "review_funnel_flag_95",
    "reach_rate",
    "reach_rate_lo",
    "reach_rate_hi",
    "reach_rate_smoothed",
    "reach_eb_weight",
    "reach_funnel_flag",
    "reach_funnel_flag_95",
    "eng_review_pct",
    "eng_reach_pct",
    "shortfall_review",
    "shortfall_reach",
    "children_not_reviewed",
    "children_not_reached",
    "engagement_basis",
)
_COMBINED_COLUMNS: tuple[str, ...] = (
    "need_contrib_idaci",
    "need_contrib_imd",
    "need_contrib_under5",
    "need_index",
    "need_score",
    "eng_contrib_review",
    "eng_contrib_reach",
    "engagement_index",
    "engagement_score",
    "engagement_shortfall",
    "priority_score",
    "priority_rank",
    "quadrant",
    "need_weighted_not_reviewed",
    "need_weighted_not_reached",
)
#: Every column :func:`score_areas` adds (existing columns of these names are replaced).
SCORE_COLUMNS: tuple[str, ...] = _COMPONENT_COLUMNS + _COMBINED_COLUMNS


# --------------------------------------------------------------------------- helpers


def percentile_rank(values: ArrayLike) -> NDArray[np.float64]:
    """Percentile rank (0-100) of each value among the non-missing values.

    ``100 * (rank - 1) / (m - 1)`` with average ranks for ties, where ``m`` is the number
    of non-missing values; a single value gets 50 and NaN stays NaN.

    Parameters
    ----------
    values : array_like
        Numbers (NaN allowed).

    Returns
    -------
    ndarray
        Percentile ranks in [0, 100].

    Examples
    --------
    >>> percentile_rank([10, 30, 20, np.nan, 20]).tolist()
    [0.0, 100.0, 50.0, nan, 50.0]
    """
    s = pd.Series(np.asarray(values, dtype=float))
    m = int(s.notna().sum())
    if m <= 1:
        return np.where(s.notna(), 50.0, np.nan)
    return ((s.rank(method="average") - 1.0) / (m - 1.0) * 100.0).to_numpy()


def _check_columns(areas: pd.DataFrame, prefix_map: Mapping[str, str] | None) -> None:
    missing = [c for c in _REQUIRED if _column_name(c, prefix_map) not in areas.columns]
    if not any(_column_name(c, prefix_map) in areas.columns for c in ("idaci_score", "income_score")):
        missing.append("idaci_score or income_score")
    if missing:
        raise ValueError(f"areas is missing column(s): {missing}")


def _components(areas: pd.DataFrame, prefix_map: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Everything that does not depend on the weights (rates, percentiles, counts).

    ``attrs["smoothing"]`` holds each engagement component's fitted prior.
    """
    _check_columns(areas, prefix_map)
    under5 = _numeric(areas, "under5_est", prefix_map)
    imd = _numeric(areas, "imd_score", prefix_map)
    idaci = _numeric(areas, "idaci_score", prefix_map)
    income = _numeric(areas, "income_score", prefix_map)
    counts = engagement_counts(areas, prefix_map)
    completed, eligible, _ = counts["review"]
    hub = np.nan_to_num(_numeric(areas, "hub_children", prefix_map), nan=0.0).clip(min=0.0)

    has_idaci = np.isfinite(idaci)
    idaci_value = np.where(has_idaci, idaci, income)
    source = np.select(
        [has_idaci, np.isfinite(income)], ["idaci", "income"], default="missing"
    ).astype(object)

    cols: dict[str, Any] = {
        "idaci_source": source,
        "_idaci_value": idaci_value,
        "need_idaci_pct": percentile_rank(idaci_value),
        "need_imd_pct": percentile_rank(imd),
        "need_under5_pct": percentile_rank(under5),
    }
    smoothing = {}
    for c in ENGAGEMENT_COMPONENTS:
        block, smoothing[c] = _rate_block(c, *counts[c])
        cols.update(block)
    cols["eng_review_pct"] = percentile_rank(cols["review_rate_smoothed"])
    cols["eng_reach_pct"] = percentile_rank(cols["reach_rate_smoothed"])
    for c in ENGAGEMENT_COMPONENTS:
        p0 = smoothing[c]["pooled_rate"]
        with np.errstate(divide="ignore", invalid="ignore"):
            cols[f"shortfall_{c}"] = 1.0 - cols[f"{c}_rate_smoothed"] / p0 if p0 > 0 else np.full(len(areas), np.nan)
    cols["children_not_reviewed"] = eligible - completed
    cols["children_not_reached"] = np.maximum(under5 - hub, 0.0)  # NaN where under5 unknown
    review_known, reach_known = counts["review"][2], counts["reach"][2]
    cols["engagement_basis"] = np.select(
        [review_known & reach_known, review_known, reach_known], [BASIS_BOTH, BASIS_REVIEW, BASIS_REACH], default=BASIS_NONE
    ).astype(object)
    out = pd.DataFrame(cols, index=areas.index)
    out.attrs["smoothing"] = smoothing
    return out


def _weighted(pcts: NDArray, w: NDArray) -> tuple[NDArray, NDArray]:
    """Per-row renormalised weighted mean of percentile columns.

    Returns ``(contributions, index)``; contributions sum to the index.
    """
    avail = np.isfinite(pcts)
    wmat = np.where(avail, w[None, :], 0.0)
    total = wmat.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        weff = np.where(total > 0, wmat / total, np.nan)
    contrib = weff * np.where(avail, pcts, 0.0)
    index = np.where(total[:, 0] > 0, contrib.sum(axis=1), np.nan)
    return contrib, index


def _priority_rank(priority: NDArray) -> NDArray[np.int64]:
    """1 = highest priority; ties and NaN (last) broken by row order."""
    key = np.where(np.isfinite(priority), priority, -np.inf)
    order = np.lexsort((np.arange(priority.size), -key))
    rank = np.empty(priority.size, dtype=np.int64)
    rank[order] = np.arange(1, priority.size + 1)
    return rank


def _combine(comp: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    """Weighted indices, scores, priority and quadrant from :func:`_components`."""
    need_pct = comp[[f"need_{c}_pct" for c in NEED_COMPONENTS]].to_numpy(dtype=float)
    need_w = np.array([spec.need[c] for c in NEED_COMPONENTS])
    need_contrib, need_index = _weighted(need_pct, need_w)
    eng_pct = comp[[f"eng_{c}_pct" for c in ENGAGEMENT_COMPONENTS]].to_numpy(dtype=float)
    eng_w = np.array([spec.engagement[c] for c in ENGAGEMENT_COMPONENTS])
    eng_contrib, eng_index = _weighted(eng_pct, eng_w)

    need_score = percentile_rank(need_index)
    eng_score = percentile_rank(eng_index)
    short = comp[[f"shortfall_{c}" for c in ENGAGEMENT_COMPONENTS]].to_numpy(dtype=float)
    _, shortfall = _weighted(short, eng_w)
    product = need_score * shortfall
    priority = need_score * np.clip(shortfall, 0.0, 1.0)

    high_need = need_score >= spec.high_need
    high_eng = eng_score >= spec.low_engagement
    known = np.isfinite(need_score) & np.isfinite(eng_score)
    quadrant = np.select(
        [~known, high_need & ~high_eng, high_need & high_eng, ~high_need & ~high_eng],
        [None, Q_HIGH_LOW, Q_HIGH_HIGH, Q_LOW_LOW],
        default=Q_LOW_HIGH,
    ).astype(object)

    cols: dict[str, Any] = {f"need_contrib_{c}": need_contrib[:, i] for i, c in enumerate(NEED_COMPONENTS)}
    cols["need_index"] = need_index
    cols["need_score"] = need_score
    cols.update({f"eng_contrib_{c}": eng_contrib[:, i] for i, c in enumerate(ENGAGEMENT_COMPONENTS)})
    cols["engagement_index"] = eng_index
    cols["engagement_score"] = eng_score
    cols["engagement_shortfall"] = shortfall
    cols["priority_score"] = priority
    cols["priority_rank"] = _priority_rank(product)
    cols["quadrant"] = quadrant
    cols["need_weighted_not_reviewed"] = comp["children_not_reviewed"].to_numpy() * need_score / 100.0
    cols["need_weighted_not_reached"] = comp["children_not_reached"].to_numpy() * need_score / 100.0
    return pd.DataFrame(cols, index=comp.index)


# --------------------------------------------------------------------------- public API


def score_areas(
    areas: pd.DataFrame, weights: Any, *, prefix_map: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Score areas on need, engagement and priority (high need x low engagement).

    Parameters
    ----------
    areas : DataFrame
        One row per area (LSOA or ward) with columns ``under5_est``, ``imd_score``,
        ``idaci_score`` (NaN where unavailable) and/or ``income_score``,
        ``review_eligible``, ``review_completed`` and ``hub_children``. Missing counts are
        treated as 0; ``review_completed`` is capped at ``review_eligible``.
    weights : ModelWeights-like
        Object with ``need`` (keys ``idaci``, ``imd``, ``under5``), ``engagement`` (keys
        ``review``, ``reach``), ``high_need_percentile`` and
        ``low_engagement_percentile``, e.g. ``geo.config.ModelWeights`` or
        :data:`models.weights.DEFAULT_WEIGHTS`. Each group of
        weights is normalised to sum to 1; missing keys count as 0.
    prefix_map : mapping of str to str, optional
        Where the input columns have other names. A key is either a canonical column name
        (``{"under5_est": "u5_gp"}``) or a column prefix (``{"review": "hv2"}`` reads
        ``hv2_eligible`` and ``hv2_completed``).

    Returns
    -------
    DataFrame
        A new frame with the same index: the input columns plus :data:`SCORE_COLUMNS`
        (existing columns with those names are replaced). ``attrs["model_weights"]`` holds
        the normalised weights and thresholds used.

        * need: ``idaci_source``, ``need_{idaci,imd,under5}_pct``,
          ``need_contrib_{idaci,imd,under5}``, ``need_index``, ``need_score``;
        * review take-up: ``review_rate``, ``review_rate_lo``/``_hi`` (Wilson 95%),
          ``review_rate_smoothed``, ``review_eb_weight``, ``review_funnel_flag`` (99.8%),
          ``review_funnel_flag_95``; the same ``reach_*`` columns for hub reach;
        * engagement: ``eng_{review,reach}_pct``, ``eng_contrib_{review,reach}``,
          ``engagement_index``, ``engagement_score``;
        * priority: ``priority_score``, ``priority_rank`` (1 = highest; ties by row
          order), ``quadrant``;
        * children: ``children_not_reviewed``, ``children_not_reached``,
          ``need_weighted_not_reviewed``, ``need_weighted_not_reached``;
        * ``engagement_basis``: ``"review and reach"``, ``"review only (no reach data)"``,
          ``"reach only (no review data)"`` or ``"no data: check the extract"`` (then
          the engagement score, priority and quadrant are missing and the area ranks last).

        ``attrs["smoothing"]`` holds, per engagement component, the fitted beta prior
        (``method``, ``prior_mean``, ``prior_size``, ``prior_var``), the ``pooled_rate``
        and the numbers of areas with and without data.

        Funnel flags compare each area with the pooled rate of the study area.
        High need means ``need_score >= high_need_percentile``; low engagement means
        ``engagement_score < low_engagement_percentile``.

    Examples
    --------
    >>> from models.weights import DEFAULT_WEIGHTS as w
    >>> areas = pd.DataFrame({
    ...     "under5_est": [120.0, 80.0, 95.0], "imd_score": [45.0, 10.0, 25.0],
    ...     "idaci_score": [0.40, 0.05, np.nan], "income_score": [0.30, 0.04, 0.15],
    ...     "review_eligible": [30, 25, 20], "review_completed": [12, 24, 15],
    ...     "hub_children": [20, 60, 40]}, index=["A", "B", "C"])
    >>> s = score_areas(areas, w)
    >>> s["priority_rank"].tolist(), s["quadrant"]["A"], s["idaci_source"]["C"]   # B, C score 0; C is engaged above the area rate
    ([1, 2, 3], 'high need, low engagement', 'income')
    """
    spec = _spec(weights)
    comp = _components(areas, prefix_map)
    comb = _combine(comp, spec)
    new = pd.concat([comp.drop(columns="_idaci_value"), comb], axis=1)
    base = areas.drop(columns=[c for c in SCORE_COLUMNS if c in areas.columns])
    out = pd.concat([base, new[list(SCORE_COLUMNS)]], axis=1)
    out.attrs = dict(areas.attrs)
    out.attrs["smoothing"] = comp.attrs["smoothing"]
    out.attrs["model_weights"] = {
        "need": dict(spec.need),
        "engagement": dict(spec.engagement),
        "high_need_percentile": spec.high_need,
        "low_engagement_percentile": spec.low_engagement,
    }
    return out
