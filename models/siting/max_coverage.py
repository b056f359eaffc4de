"""Maximal covering with locked coverage: :class:`MaxCoverage`."""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np

from models.siting.greedy import _rank_chosen
from models.siting.instance import CoverageInstance, _covered_by
from models.siting.mc_core import _rel_gap, solve_reduced
from models.siting.reduce import _resolve_forced, reduce_candidates
from models.siting.results import SitingResult


class MaxCoverage:
    """Maximal covering location with locked coverage, solved exactly.

    Choose exactly ``k`` candidates (all allowed ones if fewer than ``k``)
    maximising the summed weight of demand covered by at least one chosen
    candidate and not already ``covered`` by locked sites.

    Parameters
    ----------
    k : int
        Number of candidates to choose (including ``force_in``).
    force_in : iterable of str, optional
        Candidate ids that must be chosen.
    force_out : iterable of str, optional
        Candidate ids that must not be chosen.
    time_limit : float, default 60.0
        Seconds allowed to HiGHS; on time-out the best of the incumbent and
        the greedy solution is returned with ``optimal=False``.
    mip_rel_gap : float, default 0.0
        Relative MIP gap at which HiGHS may stop (0 = prove optimality).
    solver : {"highs", "greedy"}, default "highs"
        ``"greedy"`` skips the MILP (fast, with a reported upper bound).

    Notes
    -----
    Reductions, applied before the MILP (all exact):

    1. demand already covered, of zero weight, or covered by no allowed
       candidate is dropped;
    2. forced-in candidates are fixed, and the demand they cover is counted
       once and dropped;
    3. candidates covering no remaining demand are dropped;
    4. dominated candidates (coverage a subset of another free candidate's;
       identical ones keep the lowest index) are dropped -- valid because
       any solution using a dominated candidate can swap it for its
       dominator, or pad with any reduced candidate, without losing coverage,
       as long as ``k`` does not exceed the number of reduced candidates (when
       it does, all of them are chosen and the rest are padded with zero-gain
       candidates, in index order, and a note says so);
    5. demand points with identical candidate sets are merged (weights summed).

    The MILP has binaries ``x_j`` for candidates, continuous ``0 <= y_g <= 1``
    for merged demand groups, ``y_g <= sum_{j covers g} x_j`` and
    ``sum_j x_j = k'``; maximise ``sum_g W_g y_g``.  The greedy solution is
    passed to HiGHS as a starting incumbent.

    Examples
    --------
    >>> inst = CoverageInstance.from_json({
    ...     "demand": [{"id": d, "weight": w} for d, w in
    ...                [("a", 4), ("b", 3), ("c", 3), ("d", 1)]],
    ...     "candidates": [{"id": "x", "covers": ["a", "d"]},
    ...                    {"id": "y", "covers": ["a", "b"]},
    ...                    {"id": "z", "covers": ["c", "d"]}]})
    >>> res = MaxCoverage(2).solve(inst)
    >>> res.chosen, res.marginal_weight, res.optimal
    (['y', 'z'], [7.0, 4.0], True)
    >>> MaxCoverage(2, force_in=["x"]).solve(inst).objective
    8.0
    """

    def __init__(
        self,
        k: int,
        *,
        force_in: Iterable[str] = (),
        force_out: Iterable[str] = (),
        time_limit: float = 60.0,
        mip_rel_gap: float = 0.0,
        solver: str = "highs",
    ) -> None:
        if int(k) != k or k < 0:
            raise ValueError(f"k must be a non-negative integer, got {k!r}")
        if solver not in ("highs", "greedy"):
            raise ValueError(f"solver must be 'highs' or 'greedy', got {solver!r}")
        if not (mip_rel_gap >= 0):
            raise ValueError("mip_rel_gap must be >= 0")
        self.k = int(k)
        self.force_in = tuple(str(c) for c in force_in)
        self.force_out = tuple(str(c) for c in force_out)
        self.time_limit = float(time_limit)
        self.mip_rel_gap = float(mip_rel_gap)
        self.solver = solver

    def solve(self, instance: CoverageInstance) -> SitingResult:
        """Solve on ``instance``; see the class docstring.

        Returns
        -------
        SitingResult

        Raises
        ------
        ValueError
            Unknown forced ids, a candidate both forced in and out, or more
            forced-in candidates than ``k``.
        """
        t0 = time.perf_counter()
        inst = instance
        notes: list[str] = []
        fin, fout = _resolve_forced(inst, self.force_in, self.force_out)
        if fin.size > self.k:
            raise ValueError(f"{fin.size} candidates are forced in but k = {self.k}")
        allowed = np.ones(inst.n_candidates, dtype=bool)
        allowed[fout] = False
        n_allowed = int(allowed.sum())
        k_total = min(self.k, n_allowed)
        if k_total < self.k:
            notes.append(f"only {n_allowed} allowed candidates for k = {self.k}: all are chosen")
        free = allowed.copy()
        free[fin] = False
        red, live = _countable_demand(inst, allowed)
        a, w, cols = reduce_candidates(inst.coverage, live, inst.weights, fin, fout, free, red)
        k_eff = min(k_total - fin.size, a.shape[1])
        sel_local, model_val, ub, status, optimal = solve_reduced(
            a,
            w,
            k_eff,
            deadline=t0 + self.time_limit,
            mip_rel_gap=self.mip_rel_gap,
            exact=self.solver == "highs",
            stats=red,
        )
        chosen_cols = _pad_to_k(
            np.concatenate([fin, cols[np.asarray(sel_local, dtype=np.int64)]]), free, k_total, k_eff + fin.size, notes
        )
        return self._ranked_result(inst, chosen_cols, model_val, ub, status, optimal, red, notes, t0)

    def _ranked_result(
        self,
        inst: CoverageInstance,
        chosen_cols: np.ndarray,
        model_val: float,
        ub: float,
        status: str,
        optimal: bool,
        red: dict[str, int],
        notes: list[str],
        t0: float,
    ) -> SitingResult:
        """Rank the chosen candidates and recompute the objective exactly on the whole instance."""
        target = ~inst.covered
        order, gains = _rank_chosen(inst, chosen_cols, target)
        objective = float(inst.weights[_covered_by(inst.coverage, order) & target].sum())
        forced_val = objective - model_val  # coverage by forced-in candidates
        ub_total = ub + forced_val
        gap = 0.0 if optimal else _rel_gap(objective, ub_total)
        return SitingResult(
            objective=objective,
            chosen=[str(inst.candidate_ids[j]) for j in order],
            marginal_weight=[float(g) for g in gains],
            optimal=bool(optimal),
            status=status,
            mip_gap=float(gap),
            solve_seconds=time.perf_counter() - t0,
            k=self.k,
            upper_bound=float(max(ub_total, objective)),
            reduction=red,
            notes=notes,
        )


