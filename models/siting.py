"""Venue-siting optimisation: maximal covering with locked sites, and set cover.

Two models in the style of PySAL ``spopt.locate``:

* :class:`MaxCoverage` -- choose exactly ``k`` candidate venues to maximise the
  summed weight of demand (e.g. under-5s) newly covered, where demand already
  covered by locked (existing) hubs and spokes counts zero.
* :class:`SetCover` -- the fewest candidate venues covering every target
  demand point that any allowed candidate can cover.

Both work on a :class:`CoverageInstance` (demand weights, a sparse
demand x candidate 0/1 coverage matrix and a mask of demand already covered),
apply exact problem reductions, and solve the reduced model as a mixed-integer
programme with HiGHS (``highspy``).  A lazy greedy heuristic gives a warm start
and is used as a fallback when HiGHS fails or runs out of time; the result
always says which happened (``optimal``, ``status``, ``mip_gap``).

Everything is deterministic: ties are broken by the lowest candidate index in
the instance, and HiGHS is run single-threaded with a fixed seed.

Examples
--------
>>> inst = CoverageInstance.from_json({
...     "demand": [{"id": "a", "weight": 3}, {"id": "b", "weight": 2},
...                {"id": "c", "weight": 1}],
...     "candidates": [{"id": "x", "covers": ["a"]},
...                    {"id": "y", "covers": ["b", "c"]}],
...     "covered": ["a"]})
>>> res = MaxCoverage(1).solve(inst)
>>> res.chosen, res.objective, res.optimal
(['y'], 3.0, True)
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

__all__ = [
    "CoverageInstance",
    "MaxCoverage",
    "SetCover",
    "SetCoverResult",
    "SitingResult",
    "solve_instance_file",
]

_GAP_TOL = 1e-9  # relative gap under which a greedy solution is reported optimal
_OPT_TOL = 1e-6  # relative gap under which a HiGHS solution is reported optimal


# --------------------------------------------------------------------------
# Instance
# --------------------------------------------------------------------------
@dataclass
class CoverageInstance:
    """A covering problem: weighted demand, candidates and their coverage.

    Parameters
    ----------
    demand_ids : numpy.ndarray of str, shape (n_demand,)
        Unique demand-point identifiers (e.g. output-area codes).
    weights : numpy.ndarray of float, shape (n_demand,)
        Non-negative, finite demand weights (e.g. estimated under-5s).
    candidate_ids : numpy.ndarray of str, shape (n_candidates,)
        Unique candidate-venue identifiers.
    coverage : scipy.sparse matrix of bool, shape (n_demand, n_candidates)
        ``coverage[i, j]`` is True when candidate ``j`` covers demand ``i``.
        Stored as CSC.
    covered : numpy.ndarray of bool, shape (n_demand,), optional
        Demand already covered by locked existing hubs/spokes.  Such demand is
        never counted in an objective.  Default: nothing covered.

    Raises
    ------
    ValueError
        On duplicate ids, negative or non-finite weights or shape mismatches.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> inst = CoverageInstance(np.array(["a", "b"]), np.array([1.0, 2.0]),
    ...                         np.array(["x"]), sp.csc_matrix([[True], [False]]))
    >>> inst.n_demand, inst.n_candidates, int(inst.covered.sum())
    (2, 1, 0)
    """

    demand_ids: np.ndarray
    weights: np.ndarray
    candidate_ids: np.ndarray
    coverage: sp.spmatrix
    covered: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.demand_ids = np.asarray(self.demand_ids, dtype=str).reshape(-1)
        self.candidate_ids = np.asarray(self.candidate_ids, dtype=str).reshape(-1)
        n_d, n_c = self.demand_ids.size, self.candidate_ids.size
        _check_unique(self.demand_ids, "demand")
        _check_unique(self.candidate_ids, "candidate")
        w = np.asarray(self.weights, dtype=float).reshape(-1)
        if w.size != n_d:
            raise ValueError(f"weights has {w.size} entries but there are {n_d} demand ids")
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"demand {str(self.demand_ids[i])!r} has invalid weight {float(w[i])!r}: "
                "weights must be finite and >= 0"
            )
        self.weights = w
        cov = sp.csc_matrix(self.coverage, dtype=bool)
        if cov.shape != (n_d, n_c):
            raise ValueError(
                f"coverage has shape {cov.shape}, expected (n_demand, n_candidates) = {(n_d, n_c)}"
            )
        cov.eliminate_zeros()
        cov.sum_duplicates()
        cov.sort_indices()
        self.coverage = cov
        if self.covered is None:
            self.covered = np.zeros(n_d, dtype=bool)
        else:
            c = np.asarray(self.covered, dtype=bool).reshape(-1)
            if c.size != n_d:
                raise ValueError(f"covered has {c.size} entries but there are {n_d} demand ids")
            self.covered = c

    # -- sizes --------------------------------------------------------------
    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return int(self.demand_ids.size)

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return int(self.candidate_ids.size)

    # -- constructors -------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CoverageInstance":
        """Build an instance from the JSON-style dict (see :meth:`from_json`)."""
        if not isinstance(data, Mapping):
            raise ValueError("instance must be a JSON object with 'demand' and 'candidates'")
        for key in ("demand", "candidates"):
            if key not in data:
                raise ValueError(f"instance is missing the {key!r} list")
        demand = data["demand"]
        cands = data["candidates"]
        d_ids: list[str] = []
        w: list[float] = []
        for n, rec in enumerate(demand):
            if not isinstance(rec, Mapping) or "id" not in rec:
                raise ValueError(f"demand entry {n} has no 'id'")
            did = str(rec["id"])
            if "weight" not in rec:
                raise ValueError(f"demand {did!r} has no 'weight'")
            try:
                wt = float(rec["weight"])
            except (TypeError, ValueError):
                raise ValueError(f"demand {did!r} has non-numeric weight {rec['weight']!r}") from None
            d_ids.append(did)
            w.append(wt)
        _check_unique(np.asarray(d_ids, dtype=str), "demand")
        index = {d: i for i, d in enumerate(d_ids)}
        c_ids: list[str] = []
        rows: list[int] = []
        cols: list[int] = []
        for j, rec in enumerate(cands):
            if not isinstance(rec, Mapping) or "id" not in rec:
                raise ValueError(f"candidate entry {j} has no 'id'")
            cid = str(rec["id"])
            c_ids.append(cid)
            for did in rec.get("covers", []) or []:
                i = index.get(str(did))
                if i is None:
                    raise ValueError(f"candidate {cid!r} covers unknown demand id {did!r}")
                rows.append(i)
                cols.append(j)
        _check_unique(np.asarray(c_ids, dtype=str), "candidate")
        covered = np.zeros(len(d_ids), dtype=bool)
        for did in data.get("covered", []) or []:
            i = index.get(str(did))
            if i is None:
                raise ValueError(f"'covered' lists unknown demand id {did!r}")
            covered[i] = True
        cov = sp.csc_matrix(
            (np.ones(len(rows), dtype=bool), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=(len(d_ids), len(c_ids)),
            dtype=bool,
        )
        return cls(np.asarray(d_ids, dtype=str), np.asarray(w, dtype=float),
                   np.asarray(c_ids, dtype=str), cov, covered)

    @classmethod
    def from_json(cls, path_or_dict: str | Path | Mapping[str, Any]) -> "CoverageInstance":
        """Read an instance from a JSON file (or an already-parsed dict).

        The format is::

            {"demand": [{"id": "E00000001", "weight": 1.5}, ...],
             "candidates": [{"id": "school-1", "covers": ["E00000001", ...]}, ...],
             "covered": ["<demand id already covered by locked sites>", ...]}

        ``covered`` is optional (default empty).

        Parameters
        ----------
        path_or_dict : str, pathlib.Path or dict
            Path of a JSON file, or the parsed dict.

        Returns
        -------
        CoverageInstance

        Raises
        ------
        ValueError
            Unknown demand ids in ``covers`` or ``covered``, duplicate ids,
            negative/NaN weights; the message names the offending id.

        Examples
        --------
        >>> inst = CoverageInstance.from_json({"demand": [{"id": "a", "weight": 1}],
        ...                                    "candidates": [{"id": "x", "covers": ["a"]}]})
        >>> inst.coverage.toarray().tolist()
        [[True]]
        >>> CoverageInstance.from_json({"demand": [{"id": "a", "weight": 1}],
        ...                             "candidates": [{"id": "x", "covers": ["zz"]}]})
        Traceback (most recent call last):
        ...
        ValueError: candidate 'x' covers unknown demand id 'zz'
        """
        if isinstance(path_or_dict, Mapping):
            return cls.from_dict(path_or_dict)
        with open(path_or_dict, encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-style dict understood by :meth:`from_json`."""
        cov = self.coverage.tocsc()
        cov.sort_indices()
        demand = [{"id": str(d), "weight": float(w)} for d, w in zip(self.demand_ids, self.weights)]
        cands = []
        for j, cid in enumerate(self.candidate_ids):
            rows = cov.indices[cov.indptr[j]:cov.indptr[j + 1]]
            cands.append({"id": str(cid), "covers": [str(self.demand_ids[i]) for i in rows]})
        return {
            "demand": demand,
            "candidates": cands,
            "covered": [str(d) for d in self.demand_ids[self.covered]],
        }

    def to_json(self, path: str | Path) -> None:
        """Write the instance as JSON in the :meth:`from_json` format.

        Examples
        --------
        >>> import tempfile, os
        >>> inst = CoverageInstance.from_json({"demand": [{"id": "a", "weight": 2}],
        ...                                    "candidates": [{"id": "x", "covers": ["a"]}]})
        >>> p = os.path.join(tempfile.mkdtemp(), "inst.json")
        >>> inst.to_json(p)
        >>> CoverageInstance.from_json(p).to_dict() == inst.to_dict()
        True
        """
        path = Path(path)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, indent=1)
            fh.write("\n")

    @classmethod
    def from_travel_times(
        cls,
        demand_ids: Sequence[str],
        weights: Sequence[float],
        candidate_ids: Sequence[str],
        minutes: np.ndarray,
        threshold: float,
        locked_minutes: np.ndarray | None = None,
    ) -> "CoverageInstance":
        """Build an instance from travel times and a threshold.

        Parameters
        ----------
        demand_ids, weights, candidate_ids
            As in the class.
        minutes : array_like, shape (n_demand, n_candidates)
            Travel minutes from each demand point to each candidate; NaN or
            inf means unreachable.
        threshold : float
            A candidate covers a demand point when ``minutes <= threshold``.
        locked_minutes : array_like, shape (n_demand, n_locked), optional
            Travel minutes to locked existing sites; demand within
            ``threshold`` of any of them is marked ``covered``.

        Examples
        --------
        >>> inst = CoverageInstance.from_travel_times(
        ...     ["a", "b"], [1, 1], ["x", "y"], [[5, 20], [16, 10]], 15,
        ...     locked_minutes=[[30], [12]])
        >>> inst.coverage.toarray().tolist(), inst.covered.tolist()
        ([[True, False], [False, True]], [False, True])
        """
        m = np.asarray(minutes, dtype=float)
        n_d, n_c = len(demand_ids), len(candidate_ids)
        if m.ndim != 2 or m.shape != (n_d, n_c):
            raise ValueError(f"minutes has shape {m.shape}, expected {(n_d, n_c)}")
        with np.errstate(invalid="ignore"):
            cov = sp.csc_matrix(m <= threshold)
        covered = np.zeros(n_d, dtype=bool)
        if locked_minutes is not None:
            lm = np.asarray(locked_minutes, dtype=float)
            if lm.ndim == 1:
                lm = lm[:, None]
            if lm.shape[0] != n_d:
                raise ValueError(f"locked_minutes has {lm.shape[0]} rows, expected {n_d}")
            with np.errstate(invalid="ignore"):
                covered = (lm <= threshold).any(axis=1)
        return cls(np.asarray(demand_ids, dtype=str), np.asarray(weights, dtype=float),
                   np.asarray(candidate_ids, dtype=str), cov, covered)

    # -- helpers ------------------------------------------------------------
    def candidate_index(self, ids: Iterable[str], what: str = "candidate") -> np.ndarray:
        """Map candidate ids to column indices (ValueError on unknown ids)."""
        ids = list(ids)
        if not ids:  # the usual case (nothing forced): no lookup table to build
            return np.zeros(0, dtype=np.int64)
        lookup = {c: j for j, c in enumerate(self.candidate_ids)}
        out = []
        for cid in ids:
            j = lookup.get(str(cid))
            if j is None:
                raise ValueError(f"{what} id {cid!r} is not a candidate")
            out.append(j)
        return np.unique(np.asarray(out, dtype=np.int64))

    def coverage_of(self, chosen: Iterable[str]) -> float:
        """Summed weight of uncovered demand covered by ``chosen`` candidate ids.

        Examples
        --------
        >>> inst = CoverageInstance.from_json({
        ...     "demand": [{"id": "a", "weight": 3}, {"id": "b", "weight": 2}],
        ...     "candidates": [{"id": "x", "covers": ["a", "b"]}], "covered": ["a"]})
        >>> inst.coverage_of(["x"])
        2.0
        """
        cols = self.candidate_index(chosen)
        hit = _covered_by(self.coverage, cols) & ~self.covered
        return float(self.weights[hit].sum())


