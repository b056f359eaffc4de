"""How certain the priority ranks are: a parametric (posterior) bootstrap.

The priority of an area is ``need_score x engagement_shortfall`` where the shortfall rests
on smoothed (posterior mean) take-up rates. Need comes from published deprivation and
population figures and is held fixed; the take-up rates are estimates from small counts.
:func:`rank_intervals` draws every area's true review take-up and hub reach from its
beta posterior under the fitted beta-binomial prior (``Beta(k + M m, n - k + M (1 - m))``),
recomputes the shortfall and the priority of every area in each draw, and ranks them. Over
the draws each area gets

* ``priority_rank_lo``, ``priority_rank_hi``: the central ``level`` (default 90%) interval
  of its rank (1 = highest priority), and
* ``p_top``: the share of draws in which it ranks among the top ``top_n``.

Drawing the *rates* from the posterior (rather than re-sampling counts and re-smoothing
them) makes the interval a statement about the rank the area's true take-up would give
it, which is what a commissioner moving sessions needs; on simulated study areas whose
true rates come from a beta prior its coverage of the true rank is about the nominal
level (``tests/models/test_uncertainty.py``).

Areas with no engagement data at all, or no need score, are not ranked (NaN).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.engagement import engagement_counts
from models.risk import ENGAGEMENT_COMPONENTS

__all__ = ["RANK_COLUMNS", "rank_intervals", "rank_settings"]

#: Columns :func:`rank_intervals` adds.
RANK_COLUMNS: tuple[str, ...] = ("priority_rank_lo", "priority_rank_hi", "p_top")

_CHUNK_CELLS = 4_000_000  # draws x areas held at once (about 32 MB of float64)


def _draw_rates(rng: np.random.Generator, k: NDArray, n: NDArray, prior: Mapping[str, float], draws: int) -> NDArray:
    """``draws`` rows of rates drawn from each area's posterior ``Beta(k + M m, n - k + M (1 - m))``
    (as ``G1 / (G1 + G2)`` of single-precision gamma draws); the prior mean everywhere when the
    prior has no between-area variation (``M`` infinite)."""
    m, size = float(prior["prior_mean"]), float(prior["prior_size"])
    if not np.isfinite(size):
        return np.full((draws, k.size), m, dtype=np.float32)
    shape = (draws, k.size)
    g1 = rng.standard_gamma(np.broadcast_to((k + size * m).astype(np.float32), shape), dtype=np.float32)
    g2 = rng.standard_gamma(np.broadcast_to((n - k + size * (1.0 - m)).astype(np.float32), shape), dtype=np.float32)
    return g1 / (g1 + g2)


def _ranks_desc(values: NDArray) -> NDArray:
    """Row-wise ranks (1 = largest) of a (draws, areas) matrix (ties, of probability zero for
    drawn rates, in any order)."""
    order = np.argsort(-values, axis=1)
    dtype = np.uint16 if values.shape[1] < 2**16 else np.int32
    ranks = np.empty(values.shape, dtype=dtype)
    np.put_along_axis(ranks, order, np.arange(1, values.shape[1] + 1, dtype=dtype)[None, :], axis=1)
    return ranks


def _spearman_rows(ranks: NDArray, base: NDArray) -> NDArray:
    """Spearman correlation of each row of ``ranks`` with ``base`` (permutations, no ties)."""
    s = base.size
    if s < 2:
        return np.full(ranks.shape[0], np.nan)
    d = ranks.astype(np.float64) - base[None, :]
    return 1.0 - 6.0 * np.sum(d * d, axis=1) / (s * (s * s - 1.0))


def rank_intervals(
    scored: pd.DataFrame,
    *,
    top_n: int = 20,
    draws: int = 1000,
    level: float = 0.9,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    prefix_map: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Rank intervals and top-N probabilities of every area by a posterior bootstrap.

    Parameters
    ----------
    scored : DataFrame
        Output of :func:`models.risk.score_areas` (its ``attrs["smoothing"]`` and
        ``attrs["model_weights"]`` are used).
    top_n : int, default 20
        ``p_top`` is the probability of ranking among the top ``top_n``.
    draws : int, default 1000
        Posterior draws.
    level : float, default 0.9
        Coverage of the rank interval.
    seed : int, default 0
        Seed of the draws (results are deterministic given it).
    weights : mapping, optional
        Engagement weights (default ``scored.attrs["model_weights"]["engagement"]``).
    prefix_map : mapping, optional
        As in :func:`models.risk.score_areas`.

    Returns
    -------
    DataFrame
        Same index, columns :data:`RANK_COLUMNS` (NaN for unranked areas).
        ``attrs["rank_stability"]`` summarises the ranking's stability under sampling
        noise: ``draws``, ``level``, ``top_n``, ``areas_ranked``, the median and minimum
        Spearman correlation of a draw's ranks with the reported ranks and the minimum,
        median and maximum overlap of a draw's top ``top_n`` with the reported top ``top_n``.

    Examples
    --------
    >>> from models.risk import score_areas
    >>> from models.weights import DEFAULT_WEIGHTS as w
    >>> rng = np.random.default_rng(0)
    >>> a = pd.DataFrame({"under5_est": rng.uniform(50, 150, 60), "imd_score": rng.uniform(5, 60, 60),
    ...     "idaci_score": rng.uniform(0, .5, 60), "review_eligible": rng.integers(0, 6, 60),
    ...     "hub_children": rng.integers(0, 50, 60)})
    >>> a["review_completed"] = rng.binomial(a["review_eligible"], 0.6)
    >>> r = rank_intervals(score_areas(a, w), top_n=10, draws=200)
    >>> s = score_areas(a, w)
    >>> bool(((r["priority_rank_lo"] <= s["priority_rank"]) & (s["priority_rank"] <= r["priority_rank_hi"])).mean() > 0.8)
    True
    >>> round(float(r["p_top"].sum()), 6)   # each draw has exactly 10 areas in its top 10
    10.0
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if draws < 1 or top_n < 1:
        raise ValueError(f"draws and top_n must be at least 1, got {draws!r} and {top_n!r}")
    smoothing = scored.attrs.get("smoothing")
    if smoothing is None:
        raise ValueError("scored has no attrs['smoothing']: pass the output of models.risk.score_areas")
    w = dict(weights) if weights is not None else dict(scored.attrs["model_weights"]["engagement"])
    need = scored["need_score"].to_numpy(dtype=float)
    counts = engagement_counts(scored, prefix_map)
    known = np.column_stack([counts[c][2] for c in ENGAGEMENT_COMPONENTS])
    wmat = np.where(known, np.array([w.get(c, 0.0) for c in ENGAGEMENT_COMPONENTS])[None, :], 0.0)
    ranked = np.isfinite(need) & (wmat.sum(axis=1) > 0)
    idx = np.flatnonzero(ranked)
    weff = wmat[idx] / wmat[idx].sum(axis=1, keepdims=True)
    base_rank = pd.Series(scored["priority_rank"].to_numpy()[idx]).rank(method="first").to_numpy()

    rng = np.random.default_rng(seed)
    s = idx.size
    chunk = max(1, _CHUNK_CELLS // max(s, 1))
    ranks = np.empty((s, draws), dtype=np.uint16 if s < 2**16 else np.int32)  # area by draw
    rho = np.full(draws, np.nan)
    need_ranked = need[idx].astype(np.float32)
    for start in range(0, draws, chunk):
        b = min(chunk, draws - start)
        shortfall = np.zeros((b, s), dtype=np.float32)
        for j, c in enumerate(ENGAGEMENT_COMPONENTS):
            use = weff[:, j] > 0
            if not use.any():
                continue
            k, n, _ = counts[c]
            rate = _draw_rates(rng, k[idx][use], n[idx][use], smoothing[c], b)
            shortfall[:, use] += (weff[use, j][None, :] * (1.0 - rate / float(smoothing[c]["pooled_rate"]))).astype(
                np.float32
            )
        block = _ranks_desc(need_ranked[None, :] * shortfall)
        ranks[:, start : start + b] = block.T
        rho[start : start + b] = _spearman_rows(block, base_rank)

    out = pd.DataFrame(np.nan, index=scored.index, columns=list(RANK_COLUMNS))
    top = min(top_n, s)
    overlap = ((ranks <= top) & (base_rank <= top)[:, None]).sum(axis=0) if s else np.array([0])
    if s:
        out.iloc[idx, 2] = (ranks <= top_n).mean(axis=1)
        # the inverted-CDF quantiles (an actual drawn rank) at (1 - level) / 2 and (1 + level) / 2
        lo_i = max(int(np.ceil((1.0 - level) / 2.0 * draws)) - 1, 0)
        hi_i = min(int(np.ceil((1.0 + level) / 2.0 * draws)) - 1, draws - 1)
        ranks.partition((lo_i, hi_i), axis=1)  # in place, along each area's contiguous row of draws
        out.iloc[idx, 0] = ranks[:, lo_i]
        out.iloc[idx, 1] = ranks[:, hi_i]
    out.attrs["rank_stability"] = {
        "method": "posterior bootstrap: take-up rates drawn from each area's beta posterior, need fixed",
        "draws": int(draws),
        "level": float(level),
        "top_n": int(top_n),
        "seed": int(seed),
        "areas_ranked": int(s),
        "median_spearman": float(np.median(rho)),
        "min_spearman": float(np.min(rho)),
        "top_overlap_min": int(overlap.min()),
        "top_overlap_median": float(np.median(overlap)),
        "top_overlap_max": int(overlap.max()),
    }
    return out


def rank_settings(weights: Any) -> dict[str, int]:
    """``top_n`` and ``draws`` from a ModelWeights-like object (defaults 20 and 1000)."""
    return {"top_n": int(getattr(weights, "top_n", 20)), "draws": int(getattr(weights, "rank_draws", 1000))}