def _countable_demand(inst: CoverageInstance, allowed: np.ndarray) -> tuple[dict[str, int], np.ndarray]:
    """Reduction 1: the demand that can count (not locked, positive weight, coverable), with counts."""
    cov = inst.coverage
    n_d, n_c = inst.n_demand, inst.n_candidates
    target = ~inst.covered
    red: dict[str, int] = {"demand_before": n_d, "candidates_before": n_c}
    red["demand_locked"] = int(inst.covered.sum())
    red["demand_zero_weight"] = int((target & (inst.weights <= 0)).sum())
    live = target & (inst.weights > 0)
    n_allowed = int(allowed.sum())
    if n_allowed == n_c:  # nothing forced out: every column counts
        n_allowed_cov = np.asarray(cov.getnnz(axis=1)).reshape(-1)
    elif n_allowed:
        n_allowed_cov = np.asarray(cov[:, np.flatnonzero(allowed)].getnnz(axis=1)).reshape(-1)
    else:
        n_allowed_cov = np.zeros(n_d, int)
    red["demand_uncoverable"] = int((live & (n_allowed_cov == 0)).sum())
    live &= n_allowed_cov > 0
    return red, live


def _pad_to_k(chosen_cols: np.ndarray, free: np.ndarray, k_total: int, n_useful: int, notes: list[str]) -> np.ndarray:
    """Pad the chosen columns with zero-gain free candidates, in index order, up to ``k_total`` (noted)."""
    if chosen_cols.size >= k_total:
        return chosen_cols
    pool = np.flatnonzero(free & ~np.isin(np.arange(free.size), chosen_cols))
    pad = pool[: k_total - chosen_cols.size]
    notes.append(
        f"only {n_useful} candidates add coverage; padded with "
        f"{pad.size} zero-gain candidate(s) in index order to reach k = {k_total}"
    )
    return np.concatenate([chosen_cols, pad])
