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
  (below the low-engagement percentile or not); withheld where that bit would pin a count.

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

__all__ = ["COLUMN_POLICY", "BAND_WIDTH", "EngagementModel", "band", "row_feasible", "cell_domain"]

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
    """Percentile rank (0-100, ties averaged) of candidate ``x`` among the other rows' values."""
    x = np.round(x, _DIGITS)
    m = len(sorted_all)
    if m <= 1:
        return np.full(np.shape(x), 50.0)
    less = np.searchsorted(sorted_all, x, side="left").astype(float)
    leq = np.searchsorted(sorted_all, x, side="right").astype(float)
    less -= (self_value < x)
    equal = leq - np.searchsorted(sorted_all, x, side="left") - (self_value == x)
    return 100.0 * (less + 0.5 * equal) / (m - 1)


def _smoothed(k, n, mean: float, size: float) -> np.ndarray:
    """Empirical-Bayes rate ``(k + size * mean) / (n + size)`` (``mean`` where n = 0 or no spread)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    if not np.isfinite(size):
        return np.full(np.broadcast(k, n).shape, mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (k + size * mean) / (n + size), mean)


@dataclass
class EngagementModel:
    """The reader's model of one table: formulas plus published parameters.

    Build with :meth:`from_areas` from the table's true inputs (one row per area, no totals).
    """

    review_mean: float
    review_size: float
    reach_mean: float
    reach_size: float
    w_review: float
    w_reach: float
    low_engagement: float
    true: pd.DataFrame
    _review_sorted: np.ndarray
    _reach_sorted: np.ndarray
    _index_sorted: np.ndarray

    @staticmethod
    def _prior(k, n) -> tuple[float, float]:
        eb = eb_shrinkage(k, n)
        m, t2 = float(eb.prior_mean), float(eb.prior_var)
        if not np.isfinite(m):
            return 0.0, np.inf
        unit = m * (1 - m)
        return m, (unit / t2 - 1.0) if t2 > 0 and unit > 0 else np.inf

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
        rm, rs = cls._prior(k, n)
        hm, hs = cls._prior(k_reach, n_reach)
        true = pd.DataFrame({"k": k, "n": n, "h": hub, "n_reach": n_reach,
                             "need": pd.to_numeric(areas["need_score"], errors="coerce").to_numpy(float)}, index=areas.index)
        s_r, s_h = _smoothed(k, n, rm, rs), _smoothed(k_reach, n_reach, hm, hs)
        model = cls(rm, rs, hm, hs, eng.get("review", 0) / total, eng.get("reach", 0) / total,
                    float(getattr(weights, "low_engagement_percentile", 50.0)), true,
                    np.sort(np.round(s_r, _DIGITS)), np.sort(np.round(s_h, _DIGITS)), np.array([]))
        s_r, s_h = np.round(s_r, _DIGITS), np.round(s_h, _DIGITS)
        true["s_r"], true["s_h"] = s_r, s_h
        pr = pd.Series(s_r).rank(method="average").to_numpy()
        ph = pd.Series(s_h).rank(method="average").to_numpy()
        m = len(true)
        scale = 100.0 / (m - 1) if m > 1 else 0.0
        index = model.w_review * (pr - 1) * scale + model.w_reach * (ph - 1) * scale if m > 1 else np.full(m, 50.0)
        index = np.round(index, _DIGITS)
        true["index"] = index
        model._index_sorted = np.sort(index)
        p, e = model.scores(np.arange(m), k, n, hub)
        true["priority_band"], true["engagement_band"] = _band_array(p), _band_array(e)
        true["low_engagement"] = np.where(np.isfinite(e), (e < model.low_engagement).astype(float), np.nan)
        return model

    def scores(self, pos, k, n, h) -> tuple[np.ndarray, np.ndarray]:
        """Priority and engagement score of row ``pos`` (position, or array of positions) for candidate counts (broadcast)."""
        row = {c: self.true[c].to_numpy()[pos] for c in ("n_reach", "need", "s_r", "s_h", "index")}
        k, n, h = np.asarray(k, float), np.asarray(n, float), np.asarray(h, float)
        s_r = _smoothed(k, n, self.review_mean, self.review_size)
        s_h = _smoothed(np.minimum(h, row["n_reach"]), row["n_reach"], self.reach_mean, self.reach_size)
        with np.errstate(divide="ignore", invalid="ignore"):
            sf_r = 1 - s_r / self.review_mean if self.review_mean > 0 else np.nan
            sf_h = 1 - s_h / self.reach_mean if self.reach_mean > 0 else np.nan
        shortfall = self.w_review * sf_r + self.w_reach * sf_h
        priority = row["need"] * np.clip(shortfall, 0, 1)
        index = (self.w_review * _percentile_against(self._review_sorted, row["s_r"], s_r)
                 + self.w_reach * _percentile_against(self._reach_sorted, row["s_h"], s_h))
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


def row_feasible(model: EngagementModel, pos: int, domains: Mapping[str, np.ndarray],
                 published: Mapping[str, float | None]) -> dict[str, set]:
    """Values of each count of row ``pos`` consistent with its labels, identity and published bands.

    Parameters
    ----------
    domains : dict
        ``review_completed``, ``review_eligible``, ``children_not_reviewed``, ``hub_children``
        -> candidate values (from :func:`cell_domain`).
    published : dict
        ``priority_band``, ``engagement_band``, ``low_engagement`` as published (None: withheld).

    Returns
    -------
    dict of column -> set of feasible values
    """
    k_dom = domains["review_completed"]
    n_dom = domains["review_eligible"]
    nr_dom = set(domains["children_not_reviewed"].tolist())
    kk, nn = np.meshgrid(k_dom, n_dom, indexing="ij")
    kk, nn = kk.ravel(), nn.ravel()
    ok = (kk <= nn) & np.isin(nn - kk, list(nr_dom))
    kk, nn = kk[ok], nn[ok]
    hh = domains["hub_children"]
    if not len(kk) or not len(hh):
        return {c: set() for c in domains}
    p, e = model.scores(pos, kk[:, None], nn[:, None], hh[None, :])
    fit = np.ones(p.shape, dtype=bool)
    pb = published.get("priority_band")
    if pb is not None and np.isfinite(pb):
        fit &= np.abs(_band_array(p) - pb) < 1e-9
    eb = published.get("engagement_band")
    if eb is not None and np.isfinite(eb):
        fit &= np.abs(_band_array(e) - eb) < 1e-9
    low = published.get("low_engagement")
    if low is not None and np.isfinite(low):
        fit &= (e < model.low_engagement) == bool(low)
    i, j = np.nonzero(fit)
    return {"review_completed": set(kk[i].tolist()), "review_eligible": set(nn[i].tolist()),
            "children_not_reviewed": set((nn[i] - kk[i]).tolist()), "hub_children": set(hh[j].tolist())}


def pinned_in_row(feasible: Mapping[str, set], primary: Mapping[str, float]) -> list[str]:
    """Primary cells of a row (column -> true value) left with one feasible value."""
    return [c for c, v in primary.items() if len(feasible.get(c, ())) <= 1]


Key = Hashable
