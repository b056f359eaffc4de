"""Maximal covering on a reduced problem: incumbent, bounds, fixings and branch-and-cut.

Rows are merged demand groups with positive weight, each covered by at least one
column; columns are the free candidates left after the exact reductions.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models.siting.bounds import _fixings, _lagrangian
from models.siting.greedy import _greedy, _local_search, _value
from models.siting.highs import _lp_relaxation, _mc_milp
from models.siting.instance import _covered_by
from models.siting.reduce import _pad, _restrict

_OPT_TOL = 1e-6  # relative gap under which a HiGHS solution is reported optimal

#: Columns of largest Lagrangian reduced cost added to the LP support, per chosen site.
SUPPORT_EXTRA = 1

_NOT_STARTED = "greedy_fallback: time limit reached before MILP"


@dataclass(frozen=True)
class _Problem:
    """What every step solves: coverage ``a`` (rows x columns), row weights ``w``, ``k`` columns to
    choose, the time limit (a :func:`time.perf_counter` deadline), HiGHS's gap and the value tolerance."""

    a: sp.csc_matrix
    w: np.ndarray
    k: int
    deadline: float
    mip_rel_gap: float
    tol: float

    def milp(self, a: sp.csc_matrix, w: np.ndarray, k: int, start: np.ndarray):
        """HiGHS on a part of the problem (``a, w, k``), warm-started from columns ``start``."""
        return _mc_milp(a, w, k, start, deadline=self.deadline, mip_rel_gap=self.mip_rel_gap)


def solve_reduced(
    a: sp.csc_matrix,
    w: np.ndarray,
    k: int,
    *,
    deadline: float,
    mip_rel_gap: float,
    exact: bool,
    stats: dict[str, int] | None = None,
) -> tuple[np.ndarray, float, float, str, bool]:
    """Maximum coverage on a reduced problem.

    Returns ``(selected columns, value, upper bound, status, optimal)``.

    Pipeline:

    1. greedy (with its online upper bound), then best-improvement 1-swap
       local search: the incumbent;
    2. LP relaxation by interior point; its duals ``u`` give the Lagrangian
       bound ``L(u)`` (valid for any ``u >= 0``);
    3. the MILP restricted to the LP support plus the incumbent (small)
       usually finds an optimal solution: a better incumbent;
    4. columns are fixed to 0 (or 1) when ``L(u)`` with them forced in (out)
       falls below the incumbent, so every solution at least as good as the
       incumbent survives;
    5. the remaining problem is solved by HiGHS branch-and-cut, warm-started
       from the incumbent, which is feasible there.
    """
    n_g, n_x = a.shape
    k = min(k, n_x)
    if k == 0 or n_g == 0:
        return _pad(np.zeros(0, np.int64), n_x, k), 0.0, 0.0, "optimal", True
    if k == n_x:
        sel = np.arange(n_x)
        v = _value(a, w, sel)
        return sel, v, v, "optimal", True
    g_sel, _, ub = _greedy(a, w, k)
    sel = _local_search(a, w, np.sort(g_sel), deadline)
    lb = _value(a, w, sel)
    tol = 1e-9 * max(1.0, float(w.sum()))
    if lb >= ub - tol:
        return sel, lb, lb, "optimal", True
    if not exact:
        return sel, lb, ub, "greedy", False
    if time.perf_counter() >= deadline:
        return sel, lb, ub, _NOT_STARTED, False
    prob = _Problem(a, w, k, deadline, mip_rel_gap, tol)
    sel, lb, ub, fixed, proven = _bound_and_fix(prob, sel, lb, ub)
    if proven:
        return sel, lb, lb, "optimal", True
    fix0, fix1 = fixed
    if stats is not None:
        stats["candidates_fixed_out_by_bound"] = int(fix0.sum())
        stats["candidates_fixed_in_by_bound"] = int(fix1.sum())
    return _branch_and_cut(prob, sel, lb, ub, fix0, fix1, stats=stats)


