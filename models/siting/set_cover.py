"""Fewest venues covering every coverable target demand point: :class:`SetCover`."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from models.siting.greedy import _greedy_cover, _rank_chosen
from models.siting.highs import _highs_solve
from models.siting.instance import CoverageInstance, _covered_by
from models.siting.reduce import _resolve_forced, reduce_candidates
from models.siting.results import SetCoverResult


class SetCover:
    """Fewest candidates covering every coverable target demand point.

    Parameters
    ----------
    target_mask : array_like of bool, shape (n_demand,), optional
        Demand points that must be covered.  Default: every demand point.
        Demand already ``covered`` by locked sites is always satisfied.
    force_in : iterable of str, optional
        Candidate ids that must be chosen (and count towards the total).
    force_out : iterable of str, optional
        Candidate ids that must not be chosen.
    time_limit : float, default 60.0
        Seconds allowed to HiGHS; on time-out a greedy cover is returned if
        better, with ``optimal=False``.

    Notes
    -----
    Target points no allowed candidate covers are reported in
    ``uncoverable`` and ignored.  Reductions: demand covered by forced-in
    candidates is dropped; identical demand rows are merged; candidates
    covering nothing are dropped; dominated candidates are dropped (identical
    ones keep the lowest index).  The MILP is ``min sum x_j`` subject to
    ``sum_{j covers i} x_j >= 1`` for each remaining point.

    Examples
    --------
    >>> inst = CoverageInstance.from_json({
    ...     "demand": [{"id": d, "weight": 1} for d in "abcde"],
    ...     "candidates": [{"id": "x", "covers": ["a", "b"]},
    ...                    {"id": "y", "covers": ["b", "c"]},
    ...                    {"id": "z", "covers": ["c", "d"]}]})
    >>> res = SetCover().solve(inst)
    >>> sorted(res.chosen), res.uncoverable, res.optimal
    (['x', 'z'], ['e'], True)
    """

    def __init__(
        self,
        target_mask: np.ndarray | Sequence[bool] | None = None,
        *,
        force_in: Iterable[str] = (),
        force_out: Iterable[str] = (),
        time_limit: float = 60.0,
    ) -> None:
        self.target_mask = None if target_mask is None else np.asarray(target_mask, dtype=bool)
        self.force_in = tuple(str(c) for c in force_in)
        self.force_out = tuple(str(c) for c in force_out)
        self.time_limit = float(time_limit)

    def solve(self, instance: CoverageInstance) -> SetCoverResult:
        """Solve on ``instance``; see the class docstring."""
        t0 = time.perf_counter()
        inst = instance
        n_d, n_c = inst.n_demand, inst.n_candidates
        fin, fout = _resolve_forced(inst, self.force_in, self.force_out)
        target = self._target(inst)
        allowed = np.ones(n_c, dtype=bool)
        allowed[fout] = False
        free = allowed.copy()
        free[fin] = False
        cov = inst.coverage
        red: dict[str, int] = {"demand_before": n_d, "candidates_before": n_c}
        red["demand_not_target_or_locked"] = int((~target).sum())
        if allowed.any():
            ncov = np.asarray(cov[:, np.flatnonzero(allowed)].getnnz(axis=1)).reshape(-1)
        else:
            ncov = np.zeros(n_d, int)
        unc = target & (ncov == 0)
        red["demand_uncoverable"] = int(unc.sum())
        a, _, cols = reduce_candidates(cov, target & ~unc, np.ones(n_d), fin, fout, free, red)
        if a.shape[0] == 0:
            sel, status, optimal, lb = np.zeros(0, np.int64), "optimal", True, 0.0
        else:
            g_sel = _greedy_cover(a)
            status, optimal, sel, lb = self._milp(a, g_sel, self.time_limit - (time.perf_counter() - t0))
        order, _ = _rank_chosen(inst, np.concatenate([fin, cols[sel]]), target, tie_count=True)
        n = int(order.size)
        lb_total = lb + fin.size
        notes: list[str] = []
        if unc.any():
            notes.append(f"{int(unc.sum())} target demand point(s) cannot be covered by any allowed candidate")
        return SetCoverResult(
            chosen=[str(inst.candidate_ids[j]) for j in order],
            n_chosen=n,
            uncoverable=[str(d) for d in inst.demand_ids[unc]],
            covered_weight=float(inst.weights[_covered_by(cov, order) & target].sum()),
            optimal=bool(optimal),
            status=status,
            mip_gap=0.0 if optimal else (n - lb_total) / max(n, 1),
            solve_seconds=time.perf_counter() - t0,
            lower_bound=float(n if optimal else lb_total),
            reduction=red,
            notes=notes,
        )

    def _target(self, inst: CoverageInstance) -> np.ndarray:
        """Demand that must be covered: ``target_mask`` (default all) less the locked coverage."""
        n_d = inst.n_demand
        if self.target_mask is None:
            target = np.ones(n_d, dtype=bool)
        else:
            if self.target_mask.shape != (n_d,):
                raise ValueError(f"target_mask has shape {self.target_mask.shape}, expected {(n_d,)}")
            target = self.target_mask.copy()
        return target & ~inst.covered

    def _milp(self, a: sp.csc_matrix, g_sel: np.ndarray, time_limit: float) -> tuple[str, bool, np.ndarray, float]:
        n_r, n_x = a.shape
        start = np.zeros(n_x)
        start[g_sel] = 1.0
        if time_limit <= 0:
            return "greedy_fallback: time limit reached before MILP", False, g_sel, 1.0
        try:
            status, x, bound = _highs_solve(
                np.ones(n_x),
                a.astype(float),
                np.ones(n_r),
                np.full(n_r, np.inf),
                np.zeros(n_x),
                np.ones(n_x),
                np.ones(n_x, bool),
                maximize=False,
                time_limit=time_limit,
                mip_rel_gap=0.0,
                start=start,
            )
        except Exception as exc:  # pragma: no cover - defensive
            return f"greedy_fallback: HiGHS error {exc!r}", False, g_sel, 1.0
        if x is None:
            return f"greedy_fallback: HiGHS {status}, no solution", False, g_sel, 1.0
        sel = np.flatnonzero(x > 0.5)
        if sel.size > g_sel.size or not _covered_by(a, sel).all():
            sel = g_sel
        lb = math.ceil(bound - 1e-6) if math.isfinite(bound) else 1.0
        if status == "optimal" or lb >= sel.size:
            return "optimal", True, sel, float(sel.size)
        return status, False, sel, float(max(lb, 1.0))
