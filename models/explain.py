"""Why an area scores as it does (:func:`explain`) and how robust the ranking is to the weights (:func:`sensitivity`).

Both work on the output of :func:`models.risk.score_areas`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.risk import _combine, _components
from models.weights import ENGAGEMENT_COMPONENTS, NEED_COMPONENTS, _normalise, _Spec, _spec

__all__ = ["explain", "sensitivity"]

_RAW_VALUE = {  # column whose value is shown by explain() for each component
    "imd": "imd_score",
    "under5": "under5_est",
    "review": "review_rate_smoothed",
    "reach": "reach_rate_smoothed",
}


def explain(
    areas_scored: pd.DataFrame,
    code: Hashable | Iterable[Hashable] | None = None,
    *,
    weights: Any = None,
) -> pd.DataFrame:
    """Tidy per-area breakdown of the need and engagement indices.

    Parameters
    ----------
    areas_scored : DataFrame
        Output of :func:`score_areas` (indexed by area).
    code : label or list of labels, optional
        Area(s) to explain; all areas by default.
    weights : ModelWeights-like, optional
        Weights used for scoring. Defaults to ``areas_scored.attrs["model_weights"]``; if
        neither is available the effective weight is recovered as
        ``contribution / percentile`` (NaN where the percentile is 0).

    Returns
    -------
    DataFrame
        Long table with columns ``area``, ``index`` (``"need"`` or ``"engagement"``),
        ``component``, ``value`` (the input to the percentile rank), ``percentile``,
        ``weight`` (effective, after renormalising over available components) and
        ``contribution`` (``weight * percentile``; sums to ``need_index`` or
        ``engagement_index`` per area and index).

    Examples
    --------
    >>> from models.risk import score_areas
    >>> from models.weights import DEFAULT_WEIGHTS as w
    >>> areas = pd.DataFrame({
    ...     "under5_est": [120.0, 80.0], "imd_score": [45.0, 10.0],
    ...     "idaci_score": [0.40, 0.05], "income_score": [0.30, 0.04],
    ...     "review_eligible": [30, 25], "review_completed": [12, 24],
    ...     "hub_children": [20, 60]}, index=["A", "B"])
    >>> t = explain(score_areas(areas, w), "A")
    >>> print(t[["index", "component", "percentile", "weight", "contribution"]].to_string(index=False))
         index component  percentile  weight  contribution
          need     idaci       100.0     0.5          50.0
          need       imd       100.0     0.3          30.0
          need    under5       100.0     0.2          20.0
    engagement    review         0.0     0.5           0.0
    engagement     reach         0.0     0.5           0.0
    """
    df = areas_scored
    if code is not None:
        if isinstance(code, (str, bytes, tuple)) or not isinstance(code, Iterable):
            labels = [code]
        else:
            labels = list(code)
        df = df.loc[labels]
    if weights is not None:
        spec = _spec(weights)
        base = {"need": spec.need, "engagement": spec.engagement}
    elif "model_weights" in areas_scored.attrs:
        mw = areas_scored.attrs["model_weights"]
        base = {"need": mw["need"], "engagement": mw["engagement"]}
    else:
        base = None

    groups = (("need", "need", NEED_COMPONENTS), ("engagement", "eng", ENGAGEMENT_COMPONENTS))
    pieces = []
    n = len(df)
    for index_name, prefix, comps in groups:
        pct = df[[f"{prefix}_{c}_pct" for c in comps]].to_numpy(dtype=float)
        contrib = df[[f"{prefix}_contrib_{c}" for c in comps]].to_numpy(dtype=float)
        if base is not None:
            w = np.array([base[index_name][c] for c in comps], dtype=float)
            wmat = np.where(np.isfinite(pct), w[None, :], 0.0)
            total = wmat.sum(axis=1, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                weight = np.where(total > 0, wmat / total, np.nan)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                weight = np.where(pct > 0, contrib / pct, np.nan)
        values = _component_values(df, comps)
        pieces.append(
            pd.DataFrame(
                {
                    "area": np.repeat(df.index.to_numpy(), len(comps)),
                    "index": index_name,
                    "component": np.tile(np.array(comps, dtype=object), n),
                    "value": values.ravel(),
                    "percentile": pct.ravel(),
                    "weight": weight.ravel(),
                    "contribution": contrib.ravel(),
                    "_pos": np.repeat(np.arange(n), len(comps)),
                }
            )
        )
    out = pd.concat(pieces, ignore_index=True)
    out = out.sort_values("_pos", kind="stable").drop(columns="_pos").reset_index(drop=True)
    return out


def _column_values(df: pd.DataFrame, col: str) -> NDArray[np.float64]:
    if col not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _component_values(df: pd.DataFrame, comps: tuple[str, ...]) -> NDArray[np.float64]:
    """Inputs of each component's percentile rank (IDACI with income fallback)."""
    cols = []
    for c in comps:
        if c == "idaci":
            idaci = _column_values(df, "idaci_score")
            cols.append(np.where(np.isfinite(idaci), idaci, _column_values(df, "income_score")))
        else:
            cols.append(_column_values(df, _RAW_VALUE[c]))
    return np.column_stack(cols) if cols else np.empty((len(df), 0))


