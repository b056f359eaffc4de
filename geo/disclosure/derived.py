"""Derived statistics follow their counts: the per-column policy and the derived-channel attack.

A rate, score or flag computed from a withheld count can give the count back to a reader who
knows the formulas (README, :mod:`models.risk`) and the published parameters (study-area
rates, empirical-Bayes prior sizes, engagement weights). :data:`COLUMN_POLICY` says, for every
column of the exported LSOA and ward tables, which counts it derives from and how it is
published:

- ``"count"``: a count of children, published under the disclosure rule;
- ``"public"``: from public data only (IMD, population estimates, travel times), as is;
- ``"with-source"``: exact, but withheld (``"c"``) in every row where one of its source counts
  is withheld;
- ``"band"``: never exact: the lower edge of its 10-point band (0, 10, ..., 90), in every row;
  withheld in a row where even the band would pin a withheld count;
- ``"band-rank"``: the priority rank of the *bands* (band, then need score, then area code), so
  the order of rows says no more than the bands; withheld with the band;
- ``"bit"``: a coarse class (quadrant, gap type) revealing one bit of the engagement score
  (below the low-engagement percentile or not); withheld where that bit would pin a count;
- ``"coarse"``: the rank interval and top-N probability of the posterior bootstrap
  (:mod:`models.uncertainty`), published only coarsely (blocks of ranks, four classes of
  probability; :mod:`geo.disclosure.ranks`), withheld with the band (tiers 1 and 2), and in a
  row with a withheld count published only where every count the row's published cells allow
  gives the reader's model of the bootstrap the same coarse value (so they narrow nothing).
``engagement_basis`` ("reach only (no review data)" says ``review_eligible == 0``) is
``"with-source"``: withheld wherever the row's review counts are, so it never tells a withheld
"<5" apart from a withheld zero.

:class:`EngagementModel` is the reader's model of one table's rows: given candidate values of
a row's withheld counts it recomputes the smoothed rates, engagement score and priority from
the published parameters (percentiles against the other rows' true values, which only makes
the reader stronger). :func:`row_feasible` enumerates every candidate consistent with the
row's labels, its identity ``eligible = completed + not reviewed`` and its published bands.

Examples
--------
>>> band(pd.Series([0.0, 9.99, 10.0, 57.3, 100.0, np.nan])).tolist()
[0.0, 0.0, 10.0, 50.0, 90.0, nan]
>>> COLUMN_POLICY["priority_score"]
('band', ('review_completed', 'review_eligible', 'hub_children'))
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.stats import eb_shrinkage

__all__ = ["COLUMN_POLICY", "BAND_WIDTH", "EngagementModel", "band", "row_feasible", "row_candidates", "cell_domain"]

BAND_WIDTH = 10.0
"""Width of the published bands of 0-100 scores."""

_REVIEW = ("review_completed", "review_eligible")
_ENGAGEMENT = ("review_completed", "review_eligible", "hub_children")

#: column -> (how it is published, the counts it derives from). One place for the whole tool.
COLUMN_POLICY: dict[str, tuple[str, tuple[str, ...]]] = {
    "review_eligible": ("count", ()),
    "review_completed": ("count", ()),
    "children_not_reviewed": ("count", ()),
    "hub_children": ("count", ()),
    "children_reached": ("count", ()),
    "review_rate": ("with-source", _REVIEW),
    "review_rate_lo": ("with-source", _REVIEW),
    "review_rate_hi": ("with-source", _REVIEW),
    "review_rate_smoothed": ("with-source", _REVIEW),
    "review_funnel_flag": ("with-source", _REVIEW),
    "review_obs_minus_exp": ("with-source", _REVIEW),
    "reviewed_pct": ("with-source", _REVIEW),
    "reach_rate": ("with-source", ("hub_children",)),
    "reach_rate_smoothed": ("with-source", ("hub_children",)),
    "children_not_reached": ("with-source", ("hub_children",)),
    "need_weighted_not_reached": ("with-source", ("hub_children",)),
    "reached_pct": ("with-source", ("children_reached",)),
    "priority_score": ("band", _ENGAGEMENT),
    "engagement_score": ("band", _ENGAGEMENT),
    "priority_rank": ("band-rank", _ENGAGEMENT),
    "quadrant": ("bit", _ENGAGEMENT),
    "engagement_basis": ("with-source", _REVIEW),
    "priority_rank_lo": ("coarse", _ENGAGEMENT),
    "priority_rank_hi": ("coarse", _ENGAGEMENT),
    "p_top": ("coarse", _ENGAGEMENT),
    "gap_type": ("bit", _ENGAGEMENT),
    "need_score": ("public", ()),
    "imd_score": ("public", ()),
    "imd_decile": ("public", ()),
    "idaci_score": ("public", ()),
    "under5_est": ("public", ()),
    "expected_review_rate": ("public", ()),
    "travel_minutes_to_hub": ("public", ()),
}


def band(values: pd.Series, width: float = BAND_WIDTH) -> pd.Series:
    """Lower edge of the ``width``-point band of a 0-100 score (100 falls in the top band)."""
    if isinstance(values, pd.Series):
        v = pd.to_numeric(values, errors="coerce").astype(float)
        return pd.Series(_band_array(v.to_numpy(), width), index=v.index)
    return _band_array(np.asarray(values, dtype=float), width)


def _band_array(v: np.ndarray, width: float = BAND_WIDTH) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.floor(np.minimum(v, 100.0 - 1e-9) / width) * width


_DIGITS = 9  # rates and indices are compared at this precision (sums of percentiles tie only up to rounding)


def _percentile_against(sorted_all: np.ndarray, self_value: float, x: np.ndarray) -> np.ndarray:
    """Percentile rank (0-100, ties averaged) of candidate ``x`` among the other rows' known values.

    ``sorted_all`` holds every row's true known (finite) value, the row's own ``self_value``
    among them unless it is unknown (NaN). An unknown candidate (NaN) has no percentile, as in
    :func:`models.risk.percentile_rank`.
    """
    x = np.round(np.asarray(x, float), _DIGITS)
    self_value = np.asarray(self_value, float)
    own = np.isfinite(self_value)
    others = len(sorted_all) - own.astype(float)
    less = np.searchsorted(sorted_all, x, side="left").astype(float)
    leq = np.searchsorted(sorted_all, x, side="right").astype(float)
    less -= own & (self_value < x)
    equal = leq - np.searchsorted(sorted_all, x, side="left") - (own & (self_value == x))
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(others >= 1, 100.0 * (less + 0.5 * equal) / np.maximum(others, 1), 50.0)
    return np.where(np.isfinite(x), pct, np.nan)


def _smoothed(k, n, mean: float, size: float) -> np.ndarray:
    """Empirical-Bayes rate ``(k + size * mean) / (n + size)``; NaN (unknown) where n = 0."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    shape = np.broadcast(k, n).shape
    if not np.isfinite(mean):
        return np.full(shape, np.nan)
    if not np.isfinite(size):
        return np.where(n > 0, np.full(shape, mean), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (k + size * mean) / (n + size), np.nan)