def _check_unique(ids: np.ndarray, what: str) -> None:
    uniq, counts = np.unique(ids, return_counts=True)
    dup = uniq[counts > 1]
    if dup.size:
        raise ValueError(f"duplicate {what} id {str(dup[0])!r}")


def _covered_by(cov: sp.spmatrix, cols: np.ndarray) -> np.ndarray:
    """Boolean mask of rows covered by any of ``cols``."""
    if len(cols) == 0:
        return np.zeros(cov.shape[0], dtype=bool)
    sub = sp.csc_matrix(cov)[:, cols]
    return np.asarray(sub.getnnz(axis=1) > 0).reshape(-1)


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------
@dataclass
class SitingResult:
    """Result of :meth:`MaxCoverage.solve`.

    Attributes
    ----------
    objective : float
        Summed weight of demand newly covered (locked coverage counts zero).
    chosen : list of str
        Chosen candidate ids, ranked by marginal gain in greedy order over the
        chosen set (ties: lowest candidate index).
    marginal_weight : list of float
        Marginal weight added by each chosen candidate in that order; sums to
        ``objective``.
    optimal : bool
        True when the objective is proven optimal (relative gap <= 1e-9).
    status : str
        ``"optimal"``, ``"time_limit"`` (HiGHS incumbent, gap reported),
        ``"greedy"`` (greedy requested) or ``"greedy_fallback: <reason>"``.
    mip_gap : float
        Relative gap between the objective and the best upper bound known.
    solve_seconds : float
        Wall-clock seconds spent in :meth:`MaxCoverage.solve`.
    k : int
        Number of sites requested.
    upper_bound : float
        Best known upper bound on the optimal objective.
    reduction : dict
        Sizes before/after reductions (``demand_before``, ``demand_after``,
        ``candidates_before``, ``candidates_after``) and counts per rule.
    notes : list of str
        Anything a user should know (e.g. fewer candidates than ``k``,
        padding with zero-gain candidates).
    """

    objective: float
    chosen: list[str]
    marginal_weight: list[float]
    optimal: bool
    status: str
    mip_gap: float
    solve_seconds: float
    k: int
    upper_bound: float
    reduction: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of the result (non-finite floats become None)."""
        return {
            "objective": self.objective,
            "chosen": list(self.chosen),
            "marginal_weight": list(self.marginal_weight),
            "optimal": self.optimal,
            "status": self.status,
            "mip_gap": _finite_or_none(self.mip_gap),
            "solve_seconds": self.solve_seconds,
            "k": self.k,
            "upper_bound": _finite_or_none(self.upper_bound),
            "reduction": dict(self.reduction),
            "notes": list(self.notes),
        }


@dataclass
class SetCoverResult:
    """Result of :meth:`SetCover.solve`.

    Attributes
    ----------
    chosen : list of str
        Chosen candidate ids, ranked by marginal weight (then count) of newly
        covered target demand in greedy order.
    n_chosen : int
        ``len(chosen)``: the objective being minimised.
    uncoverable : list of str
        Target demand ids that no allowed candidate covers (left uncovered).
    covered_weight : float
        Summed weight of target demand covered by the chosen set.
    optimal, status, mip_gap, solve_seconds, lower_bound, reduction, notes
        As in :class:`SitingResult` (``lower_bound`` bounds ``n_chosen``).
    """

    chosen: list[str]
    n_chosen: int
    uncoverable: list[str]
    covered_weight: float
    optimal: bool
    status: str
    mip_gap: float
    solve_seconds: float
    lower_bound: float
    reduction: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _finite_or_none(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


# --------------------------------------------------------------------------
# Reductions and helpers shared by both models
# --------------------------------------------------------------------------
def _merge_identical_rows(a: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge rows with identical column sets, summing weights (first occurrence order)."""
    a = sp.csr_matrix(a)
    a.sort_indices()
    if a.shape[0] == 0:
        return a, w
    keys = [a.indices[a.indptr[i]:a.indptr[i + 1]].tobytes() for i in range(a.shape[0])]
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