def _spearman_of_ranks(a: NDArray, b: NDArray) -> float:
    """Spearman correlation of two rank permutations (exact formula, no ties)."""
    n = a.size
    if n < 2:
        return float("nan")
    d = a.astype(float) - b.astype(float)
    return float(1.0 - 6.0 * np.sum(d * d) / (n * (n * n - 1.0)))


def sensitivity(
    areas: pd.DataFrame,
    weights: Any,
    *,
    delta: float = 0.2,
    top: int = 20,
    prefix_map: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of the priority ranking to each weight.

    Each need and engagement weight in turn is multiplied by ``1 - delta`` ("down") and
    ``1 + delta`` ("up"), the group is renormalised, the areas are re-scored and the new
    priority ranks are compared with the baseline.

    Parameters
    ----------
    areas : DataFrame
        Input of :func:`score_areas`.
    weights : ModelWeights-like
        Baseline weights.
    delta : float, default 0.2
        Relative change of each weight, in [0, 1].
    top : int, default 20
        Size of the top set compared (capped at the number of areas).
    prefix_map : mapping, optional
        As in :func:`score_areas`.

    Returns
    -------
    DataFrame
        One row per (weight, direction) with columns ``group`` (``need``/``engagement``),
        ``weight``, ``direction`` (``down``/``up``), ``factor``, ``base_weight`` and
        ``new_weight`` (normalised), ``spearman`` (rank correlation of priority ranks with
        the baseline), ``top``, ``top_overlap`` (areas in both top sets) and
        ``top_overlap_share``.

    Examples
    --------
    >>> from models.weights import DEFAULT_WEIGHTS as w
    >>> rng = np.random.default_rng(0)
    >>> areas = pd.DataFrame({"under5_est": rng.uniform(50, 150, 40),
    ...     "imd_score": rng.uniform(5, 60, 40), "idaci_score": rng.uniform(0, .5, 40),
    ...     "income_score": np.nan, "review_eligible": 30,
    ...     "review_completed": rng.integers(5, 30, 40), "hub_children": rng.integers(0, 50, 40)})
    >>> sensitivity(areas, w, delta=0.2, top=10).shape
    (10, 10)
    """
    if not 0.0 <= delta <= 1.0:
        raise ValueError(f"delta must be in [0, 1], got {delta!r}")
    spec = _spec(weights)
    comp = _components(areas, prefix_map)
    base_rank = _combine(comp, spec)["priority_rank"].to_numpy()
    k = int(min(max(top, 0), len(areas)))
    base_top = base_rank <= k

    rows = []
    for group, comps in (("need", NEED_COMPONENTS), ("engagement", ENGAGEMENT_COMPONENTS)):
        current = getattr(spec, group)
        for name in comps:
            for direction, factor in (("down", 1.0 - delta), ("up", 1.0 + delta)):
                changed = dict(current)
                changed[name] = current[name] * factor
                try:
                    new_group = _normalise(changed, comps, group)
                except ValueError:  # the only non-zero weight scaled to zero
                    new_group = dict(current)
                new_spec = _Spec(
                    need=new_group if group == "need" else spec.need,
                    engagement=new_group if group == "engagement" else spec.engagement,
                    high_need=spec.high_need,
                    low_engagement=spec.low_engagement,
                )
                rank = _combine(comp, new_spec)["priority_rank"].to_numpy()
                overlap = int(np.sum(base_top & (rank <= k)))
                rows.append(
                    {
                        "group": group,
                        "weight": name,
                        "direction": direction,
                        "factor": factor,
                        "base_weight": current[name],
                        "new_weight": new_group[name],
                        "spearman": _spearman_of_ranks(base_rank, rank),
                        "top": k,
                        "top_overlap": overlap,
                        "top_overlap_share": overlap / k if k else float("nan"),
                    }
                )
    return pd.DataFrame(rows)