def _renormalised(parts: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """Weighted mean of the known (finite) parts, weights renormalised per value; NaN where none is known."""
    num = sum(np.where(np.isfinite(v), w * np.nan_to_num(v), 0.0) for w, v in parts)
    den = sum(np.where(np.isfinite(v), w, 0.0) for w, v in parts)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _pct_all(v: np.ndarray) -> np.ndarray:
    """Percentile rank of every known value among the known values (README), NaN stays NaN."""
    s = pd.Series(v)
    m = int(s.notna().sum())
    if m <= 1:
        return np.where(s.notna(), 50.0, np.nan)
    return ((s.rank(method="average") - 1.0) / (m - 1.0) * 100.0).to_numpy()


@dataclass
class Component:
    """The published parameters of one engagement component (``model.json`` ``smoothing``)."""

    prior_mean: float
    prior_size: float
    pooled_rate: float
    weight: float
    any_data: bool

    @classmethod
    def fit(cls, k: np.ndarray, n: np.ndarray, weight: float) -> Component:
        eb = eb_shrinkage(k, n)
        pooled = float(k.sum() / n.sum()) if n.sum() > 0 else float("nan")
        return cls(float(eb.prior_mean), float(eb.prior_size), pooled, weight, bool(k.sum() > 0))

    def smoothed(self, k, n) -> np.ndarray:
        """Smoothed rate, NaN where the component is unknown (no denominator, or no data anywhere)."""
        if not self.any_data:
            return np.full(np.broadcast(np.asarray(k), np.asarray(n)).shape, np.nan)
        return _smoothed(k, n, self.prior_mean, self.prior_size)

    def shortfall(self, s: np.ndarray) -> np.ndarray:
        """``1 - smoothed / study-area rate`` (NaN where unknown)."""
        if not (self.pooled_rate > 0):
            return np.full(np.shape(s), np.nan)
        return 1.0 - s / self.pooled_rate


@dataclass
class EngagementModel:
    """The reader's model of one table: the README's formulas plus the published parameters.

    Published parameters: each component's beta prior (mean and size, ``model.json``
    ``smoothing``), the study-area rates and the engagement weights. A component is unknown
    in a row without a denominator; the row's index and shortfall then renormalise the weights
    over its known components, and a row with neither has no engagement score, priority or
    quadrant (blank: a published value the reader can match). Build with :meth:`from_areas`
    from the table's true inputs (one row per area, no totals).
    """

    review: Component
    reach: Component
    low_engagement: float
    true: pd.DataFrame
    _review_sorted: np.ndarray
    _reach_sorted: np.ndarray
    _index_sorted: np.ndarray

    @classmethod
    def from_areas(cls, areas: pd.DataFrame, weights) -> EngagementModel:
        """``areas`` has ``review_completed, review_eligible, hub_children, under5_est, need_score``."""
        n = np.nan_to_num(pd.to_numeric(areas["review_eligible"], errors="coerce").to_numpy(float)).clip(min=0)
        k = np.clip(np.nan_to_num(pd.to_numeric(areas["review_completed"], errors="coerce").to_numpy(float)), 0, n)
        hub = np.nan_to_num(pd.to_numeric(areas["hub_children"], errors="coerce").to_numpy(float)).clip(min=0)
        n_reach = np.floor(np.nan_to_num(pd.to_numeric(areas["under5_est"], errors="coerce").to_numpy(float)).clip(min=0) + 0.5)
        k_reach = np.minimum(hub, n_reach)
        eng = dict(getattr(weights, "engagement", {"review": 0.5, "reach": 0.5}))
        total = sum(eng.values()) or 1.0
        review = Component.fit(k, n, eng.get("review", 0) / total)
        reach = Component.fit(k_reach, n_reach, eng.get("reach", 0) / total)
        true = pd.DataFrame({"k": k, "n": n, "h": hub, "n_reach": n_reach,
                             "need": pd.to_numeric(areas["need_score"], errors="coerce").to_numpy(float)}, index=areas.index)
        s_r, s_h = np.round(review.smoothed(k, n), _DIGITS), np.round(reach.smoothed(k_reach, n_reach), _DIGITS)
        true["s_r"], true["s_h"] = s_r, s_h
        index = np.round(_renormalised([(review.weight, _pct_all(s_r)), (reach.weight, _pct_all(s_h))]), _DIGITS)
        true["index"] = index
        model = cls(review, reach, float(getattr(weights, "low_engagement_percentile", 50.0)), true,
                    np.sort(s_r[np.isfinite(s_r)]), np.sort(s_h[np.isfinite(s_h)]), np.sort(index[np.isfinite(index)]))
        p, e = model.scores(np.arange(len(true)), k, n, hub)
        true["priority_band"], true["engagement_band"] = _band_array(p), _band_array(e)
        true["low_engagement"] = np.where(np.isfinite(e), (e < model.low_engagement).astype(float), np.nan)
        return model

    def scores(self, pos, k, n, h) -> tuple[np.ndarray, np.ndarray]:
        """Priority and engagement score of row ``pos`` (position, or array of positions) for candidate counts (broadcast).

        NaN where the candidate leaves the row without any known component.
        """
        row = {c: self.true[c].to_numpy()[pos] for c in ("n_reach", "need", "s_r", "s_h", "index")}
        k, n, h = np.asarray(k, float), np.asarray(n, float), np.asarray(h, float)
        s_r = self.review.smoothed(k, n)
        s_h = self.reach.smoothed(np.minimum(h, row["n_reach"]), row["n_reach"])
        shortfall = _renormalised([(self.review.weight, self.review.shortfall(s_r)),
                                   (self.reach.weight, self.reach.shortfall(s_h))])
        priority = row["need"] * np.clip(shortfall, 0, 1)
        index = _renormalised([(self.review.weight, _percentile_against(self._review_sorted, row["s_r"], s_r)),
                               (self.reach.weight, _percentile_against(self._reach_sorted, row["s_h"], s_h))])
        return priority, _percentile_against(self._index_sorted, row["index"], index)

    def published(self, pos: int) -> dict[str, float]:
        """The row's true published derived cells: priority band, engagement band, low-engagement bit."""
        t = self.true.iloc[pos]
        return {"priority_band": float(t["priority_band"]), "engagement_band": float(t["engagement_band"]),
                "low_engagement": float(t["low_engagement"])}


def cell_domain(shown, *, threshold: int, upper: int, zero_small: bool, rounding: int = 1) -> np.ndarray:
    """Integer values a reader must consider for one published count cell (label or number).

    Examples
    --------
    >>> cell_domain("<5", threshold=5, upper=20, zero_small=False).tolist()
    [1, 2, 3, 4]
    >>> cell_domain("c", threshold=5, upper=7, zero_small=False).tolist()
    [0, 5, 6, 7]
    >>> cell_domain(10, threshold=8, upper=30, zero_small=False, rounding=5).tolist()   # shown 10: 8 to 12
    [8, 9, 10, 11, 12]
    """
    if isinstance(shown, str):
        s = shown.strip()
        if s == "c":
            lo = threshold
            vals = np.arange(lo, max(upper, lo) + 1)
            return vals if zero_small else np.r_[0, vals]
        if s.startswith("<") or s == "*":
            return np.arange(0 if zero_small else 1, threshold)
        s = s.replace(",", "")
        shown = float(s) if s else np.nan
    try:
        v = float(shown)
    except (TypeError, ValueError):
        return np.arange(0, upper + 1)
    if not np.isfinite(v):
        return np.arange(0, upper + 1)
    if rounding > 1:
        cand = np.arange(max(0, int(v) - rounding), int(v) + rounding + 1)
        near = np.floor(cand / rounding + 0.5) * rounding == v
        return cand[near & ((cand >= threshold) | ((cand == 0) & (not zero_small)))]
    return np.array([v])


def row_candidates(model: EngagementModel, pos: int, domains: Mapping[str, np.ndarray],
                   published: Mapping[str, float | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ``(review_completed, review_eligible, hub_children)`` of row ``pos`` consistent with its
    labels, the identity ``eligible = completed + not reviewed`` and its published bands (arrays)."""
    kk, nn = np.meshgrid(domains["review_completed"], domains["review_eligible"], indexing="ij")
    kk, nn = kk.ravel(), nn.ravel()
    ok = (kk <= nn) & np.isin(nn - kk, domains["children_not_reviewed"])
    kk, nn = kk[ok], nn[ok]
    hh = np.asarray(domains["hub_children"])
    if not len(kk) or not len(hh):
        return np.array([]), np.array([]), np.array([])
    p, e = model.scores(pos, kk[:, None], nn[:, None], hh[None, :])
    fit = np.ones(p.shape, dtype=bool)
    for name, score in (("priority_band", p), ("engagement_band", e)):
        shown = published.get(name)  # None: withheld; NaN: published blank ("no data")
        if shown is not None:
            fit &= np.isnan(score) if not np.isfinite(shown) else np.abs(_band_array(score) - shown) < 1e-9
    low = published.get("low_engagement")
    if low is not None:
        fit &= np.isnan(e) if not np.isfinite(low) else np.isfinite(e) & ((e < model.low_engagement) == bool(low))
    i, j = np.nonzero(fit)
    return kk[i].astype(float), nn[i].astype(float), hh[j].astype(float)


def row_feasible(model: EngagementModel, pos: int, domains: Mapping[str, np.ndarray],
                 published: Mapping[str, float | None]) -> dict[str, set]:
    """Values of each count of row ``pos`` consistent with its labels, identity and published bands.

    Parameters
    ----------
    domains : dict
        ``review_completed``, ``review_eligible``, ``children_not_reviewed``, ``hub_children``
        -> candidate values (from :func:`cell_domain`).
    published : dict
        ``priority_band``, ``engagement_band``, ``low_engagement`` as published (None: withheld; NaN:
        published blank, a "no data" row the candidates must reproduce).

    Returns
    -------
    dict of column -> set of feasible values
    """
    k, n, h = row_candidates(model, pos, domains, published)
    return {"review_completed": set(k.tolist()), "review_eligible": set(n.tolist()),
            "children_not_reviewed": set((n - k).tolist()), "hub_children": set(h.tolist())}


def pinned_in_row(feasible: Mapping[str, set], primary: Mapping[str, float]) -> list[str]:
    """Primary cells of a row (column -> true value) left with one feasible value."""
    return [c for c, v in primary.items() if len(feasible.get(c, ())) <= 1]


Key = Hashable