def _greedy(
    a: sp.csc_matrix, w: np.ndarray, k: int, *, candidates: np.ndarray | None = None,
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
            g2 = (at[ties] @ rem2)
            ties = ties[g2 >= g2.max()]
        j = int(ties[0])
        picked.append(j)
        gains.append(float(gain[j]))
        value += float(gain[j])
        rows = a.indices[a.indptr[j]:a.indptr[j + 1]]
        remaining[rows] = 0.0
        if rem2 is not None:
            rem2[rows] = 0.0
        allowed[j] = False
    return np.asarray(picked, dtype=np.int64), np.asarray(gains, dtype=float), ub


def _rank_chosen(inst: CoverageInstance, cols: np.ndarray, target: np.ndarray,
                 tie_count: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Order ``cols`` by greedy marginal weight over ``target`` demand."""
    cols = np.asarray(cols, dtype=np.int64)
    if cols.size == 0:
        return cols, np.zeros(0)
    w = np.where(target, inst.weights, 0.0)
    w2 = target.astype(float) if tie_count else None
    sub = inst.coverage[:, np.sort(cols)]
    order, gains, _ = _greedy(sub, w, cols.size, w2=w2)
    return np.sort(cols)[order], gains


def _resolve_forced(inst: CoverageInstance, force_in: Iterable[str], force_out: Iterable[str]
                    ) -> tuple[np.ndarray, np.ndarray]:
    fin = inst.candidate_index(force_in, "force_in")
    fout = inst.candidate_index(force_out, "force_out")
    both = np.intersect1d(fin, fout)
    if both.size:
        raise ValueError(f"candidate {str(inst.candidate_ids[both[0]])!r} is in both force_in and force_out")
    return fin, fout


def _highs_solve(
    c: np.ndarray, a: sp.csc_matrix, row_lo: np.ndarray, row_hi: np.ndarray,
    col_lo: np.ndarray, col_hi: np.ndarray, integer: np.ndarray, *, maximize: bool,
    time_limit: float, mip_rel_gap: float, start: np.ndarray | None = None,
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
    lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
                       for f in integer]
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


# --------------------------------------------------------------------------
# Maximal covering
# --------------------------------------------------------------------------
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
        n_d, n_c = inst.n_demand, inst.n_candidates
        allowed = np.ones(n_c, dtype=bool)
        allowed[fout] = False
        n_allowed = int(allowed.sum())
        k_total = min(self.k, n_allowed)
        if k_total < self.k:
            notes.append(f"only {n_allowed} allowed candidates for k = {self.k}: all are chosen")
        free = allowed.copy()
        free[fin] = False
        k_rem = k_total - fin.size

        cov = inst.coverage  # csc
        target = ~inst.covered  # demand that can count
        red: dict[str, int] = {"demand_before": n_d, "candidates_before": n_c}
        red["demand_locked"] = int(inst.covered.sum())
        red["demand_zero_weight"] = int((target & (inst.weights <= 0)).sum())
        live = target & (inst.weights > 0)
        if n_allowed == n_c:  # nothing forced out: every column counts
            n_allowed_cov = np.asarray(cov.getnnz(axis=1)).reshape(-1)
        else:
            n_allowed_cov = np.asarray(cov[:, np.flatnonzero(allowed)].getnnz(axis=1)).reshape(-1) if n_allowed else np.zeros(n_d, int)
        red["demand_uncoverable"] = int((live & (n_allowed_cov == 0)).sum())
        live &= n_allowed_cov > 0
        by_forced = _covered_by(cov, fin)
        red["demand_by_forced_in"] = int((live & by_forced).sum())
        live &= ~by_forced
        rows = np.flatnonzero(live)
        free_cols = np.flatnonzero(free)
        a = sp.csc_matrix(cov[rows][:, free_cols])
        w = inst.weights[rows]
        red["candidates_forced_out"] = int(fout.size)
        red["candidates_forced_in"] = int(fin.size)
        nonempty = np.asarray(a.getnnz(axis=0) > 0).reshape(-1)
        red["candidates_empty"] = int((~nonempty).sum())
        a = a[:, nonempty]
        cols = free_cols[nonempty]
        dom = _dominated_columns(a) if a.shape[1] > 1 else np.zeros(a.shape[1], bool)
        red["candidates_dominated"] = int(dom.sum())
        a = a[:, ~dom]
        cols = cols[~dom]
        n_rows_before_merge = a.shape[0]
        a_r, w_r = _merge_identical_rows(a.tocsr(), w)
        red["demand_merged"] = int(n_rows_before_merge - a_r.shape[0])
        a = sp.csc_matrix(a_r)
        w = w_r
        red["demand_after"] = int(a.shape[0])
        red["candidates_after"] = int(a.shape[1])

        k_eff = min(k_rem, a.shape[1])
        deadline = t0 + self.time_limit
        sel_local, model_val, ub, status, optimal = _solve_mc(
            a, w, k_eff, deadline=deadline, mip_rel_gap=self.mip_rel_gap,
            exact=self.solver == "highs", stats=red)

        # Map back, pad to exactly k_total, rank, and recompute exactly.
        chosen_cols = np.concatenate([fin, cols[np.asarray(sel_local, dtype=np.int64)]])
        if chosen_cols.size < k_total:
            pool = np.flatnonzero(free & ~np.isin(np.arange(n_c), chosen_cols))
            pad = pool[: k_total - chosen_cols.size]
            notes.append(
                f"only {k_eff + fin.size} candidates add coverage; padded with "
                f"{pad.size} zero-gain candidate(s) in index order to reach k = {k_total}"
            )
            chosen_cols = np.concatenate([chosen_cols, pad])
        order, gains = _rank_chosen(inst, chosen_cols, target)
        objective = float(inst.weights[_covered_by(cov, order) & target].sum())
        forced_val = objective - model_val  # coverage by forced-in candidates
        ub_total = ub + forced_val
        gap = _rel_gap(objective, ub_total)
        if optimal:
            gap = 0.0
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


# --------------------------------------------------------------------------
# Maximal-covering core on a reduced problem (rows: merged demand groups with
# positive weight, each covered by >= 1 column; columns: free candidates)
# --------------------------------------------------------------------------
def _value(a: sp.csc_matrix, w: np.ndarray, sel: np.ndarray) -> float:
    return float(w[_covered_by(a, np.asarray(sel, dtype=np.int64))].sum())


def _local_search(a: sp.csc_matrix, w: np.ndarray, sel: np.ndarray, deadline: float,
                  max_iter: int = 1000) -> np.ndarray:
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
        cnt[a.indices[a.indptr[out]:a.indptr[out + 1]]] -= 1
        cnt[a.indices[a.indptr[j]:a.indptr[j + 1]]] += 1
        sel = np.sort(np.concatenate([np.delete(sel, s_i), [j]]))
    return sel


def _lp_relaxation(a: sp.csc_matrix, w: np.ndarray, k: int, deadline: float
                   ) -> tuple[np.ndarray, np.ndarray] | None:
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


def _lagrangian(a: sp.csc_matrix, w: np.ndarray, k: int, u: np.ndarray
                ) -> tuple[float, np.ndarray, float]:
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


def _fixings(c: np.ndarray, base: float, k: int, lb: float, tol: float
             ) -> tuple[np.ndarray, np.ndarray]:
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


def _pad(sel: np.ndarray, n: int, k: int) -> np.ndarray:
    """Add the lowest-index unchosen columns until ``len(sel) == min(k, n)``."""
    sel = np.asarray(sel, dtype=np.int64)
    if sel.size >= min(k, n):
        return np.sort(sel)
    rest = np.setdiff1d(np.arange(n), sel)[: min(k, n) - sel.size]
    return np.sort(np.concatenate([sel, rest]))


#: HiGHS options for the maximal-covering MILPs (measured fastest on
#: geometric instances: the LP relaxation is solved faster by interior point,
#: and HiGHS presolve adds little after our own reductions).
SUPPORT_EXTRA = 1
_MC_HIGHS_OPTIONS: dict[str, Any] = {"presolve": "off", "mip_lp_solver": "ipm"}


def _mc_milp(a: sp.csc_matrix, w: np.ndarray, k: int, start_sel: np.ndarray | None, *,
             deadline: float, mip_rel_gap: float) -> tuple[str, np.ndarray | None, float]:
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
        np.concatenate([np.zeros(n_x), w]), A,
        np.concatenate([np.full(n_g, -np.inf), [-np.inf]]),
        np.concatenate([np.zeros(n_g), [float(k)]]),
        np.zeros(n_x + n_g), np.ones(n_x + n_g),
        np.concatenate([np.ones(n_x, bool), np.zeros(n_g, bool)]),
        maximize=True, time_limit=deadline - time.perf_counter(),
        mip_rel_gap=mip_rel_gap, start=start, options=_MC_HIGHS_OPTIONS)
    if x is None:
        return status, None, bound
    xs = x[:n_x]
    sel = np.flatnonzero(xs > 0.5)
    if sel.size > k:  # numerical safety: keep the k largest values
        sel = np.sort(np.argsort(-xs, kind="stable")[:k])
    return status, sel, bound


def _restrict(a: sp.csc_matrix, w: np.ndarray, cols: np.ndarray
              ) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    """Sub-problem on ``cols``: rows they cover, identical rows merged."""
    sub = sp.csc_matrix(a[:, cols])
    rows = np.flatnonzero(sub.getnnz(axis=1) > 0)
    sub_r, w_r = _merge_identical_rows(sub[rows].tocsr(), w[rows])
    return sp.csc_matrix(sub_r), w_r, rows


def _solve_mc(
    a: sp.csc_matrix, w: np.ndarray, k: int, *, deadline: float, mip_rel_gap: float,
    exact: bool, stats: dict[str, int] | None = None,
) -> tuple[np.ndarray, float, float, str, bool]:
    """Maximum coverage on a reduced problem (rows with positive weight, each
    covered by at least one column).

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
    scale = max(1.0, float(w.sum()))
    tol = 1e-9 * scale
    if lb >= ub - tol:
        return sel, lb, lb, "optimal", True
    if not exact:
        return sel, lb, ub, "greedy", False
    if time.perf_counter() >= deadline:
        return sel, lb, ub, "greedy_fallback: time limit reached before MILP", False

    try:
        relax = _lp_relaxation(a, w, k, deadline)
    except Exception:  # pragma: no cover - defensive
        relax = None
    fix0 = np.zeros(n_x, bool)
    fix1 = np.zeros(n_x, bool)
    if relax is not None:
        x_lp, duals = relax
        best = None
        for sgn in (1.0, -1.0):  # sign convention of row duals when maximising
            cand = _lagrangian(a, w, k, sgn * duals)
            if best is None or cand[0] < best[0]:
                best = cand
        lag, c, base = best
        ub = min(ub, lag)
        if lb >= ub - tol:
            return sel, lb, lb, "optimal", True
        # Step 3: MILP on the LP support plus the incumbent.
        supp = np.union1d(np.flatnonzero(x_lp > 1e-3), sel)
        supp = np.union1d(supp, np.argsort(-c, kind="stable")[: SUPPORT_EXTRA * k])
        if supp.size < n_x // 2 and time.perf_counter() < deadline:
            sub, w_sub, _ = _restrict(a, w, supp)
            try:
                st, pick, _ = _mc_milp(sub, w_sub, k, np.flatnonzero(np.isin(supp, sel)),
                                       deadline=deadline, mip_rel_gap=mip_rel_gap)
            except Exception:  # pragma: no cover - defensive
                pick = None
            if pick is not None:
                cand_sel = _local_search(a, w, _pad(supp[pick], n_x, k), deadline)
                v = _value(a, w, cand_sel)
                if v > lb:
                    sel, lb = cand_sel, v
            if lb >= ub - tol:
                return sel, lb, lb, "optimal", True
        fix0, fix1 = _fixings(c, base, k, lb, tol)
        # the incumbent satisfies every fixing in exact arithmetic; never cut it off
        fix0[sel] = False
        fix1 &= np.isin(np.arange(n_x), sel)
    if stats is not None:
        stats["candidates_fixed_out_by_bound"] = int(fix0.sum())
        stats["candidates_fixed_in_by_bound"] = int(fix1.sum())

    # Step 5: fixed-in columns are chosen and their rows dropped.
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
    if time.perf_counter() >= deadline:
        return sel, lb, ub, "greedy_fallback: time limit reached before MILP", False
    try:
        status, pick, bound = _mc_milp(sub, w_sub, k_sub, np.flatnonzero(np.isin(free, sel)),
                                       deadline=deadline, mip_rel_gap=mip_rel_gap)
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
        if mip_rel_gap == 0.0 or _rel_gap(v, ub) <= _OPT_TOL:
            return chosen, v, v, "optimal", True
        return chosen, v, ub, "optimal_within_gap", False
    return chosen, v, ub, status, False


def _rel_gap(val: float, bound: float) -> float:
    if not math.isfinite(bound):
        return math.inf
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - val) / abs(bound))


