"""Greedy maximum coverage (with its online upper bound), 1-swap local search and greedy set cover."""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from models.siting.instance import CoverageInstance, _covered_by


def _greedy(
    a: sp.csc_matrix,
    w: np.ndarray,
    k: int,
    *,
    candidates: np.ndarray | None = None,
    w2: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Greedy maximum coverage on rows ``w`` x columns of ``a``.

    Picks ``k`` columns (restricted to ``candidates`` if given, in that order
    of preference for ties), each time the one with the largest marginal
    weight (ties: larger marginal ``w2``, then lowest column index).  Returns
    the picked columns, their marginal gains and the classic upper bound
    ``min_i f(S_i) + sum of the k largest marginal gains w.r.t. S_i`` on the
    best k-subset of ``candidates``.
    """
    a = sp.csc_matrix(a, dtype=float)
    at = a.T.tocsr()
    n_c = a.shape[1]
    allowed = np.zeros(n_c, dtype=bool)
    if candidates is None:
        allowed[:] = True
    else:
        allowed[np.asarray(candidates, dtype=np.int64)] = True
    remaining = w.astype(float).copy()
    rem2 = None if w2 is None else w2.astype(float).copy()
    picked: list[int] = []
    gains: list[float] = []
    value = 0.0
    ub = math.inf
    k = int(min(k, allowed.sum()))
    for step in range(k + 1):
        gain = at @ remaining
        gain[~allowed] = -np.inf
        kk = min(k, int(allowed.sum()))
        if kk > 0:
            top = np.partition(gain[allowed], -kk)[-kk:] if kk < allowed.sum() else gain[allowed]
            ub = min(ub, value + float(np.clip(top, 0, None).sum()))
        else:
            ub = min(ub, value)
        if step == k:
            break
        best = np.max(gain)
        ties = np.flatnonzero(gain >= best - 1e-12 * max(1.0, abs(best)))
        if rem2 is not None and ties.size > 1:
            g2 = at[ties] @ rem2
            ties = ties[g2 >= g2.max()]
        j = int(ties[0])
        picked.append(j)
        gains.append(float(gain[j]))
        value += float(gain[j])
        rows = a.indices[a.indptr[j] : a.indptr[j + 1]]
        remaining[rows] = 0.0
        if rem2 is not None:
            rem2[rows] = 0.0
        allowed[j] = False
    return np.asarray(picked, dtype=np.int64), np.asarray(gains, dtype=float), ub


def _rank_chosen(
    inst: CoverageInstance, cols: np.ndarray, target: np.ndarray, tie_count: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Order ``cols`` by greedy marginal weight over ``target`` demand."""
    cols = np.asarray(cols, dtype=np.int64)
    if cols.size == 0:
        return cols, np.zeros(0)
    w = np.where(target, inst.weights, 0.0)
    w2 = target.astype(float) if tie_count else None
    sub = inst.coverage[:, np.sort(cols)]
    order, gains, _ = _greedy(sub, w, cols.size, w2=w2)
    return np.sort(cols)[order], gains


def _value(a: sp.csc_matrix, w: np.ndarray, sel: np.ndarray) -> float:
    return float(w[_covered_by(a, np.asarray(sel, dtype=np.int64))].sum())


def _local_search(
    a: sp.csc_matrix, w: np.ndarray, sel: np.ndarray, deadline: float, max_iter: int = 1000
) -> np.ndarray:
    """Best-improvement 1-swap local search for maximum coverage (deterministic)."""
    a = sp.csc_matrix(a, dtype=float)
    at = a.T.tocsr()
    sel = np.sort(np.asarray(sel, dtype=np.int64))
    if sel.size == 0 or sel.size >= a.shape[1]:
        return sel
    cnt = np.asarray(a[:, sel].sum(axis=1)).reshape(-1)
    tol = 1e-9 * max(1.0, float(w.sum()))
    for _ in range(max_iter):
        if time.perf_counter() > deadline:
            break
        base = at @ (w * (cnt == 0))  # gain of each column on uncovered rows
        one_w = w * (cnt == 1)
        a_sel = a[:, sel]
        loss = a_sel.T @ one_w
        # recovered[s, j]: weight column j re-covers when sel[s] is removed
        recovered = (a_sel.T.multiply(one_w[None, :])).tocsr() @ a
        delta = recovered.toarray() + base[None, :] - loss[:, None]
        delta[:, sel] = -np.inf
        flat = int(np.argmax(delta))
        s_i, j = divmod(flat, delta.shape[1])
        if not delta[s_i, j] > tol:
            break
        out = sel[s_i]
        cnt[a.indices[a.indptr[out] : a.indptr[out + 1]]] -= 1
        cnt[a.indices[a.indptr[j] : a.indptr[j + 1]]] += 1
        sel = np.sort(np.concatenate([np.delete(sel, s_i), [j]]))
    return sel


def _greedy_cover(a: sp.csc_matrix) -> np.ndarray:
    """Greedy set cover of all rows of ``a`` followed by redundancy removal."""
    a = sp.csc_matrix(a, dtype=float)
    at = a.T.tocsr()
    need = np.ones(a.shape[0])
    picked: list[int] = []
    while need.any():
        gain = at @ need
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        picked.append(j)
        need[a.indices[a.indptr[j] : a.indptr[j + 1]]] = 0.0
    sel = list(picked)
    # drop redundant columns (last picked first)
    counts = np.asarray(a[:, sel].sum(axis=1)).reshape(-1) if sel else np.zeros(a.shape[0])
    for j in reversed(picked):
        rows = a.indices[a.indptr[j] : a.indptr[j + 1]]
        if np.all(counts[rows] >= 2):
            counts[rows] -= 1
            sel.remove(j)
    return np.sort(np.asarray(sel, dtype=np.int64))


# --------------------------------------------------------------------------
