"""Results of the two siting models."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


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