# --------------------------------------------------------------------------
# Set cover
# --------------------------------------------------------------------------
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
        if self.target_mask is None:
            target = np.ones(n_d, dtype=bool)
        else:
            if self.target_mask.shape != (n_d,):
                raise ValueError(f"target_mask has shape {self.target_mask.shape}, expected {(n_d,)}")
            target = self.target_mask.copy()
        target &= ~inst.covered
        allowed = np.ones(n_c, dtype=bool)
        allowed[fout] = False
        free = allowed.copy()
        free[fin] = False
        cov = inst.coverage
        red: dict[str, int] = {"demand_before": n_d, "candidates_before": n_c}
        red["demand_not_target_or_locked"] = int((~target).sum())
        ncov = np.asarray(cov[:, np.flatnonzero(allowed)].getnnz(axis=1)).reshape(-1) if allowed.any() else np.zeros(n_d, int)
        unc = target & (ncov == 0)
        red["demand_uncoverable"] = int(unc.sum())
        live = target & ~unc
        by_forced = _covered_by(cov, fin)
        red["demand_by_forced_in"] = int((live & by_forced).sum())
        live &= ~by_forced
        rows = np.flatnonzero(live)
        free_cols = np.flatnonzero(free)
        a = sp.csc_matrix(cov[rows][:, free_cols])
        red["candidates_forced_out"] = int(fout.size)
        red["candidates_forced_in"] = int(fin.size)
        nonempty = np.asarray(a.getnnz(axis=0) > 0).reshape(-1)
        red["candidates_empty"] = int((~nonempty).sum())
        a, cols = a[:, nonempty], free_cols[nonempty]
        dom = _dominated_columns(a) if a.shape[1] > 1 else np.zeros(a.shape[1], bool)
        red["candidates_dominated"] = int(dom.sum())
        a, cols = a[:, ~dom], cols[~dom]
        n_before = a.shape[0]
        a_r, _ = _merge_identical_rows(a.tocsr(), np.ones(n_before))
        red["demand_merged"] = int(n_before - a_r.shape[0])
        a = sp.csc_matrix(a_r)
        red["demand_after"] = int(a.shape[0])
        red["candidates_after"] = int(a.shape[1])

        notes: list[str] = []
        if a.shape[0] == 0:
            sel, status, optimal, lb = np.zeros(0, np.int64), "optimal", True, 0.0
        else:
            g_sel = _greedy_cover(a)
            status, optimal, sel, lb = self._milp(a, g_sel, self.time_limit - (time.perf_counter() - t0))
        chosen_cols = np.concatenate([fin, cols[sel]])
        order, _ = _rank_chosen(inst, chosen_cols, target, tie_count=True)
        covered_w = float(inst.weights[_covered_by(cov, order) & target].sum())
        n = int(order.size)
        lb_total = lb + fin.size
        if unc.any():
            notes.append(f"{int(unc.sum())} target demand point(s) cannot be covered by any allowed candidate")
        return SetCoverResult(
            chosen=[str(inst.candidate_ids[j]) for j in order],
            n_chosen=n,
            uncoverable=[str(d) for d in inst.demand_ids[unc]],
            covered_weight=covered_w,
            optimal=bool(optimal),
            status=status,
            mip_gap=0.0 if optimal else (n - lb_total) / max(n, 1),
            solve_seconds=time.perf_counter() - t0,
            lower_bound=float(n if optimal else lb_total),
            reduction=red,
            notes=notes,
        )

    def _milp(self, a: sp.csc_matrix, g_sel: np.ndarray, time_limit: float
              ) -> tuple[str, bool, np.ndarray, float]:
        n_r, n_x = a.shape
        start = np.zeros(n_x)
        start[g_sel] = 1.0
        if time_limit <= 0:
            return "greedy_fallback: time limit reached before MILP", False, g_sel, 1.0
        try:
            status, x, bound = _highs_solve(
                np.ones(n_x), a.astype(float), np.ones(n_r), np.full(n_r, np.inf),
                np.zeros(n_x), np.ones(n_x), np.ones(n_x, bool), maximize=False,
                time_limit=time_limit, mip_rel_gap=0.0, start=start)
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
        need[a.indices[a.indptr[j]:a.indptr[j + 1]]] = 0.0
    sel = list(picked)
    # drop redundant columns (last picked first)
    counts = np.asarray(a[:, sel].sum(axis=1)).reshape(-1) if sel else np.zeros(a.shape[0])
    for j in reversed(picked):
        rows = a.indices[a.indptr[j]:a.indptr[j + 1]]
        if np.all(counts[rows] >= 2):
            counts[rows] -= 1
            sel.remove(j)
    return np.sort(np.asarray(sel, dtype=np.int64))


