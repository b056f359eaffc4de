"""Rank intervals and top-N chances, published coarsely and only where they narrow no withheld count.

:mod:`models.uncertainty` gives every area a 90% interval of its priority rank
(``priority_rank_lo``, ``priority_rank_hi``) and the chance ``p_top`` of ranking in the top N,
from posterior draws of its take-up rates: functions of every area's counts. They are
published (:data:`geo.disclosure.derived.COLUMN_POLICY` ``"coarse"``)

* coarsely: the interval widened to whole blocks of :func:`rank_block` ranks, ``p_top`` as one
  of "<10%", "10-50%", "50-90%", ">90%";
* withheld (``"c"``) with the priority band (tiers 1 and 2 of :mod:`geo.disclosure.publish`);
* in a row with a withheld count, only where the reader's model of the bootstrap
  (:class:`RankModel`: the other areas' draws as drawn, the row's own draws from its posterior
  under each candidate count, every candidate from the same seeded stream) gives the same coarse value for
  every count the row's published cells allow (:func:`geo.disclosure.derived.row_candidates`),
  and that value is the one published. They then narrow nothing the derived attack has not
  already allowed, so its guarantee (derived and additive channels together) carries over.

Examples
--------
>>> lo, hi = rank_band_edges(pd.Series([1.0, 14.0, np.nan]), pd.Series([3.0, 27.0, np.nan]), width=10)
>>> lo.tolist(), hi.tolist()
([1.0, 11.0, nan], [10.0, 30.0, nan])
>>> p_top_band(pd.Series([0.0, 0.1, 0.5, 0.9, 0.95, np.nan])).tolist()
['<10%', '10-50%', '50-90%', '50-90%', '>90%', nan]
>>> rank_block(224), rank_block(20), rank_block(33000)
(30, 10, 3300)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.disclosure.derived import EngagementModel, _renormalised

__all__ = ["RankModel", "rank_block", "rank_band_edges", "p_top_band", "P_TOP_BANDS"]

#: Upper edges and labels of the published classes of ``p_top`` (above the last: ">90%").
P_TOP_BANDS = ((0.1, "<10%"), (0.5, "10-50%"), (0.9, "50-90%"))


def rank_block(n_ranked: int) -> int:
    """Width of the published rank blocks: about a tenth of the ranked areas, a multiple of 10, at least 10."""
    return max(10, 10 * int(np.ceil(n_ranked / 100.0)))


def rank_band_edges(lo, hi, *, width: int) -> tuple[pd.Series, pd.Series]:
    """A rank interval widened to whole blocks of ``width`` ranks (lo down to 1, 1 + width, ...; hi up to width, 2 width, ...)."""
    lo = pd.to_numeric(pd.Series(lo), errors="coerce").astype(float)
    hi = pd.to_numeric(pd.Series(hi), errors="coerce").astype(float)
    return np.floor((lo - 1) / width) * width + 1, np.ceil(hi / width) * width


def _p_top_label(v: float):
    if not np.isfinite(v):
        return np.nan
    return next((label for edge, label in P_TOP_BANDS if v < edge or (edge == P_TOP_BANDS[-1][0] and v <= edge)), ">90%")


def p_top_band(p) -> pd.Series:
    """``p_top`` as "<10%", "10-50%", "50-90%" (90% included) or ">90%" (NaN: unranked)."""
    return pd.to_numeric(pd.Series(p), errors="coerce").astype(float).map(_p_top_label).astype(object)


def _posterior(comp, k, n, stream: list[int], draws: int) -> np.ndarray:
    """``draws`` rates from the beta posterior ``Beta(k + M m, n - k + M (1 - m))`` of each candidate
    ``(k, n)`` (rows; NaN: unknown), every candidate from the same seeded stream (common random numbers)."""
    k, n = np.broadcast_arrays(np.ravel(np.asarray(k, float)), np.ravel(np.asarray(n, float)))
    out = np.full((k.size, draws), np.nan)
    for i, (ki, ni) in enumerate(zip(k, n)):
        if ni > 0 and comp.any_data:
            if not np.isfinite(comp.prior_size):
                out[i] = comp.prior_mean
                continue
            a = max(ki + comp.prior_size * comp.prior_mean, 1e-12)
            b = max(ni - ki + comp.prior_size * (1 - comp.prior_mean), 1e-12)
            out[i] = np.random.default_rng(stream).beta(a, b, draws)
    return out


def _drawn(rng: np.random.Generator, comp, k, n, draws: int) -> np.ndarray:
    """``draws`` rows of rates from every area's beta posterior (NaN: unknown)."""
    known = (n > 0) & comp.any_data
    if not np.isfinite(comp.prior_size):
        return np.tile(np.where(known, comp.prior_mean, np.nan), (draws, 1))
    a = np.maximum(k + comp.prior_size * comp.prior_mean, 1e-12)
    b = np.maximum(n - k + comp.prior_size * (1 - comp.prior_mean), 1e-12)
    return np.where(known, rng.beta(a, b, size=(draws, k.size)), np.nan)


