"""HiGHS (``highspy``) models: a general MILP, the maximal-covering MILP and its LP relaxation."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.siting.instance import _covered_by


def _highs_solve(
    c: np.ndarray,
    a: sp.csc_matrix,
    row_lo: np.ndarray,
    row_hi: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
    integer: np.ndarray,
    *,
    maximize: bool,
    time_limit: float,
    mip_rel_gap: float,
    start: np.ndarray | None = None,
    options: Mapping[str, Any] | None = None,
) -> tuple[str, np.ndarray | None, float]:
    """Solve a MILP with highspy.  Returns (status, x or None, HiGHS dual bound)."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    lp = highspy.HighsLp()
    n_col, n_row = a.shape[1], a.shape[0]
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = np.asarray(c, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lo, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_hi, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lo, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_hi, dtype=np.float64)
    a = sp.csc_matrix(a, dtype=np.float64)
    a.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n_row
    lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous for f in integer]
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=float))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=float) if has_sol else None
    bound = float(info.mip_dual_bound)
    if ms == S.kOptimal:
        status = "optimal"
    elif ms in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt, S.kHighsInterrupt):
        status = "time_limit"
    else:
        status = h.modelStatusToString(ms)
    return status, x, bound


def _lp_relaxation(a: sp.csc_matrix, w: np.ndarray, k: int, deadline: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Approximate LP solution (x part) and duals of the coverage rows.

    Interior point without crossover: fast, and any approximate duals still
    give a valid Lagrangian bound (see :func:`_lagrangian`).
    """
    import highspy

    n_g, n_x = a.shape
    top = sp.hstack([-sp.csc_matrix(a, dtype=float), sp.identity(n_g, format="csc")], format="csc")
    card = sp.csc_matrix(np.concatenate([np.ones(n_x), np.zeros(n_g)])[None, :])
    A = sp.vstack([top, card], format="csc")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("run_crossover", "off")
    h.setOptionValue("time_limit", float(max(deadline - time.perf_counter(), 1e-3)))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_x + n_g, n_g + 1
    lp.col_cost_ = np.concatenate([np.zeros(n_x), w])
    lp.col_lower_ = np.zeros(n_x + n_g)
    lp.col_upper_ = np.ones(n_x + n_g)
    lp.row_lower_ = np.concatenate([np.full(n_g, -np.inf), [float(k)]])
    lp.row_upper_ = np.concatenate([np.zeros(n_g), [float(k)]])
    A.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(np.float64)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_x + n_g, n_g + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    h.passModel(lp)
    h.run()
    sol = h.getSolution()
    if not (sol.dual_valid and sol.value_valid):
        return None
    return np.asarray(sol.col_value, dtype=float)[:n_x], np.asarray(sol.row_dual, dtype=float)[:n_g]


#: HiGHS options for the maximal-covering MILPs (measured fastest on
#: geometric instances: the LP relaxation is solved faster by interior point,
#: and HiGHS presolve adds little after our own reductions).
_MC_HIGHS_OPTIONS: dict[str, Any] = {"presolve": "off", "mip_lp_solver": "ipm"}


def _mc_milp(
    a: sp.csc_matrix, w: np.ndarray, k: int, start_sel: np.ndarray | None, *, deadline: float, mip_rel_gap: float
) -> tuple[str, np.ndarray | None, float]:
    """HiGHS MILP ``max sum_g w_g y_g, y_g <= sum_j a_gj x_j, sum_j x_j <= k``.

    ``<= k`` is equivalent to ``= k`` for non-negative weights (callers pad),
    and keeps any start with fewer than ``k`` columns feasible.  Returns
    ``(status, selected columns or None, dual bound)``.
    """
    n_g, n_x = a.shape
    top = sp.hstack([-sp.csc_matrix(a, dtype=float), sp.identity(n_g, format="csc")], format="csc")
    card = sp.csc_matrix(np.concatenate([np.ones(n_x), np.zeros(n_g)])[None, :])
    A = sp.vstack([top, card], format="csc")
    start = None
    if start_sel is not None:
        start = np.zeros(n_x + n_g)
        start[np.asarray(start_sel, dtype=np.int64)] = 1.0
        start[n_x:] = _covered_by(a, np.asarray(start_sel, dtype=np.int64))
    status, x, bound = _highs_solve(
        np.concatenate([np.zeros(n_x), w]),
        A,
        np.concatenate([np.full(n_g, -np.inf), [-np.inf]]),
        np.concatenate([np.zeros(n_g), [float(k)]]),
        np.zeros(n_x + n_g),
        np.ones(n_x + n_g),
        np.concatenate([np.ones(n_x, bool), np.zeros(n_g, bool)]),
        maximize=True,
        time_limit=deadline - time.perf_counter(),
        mip_rel_gap=mip_rel_gap,
        start=start,
        options=_MC_HIGHS_OPTIONS,
    )
    if x is None:
        return status, None, bound
    xs = x[:n_x]
    sel = np.flatnonzero(xs > 0.5)
    if sel.size > k:  # numerical safety: keep the k largest values
        sel = np.sort(np.argsort(-xs, kind="stable")[:k])
    return status, sel, bound