def _bound_and_fix(prob: _Problem, sel: np.ndarray, lb: float,
                   ub: float) -> tuple[np.ndarray, float, float, tuple[np.ndarray, np.ndarray], bool]:
    """Steps 2-4: Lagrangian bound, MILP on the LP support, fixings.

    Returns ``(incumbent, its value, upper bound, (fix0, fix1), proven optimal)``.
    """
    a, w, k, tol = prob.a, prob.w, prob.k, prob.tol
    n_x = a.shape[1]
    fix0 = np.zeros(n_x, bool)
    fix1 = np.zeros(n_x, bool)
    try:
        relax = _lp_relaxation(a, w, k, prob.deadline)
    except Exception:  # pragma: no cover - defensive
        relax = None
    if relax is None:
        return sel, lb, ub, (fix0, fix1), False
    x_lp, duals = relax
    best = None
    for sgn in (1.0, -1.0):  # sign convention of row duals when maximising
        cand = _lagrangian(a, w, k, sgn * duals)
        if best is None or cand[0] < best[0]:
            best = cand
    lag, c, base = best
    ub = min(ub, lag)
    if lb >= ub - tol:
        return sel, lb, ub, (fix0, fix1), True
    # Step 3: MILP on the LP support plus the incumbent.
    supp = np.union1d(np.flatnonzero(x_lp > 1e-3), sel)
    supp = np.union1d(supp, np.argsort(-c, kind="stable")[: SUPPORT_EXTRA * k])
    if supp.size < n_x // 2 and time.perf_counter() < prob.deadline:
        sel, lb = _support_milp(prob, supp, sel, lb)
        if lb >= ub - tol:
            return sel, lb, ub, (fix0, fix1), True
    fix0, fix1 = _fixings(c, base, k, lb, tol)
    # the incumbent satisfies every fixing in exact arithmetic; never cut it off
    fix0[sel] = False
    fix1 &= np.isin(np.arange(n_x), sel)
    return sel, lb, ub, (fix0, fix1), False


def _support_milp(prob: _Problem, supp: np.ndarray, sel: np.ndarray, lb: float) -> tuple[np.ndarray, float]:
    """Step 3: the MILP restricted to ``supp``; returns the better of it (polished) and the incumbent."""
    a, w, k = prob.a, prob.w, prob.k
    sub, w_sub, _ = _restrict(a, w, supp)
    try:
        _, pick, _ = prob.milp(sub, w_sub, k, np.flatnonzero(np.isin(supp, sel)))
    except Exception:  # pragma: no cover - defensive
        pick = None
    if pick is not None:
        cand_sel = _local_search(a, w, _pad(supp[pick], a.shape[1], k), prob.deadline)
        v = _value(a, w, cand_sel)
        if v > lb:
            return cand_sel, v
    return sel, lb


def _branch_and_cut(prob: _Problem, sel: np.ndarray, lb: float, ub: float, fix0: np.ndarray, fix1: np.ndarray, *,
                    stats: dict[str, int] | None) -> tuple[np.ndarray, float, float, str, bool]:
    """Step 5: fixed-in columns are chosen and their rows dropped; HiGHS solves the rest."""
    a, w, k = prob.a, prob.w, prob.k
    n_x = a.shape[1]
    f1 = np.flatnonzero(fix1)
    free = np.flatnonzero(~fix0 & ~fix1)
    covered1 = _covered_by(a, f1)
    rows = np.flatnonzero(~covered1)
    k_sub = k - f1.size
    if stats is not None:
        stats["milp_candidates"] = int(free.size)
    if k_sub <= 0 or rows.size == 0 or free.size <= k_sub:
        chosen = _pad(np.concatenate([f1, free if k_sub > 0 else np.zeros(0, np.int64)]), n_x, k)
        v = _value(a, w, chosen)
        if v < lb:  # cannot happen in exact arithmetic; keep the incumbent
            chosen, v = sel, lb
        return chosen, v, v, "optimal", True
    a_rows = sp.csc_matrix(a[rows])
    sub, w_sub, _ = _restrict(a_rows, w[rows], free)
    if time.perf_counter() >= prob.deadline:
        return sel, lb, ub, _NOT_STARTED, False
    try:
        status, pick, bound = prob.milp(sub, w_sub, k_sub, np.flatnonzero(np.isin(free, sel)))
    except Exception as exc:  # pragma: no cover - defensive
        return sel, lb, ub, f"greedy_fallback: HiGHS error {exc!r}", False
    if pick is None:
        return sel, lb, ub, f"greedy_fallback: HiGHS {status}, no solution", False
    chosen = _pad(np.concatenate([f1, free[pick]]), n_x, k)
    v = _value(a, w, chosen)
    if math.isfinite(bound):
        ub = min(ub, float(w[covered1].sum()) + bound)
    if v < lb:
        chosen, v = sel, lb
    ub = max(ub, v)
    if status == "optimal":
        if prob.mip_rel_gap == 0.0 or _rel_gap(v, ub) <= _OPT_TOL:
            return chosen, v, v, "optimal", True
        return chosen, v, ub, "optimal_within_gap", False
    return chosen, v, ub, status, False


def _rel_gap(val: float, bound: float) -> float:
    if not math.isfinite(bound):
        return math.inf
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - val) / abs(bound))
