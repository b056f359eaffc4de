"""Lagrangian upper bounds for maximal covering and the variable fixings they imply."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def _lagrangian(a: sp.csc_matrix, w: np.ndarray, k: int, u: np.ndarray) -> tuple[float, np.ndarray, float]:
    """Lagrangian bound relaxing ``y_g <= sum_j a_gj x_j`` with multipliers ``u >= 0``.

    ``L(u) = sum_g max(0, w_g - u_g) + (sum of the k largest c_j)``, with
    ``c = A^T u``, is a valid upper bound for every ``u >= 0``.  Returns
    ``(L(u), c, base)`` where ``base = sum_g max(0, w_g - u_g)``.
    """
    u = np.clip(u, 0.0, w)
    c = sp.csc_matrix(a, dtype=float).T @ u
    base = float(np.maximum(w - u, 0.0).sum())
    top = np.sort(c)[::-1][:k]
    return base + float(top.sum()), c, base


def _fixings(c: np.ndarray, base: float, k: int, lb: float, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Columns that must be 0 / 1 in every solution of value >= ``lb``."""
    n = c.size
    order = np.lexsort((np.arange(n), -c))  # descending c, ties by index
    in_top = np.zeros(n, dtype=bool)
    in_top[order[:k]] = True
    top_sum = float(c[order[:k]].sum())
    kth = float(c[order[k - 1]])
    next_ = float(c[order[k]]) if k < n else -np.inf
    bound_if_one = base + top_sum - kth + c  # valid for columns outside the top k
    bound_if_zero = base + top_sum - c + next_  # valid for columns in the top k
    fix0 = ~in_top & (bound_if_one < lb - tol)
    fix1 = in_top & (bound_if_zero < lb - tol)
    return fix0, fix1
