"""Exact problem reductions shared by both models: merged demand rows, dominated and forced candidates."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

from models.siting.instance import CoverageInstance, _covered_by


def _merge_identical_rows(a: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge rows with identical column sets, summing weights (first occurrence order)."""
    a = sp.csr_matrix(a)
    a.sort_indices()
    if a.shape[0] == 0:
        return a, w
    keys = [a.indices[a.indptr[i] : a.indptr[i + 1]].tobytes() for i in range(a.shape[0])]
    first: dict[bytes, int] = {}
    group = np.empty(a.shape[0], dtype=np.int64)
    reps: list[int] = []
    for i, key in enumerate(keys):
        g = first.get(key)
        if g is None:
            g = first[key] = len(reps)
            reps.append(i)
        group[i] = g
    if len(reps) == a.shape[0]:
        return a, w
    w2 = np.bincount(group, weights=w, minlength=len(reps))
    return a[np.asarray(reps)], w2


def _dominated_columns(a: sp.spmatrix, protect: np.ndarray | None = None) -> np.ndarray:
    """Columns whose row set is a subset of another column's.

    Ties (identical columns) keep the lowest index.  Columns in ``protect``
    (bool mask) are never reported as dominated, and are only used as
    dominators.  The relation is a strict partial order, so every dominated
    column has an undominated dominator.
    """
    a = sp.csc_matrix(a, dtype=np.int32)
    n = a.shape[1]
    size = np.asarray(a.sum(axis=0)).reshape(-1)
    overlap = (a.T @ a).tocoo()
    r, c, v = overlap.row, overlap.col, overlap.data
    sel = (r != c) & (v == size[r]) & ((size[c] > size[r]) | ((size[c] == size[r]) & (c < r)))
    dom = np.zeros(n, dtype=bool)
    dom[r[sel]] = True
    if protect is not None:
        dom &= ~protect
    return dom


def _resolve_forced(
    inst: CoverageInstance, force_in: Iterable[str], force_out: Iterable[str]
) -> tuple[np.ndarray, np.ndarray]:
    fin = inst.candidate_index(force_in, "force_in")
    fout = inst.candidate_index(force_out, "force_out")
    both = np.intersect1d(fin, fout)
    if both.size:
        raise ValueError(f"candidate {str(inst.candidate_ids[both[0]])!r} is in both force_in and force_out")
    return fin, fout


def _pad(sel: np.ndarray, n: int, k: int) -> np.ndarray:
    """Add the lowest-index unchosen columns until ``len(sel) == min(k, n)``."""
    sel = np.asarray(sel, dtype=np.int64)
    if sel.size >= min(k, n):
        return np.sort(sel)
    rest = np.setdiff1d(np.arange(n), sel)[: min(k, n) - sel.size]
    return np.sort(np.concatenate([sel, rest]))


def _restrict(a: sp.csc_matrix, w: np.ndarray, cols: np.ndarray) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    """Sub-problem on ``cols``: rows they cover, identical rows merged."""
    sub = sp.csc_matrix(a[:, cols])
    rows = np.flatnonzero(sub.getnnz(axis=1) > 0)
    sub_r, w_r = _merge_identical_rows(sub[rows].tocsr(), w[rows])
    return sp.csc_matrix(sub_r), w_r, rows


def reduce_candidates(
    cov: sp.csc_matrix,
    live: np.ndarray,
    weights: np.ndarray,
    fin: np.ndarray,
    fout: np.ndarray,
    free: np.ndarray,
    red: dict[str, int],
) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    """The reductions both models share, counted in ``red``.

    Drops the ``live`` demand covered by forced-in candidates, keeps the ``free``
    candidates, drops those covering nothing left and the dominated ones, and merges
    identical demand rows (weights summed).

    Returns
    -------
    a : scipy.sparse.csc_matrix
        Reduced coverage (merged demand groups x remaining candidates).
    w : numpy.ndarray
        Weight of each merged demand group.
    cols : numpy.ndarray
        Instance column of each remaining candidate.
    """
    by_forced = _covered_by(cov, fin)
    red["demand_by_forced_in"] = int((live & by_forced).sum())
    rows = np.flatnonzero(live & ~by_forced)
    free_cols = np.flatnonzero(free)
    a = sp.csc_matrix(cov[rows][:, free_cols])
    w = weights[rows]
    red["candidates_forced_out"] = int(fout.size)
    red["candidates_forced_in"] = int(fin.size)
    nonempty = np.asarray(a.getnnz(axis=0) > 0).reshape(-1)
    red["candidates_empty"] = int((~nonempty).sum())
    a, cols = a[:, nonempty], free_cols[nonempty]
    dom = _dominated_columns(a) if a.shape[1] > 1 else np.zeros(a.shape[1], bool)
    red["candidates_dominated"] = int(dom.sum())
    a, cols = a[:, ~dom], cols[~dom]
    n_rows_before_merge = a.shape[0]
    a_r, w_r = _merge_identical_rows(a.tocsr(), w)
    red["demand_merged"] = int(n_rows_before_merge - a_r.shape[0])
    a = sp.csc_matrix(a_r)
    red["demand_after"] = int(a.shape[0])
    red["candidates_after"] = int(a.shape[1])
    return a, w_r, cols