# --------------------------------------------------------------------------
# File entry point (used by `python -m geo sites`)
# --------------------------------------------------------------------------
def solve_instance_file(
    path: str | Path,
    k: int,
    out_dir: str | Path,
    *,
    force_in: Iterable[str] = (),
    force_out: Iterable[str] = (),
    time_limit: float = 60.0,
) -> dict[str, Any]:
    """Solve a JSON instance with :class:`MaxCoverage` and write ``sites.json``.

    Parameters
    ----------
    path : str or pathlib.Path
        JSON instance (see :meth:`CoverageInstance.from_json`).
    k : int
        Number of sites to choose.
    out_dir : str or pathlib.Path
        Folder (created if needed) to receive ``sites.json``.
    force_in, force_out, time_limit
        As in :class:`MaxCoverage`.

    Returns
    -------
    dict
        Keys ``objective, optimal, k, minutes (None), solve_seconds, chosen,
        status, mip_gap, n_demand, n_candidates`` -- the content of
        ``out_dir/sites.json``.

    Examples
    --------
    >>> import tempfile, os, json
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "inst.json")
    >>> with open(p, "w") as fh:
    ...     json.dump({"demand": [{"id": "a", "weight": 2}],
    ...                "candidates": [{"id": "x", "covers": ["a"]}]}, fh)
    >>> solve_instance_file(p, 1, d)["chosen"]
    ['x']
    """
    inst = CoverageInstance.from_json(path)
    res = MaxCoverage(k, force_in=force_in, force_out=force_out, time_limit=time_limit).solve(inst)
    out = {
        "objective": res.objective,
        "optimal": res.optimal,
        "k": int(k),
        "minutes": None,
        "solve_seconds": res.solve_seconds,
        "chosen": list(res.chosen),
        "status": res.status,
        "mip_gap": _finite_or_none(res.mip_gap),
        "n_demand": inst.n_demand,
        "n_candidates": inst.n_candidates,
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "sites.json", "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    return out
