"""Spatial cross-validation of the expected-rate models (:mod:`models.expected`).

Neighbouring areas share unmeasured context (a hub's reputation, a health visiting team), so
holding out single areas flatters a model: their neighbours in the training folds carry it.
:func:`spatial_blocks` groups areas into square blocks and :func:`cv_scores` keeps each group
(a ward, a block) whole in every fold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import GroupKFold, KFold

__all__ = ["spatial_blocks", "cv_scores"]


def spatial_blocks(x: ArrayLike, y: ArrayLike, *, n_blocks: int) -> NDArray[np.int64]:
    """Square spatial blocks of points, for grouped (spatial) cross-validation.

    The finest square grid over the points' extent whose number of occupied cells is at
    most ``n_blocks``, then coarsened step by step; each point gets the index of its cell.

    Parameters
    ----------
    x, y : array_like
        Coordinates (e.g. British National Grid metres).
    n_blocks : int
        Wanted number of non-empty blocks (at least 1).

    Returns
    -------
    ndarray of int
        Block label per point (0 .. blocks - 1, in order of first appearance in the grid).

    Examples
    --------
    >>> x, y = np.meshgrid(np.arange(10.0), np.arange(10.0))
    >>> b = spatial_blocks(x.ravel(), y.ravel(), n_blocks=4)
    >>> len(np.unique(b)), np.bincount(b).tolist()
    (4, [25, 25, 25, 25])
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    extent = max(float(np.ptp(x)), float(np.ptp(y)), 1e-9)
    labels = np.zeros(x.size, dtype=np.int64)
    for cells in range(int(np.ceil(np.sqrt(max(n_blocks, 1)))) + 1, 0, -1):
        size = extent / cells * (1 + 1e-9)
        ix = np.floor((x - x.min()) / size).astype(np.int64)
        iy = np.floor((y - y.min()) / size).astype(np.int64)
        labels = np.unique(ix * (cells + 1) + iy, return_inverse=True)[1].astype(np.int64)
        if labels.max() + 1 <= n_blocks:
            break
    return labels


def cv_scores(
    model: BaseEstimator, X: pd.DataFrame, y: NDArray, w: NDArray, groups: NDArray | None, folds: int, seed: int
) -> list[float]:
    """Held-out score of each fold (``model.score`` with the test fold's weights): ``GroupKFold``
    with shuffled groups when ``groups`` are given, else shuffled ``KFold`` over rows.

    Parameters
    ----------
    model : estimator
        Cloned and fitted on each training fold with ``sample_weight``.
    X : DataFrame
        Features of the fitted areas.
    y, w : ndarray
        Targets and sample weights.
    groups : ndarray or None
        Group label of each row (kept whole in every fold).
    folds : int
        Number of folds.
    seed : int
        Seed of the shuffle.

    Returns
    -------
    list of float
        One score per fold.
    """
    if groups is not None:
        # Integer codes in sorted-label order: the same folds as the labels themselves (GroupKFold
        # shuffles its sorted unique groups), but its per-fold ``np.isin`` on string labels took
        # 0.17 s a fold at 33,755 LSOAs (33 s of a 42 s national build), on integers milliseconds.
        codes = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
        splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        splits = splitter.split(X, groups=codes)
    else:
        splits = KFold(n_splits=folds, shuffle=True, random_state=seed).split(X)
    scores = []
    Xa = X.to_numpy(dtype=float)  # arrays: the same fits without per-fit DataFrame checks
    for train, test in splits:
        m = clone(model).fit(Xa[train], y[train], sample_weight=w[train])
        scores.append(m.score(Xa[test], y[test], sample_weight=w[test]))
    return scores