@dataclass
class RankModel:
    """The reader's model of the rank intervals and ``p_top`` of one table (see the module notes)."""

    model: EngagementModel
    draws: int
    top_n: int
    level: float
    seed: int
    own: np.ndarray  # (draws, areas) each area's drawn priority (-inf: unranked)
    flat: np.ndarray  # the draws sorted within each draw, offset per draw, flattened
    offset: float
    n_ranked: int

    @classmethod
    def from_model(cls, model: EngagementModel, *, draws: int, top_n: int, seed: int, level: float = 0.9) -> RankModel:
        t = model.true
        rng = np.random.default_rng([seed, 18])
        need, k, n, h, n_reach = (t[c].to_numpy(float) for c in ("need", "k", "n", "h", "n_reach"))
        rate_r = _drawn(rng, model.review, k, n, draws)
        rate_h = _drawn(rng, model.reach, np.minimum(h, n_reach), n_reach, draws)
        own = need * _renormalised([(model.review.weight, model.review.shortfall(rate_r)),
                                    (model.reach.weight, model.reach.shortfall(rate_h))])
        own = np.where(np.isfinite(own), own, -np.inf)
        offset = 4.0 * (np.abs(own[np.isfinite(own)]).max(initial=1.0) + 1.0)
        flat = (np.sort(np.where(np.isfinite(own), own, -offset / 2), axis=1) + offset * np.arange(draws)[:, None]).ravel()
        n_ranked = int(np.isfinite(own[0]).sum()) if draws else 0
        return cls(model, draws, top_n, level, seed, own, flat, offset, n_ranked)

    def _priority(self, pos: int, k, n, h) -> np.ndarray:
        """Drawn priority (unclipped shortfall, as :mod:`models.uncertainty` ranks) of row ``pos``,
        one row of draws per candidate (each distinct (k, n) and h drawn once)."""
        model, t = self.model, self.model.true
        n_reach = t["n_reach"].iat[pos]
        kn, inv_kn = np.unique(np.column_stack([np.ravel(k), np.ravel(n)]), axis=0, return_inverse=True)
        hh, inv_h = np.unique(np.minimum(np.ravel(h), n_reach), return_inverse=True)
        rate_r = _posterior(model.review, kn[:, 0], kn[:, 1], [self.seed, 18, pos, 0], self.draws)[inv_kn.ravel()]
        rate_h = _posterior(model.reach, hh, n_reach, [self.seed, 18, pos, 1], self.draws)[inv_h.ravel()]
        shortfall = _renormalised([(model.review.weight, model.review.shortfall(rate_r)),
                                   (model.reach.weight, model.reach.shortfall(rate_h))])
        return t["need"].iat[pos] * shortfall

    def coarse(self, pos: int, k, n, h) -> pd.DataFrame:
        """The coarse rank interval and ``p_top`` class of row ``pos`` for candidate counts (one row each)."""
        k, n, h = (np.ravel(np.asarray(v, float)) for v in (k, n, h))
        x = self._priority(pos, k, n, h)  # (candidates, draws)
        if not np.isfinite(x).all():
            return pd.DataFrame({"lo": np.nan, "hi": np.nan, "p_top": np.nan}, index=range(len(k)))
        d = np.arange(self.draws)[None, :]
        above = self.own.shape[1] * (d + 1) - np.searchsorted(self.flat, x + self.offset * d, side="right")
        ranks = 1 + above - (self.own[:, pos][None, :] > x)  # not above itself; unranked areas sit below every draw
        lo_i = max(int(np.ceil((1.0 - self.level) / 2.0 * self.draws)) - 1, 0)
        hi_i = min(int(np.ceil((1.0 + self.level) / 2.0 * self.draws)) - 1, self.draws - 1)
        part = np.partition(ranks, (lo_i, hi_i), axis=1)
        lo, hi = rank_band_edges(part[:, lo_i], part[:, hi_i], width=rank_block(self.n_ranked))
        return pd.DataFrame({"lo": lo.to_numpy(), "hi": hi.to_numpy(),
                             "p_top": p_top_band((ranks <= self.top_n).mean(axis=1)).to_numpy()})
