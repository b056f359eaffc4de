"""What a reader can deduce from a suppressed table: the integer model both disclosure modules attack.

A reader of a table (or of several linked tables) knows every shown cell, every relation
``total = sum(parts)`` and what each label means: ``"<5"`` is 1..4 and ``"c"`` is 0 or at
least 5. :class:`ReaderModel` holds that knowledge as a mixed-integer model whose variables
are the suppressed cells (plus one binary per ``"c"`` cell that may be 0), solved with HiGHS
through :func:`scipy.optimize.milp`.

Relations only join suppressed cells to each other (a shown cell is a constant), so the model
splits into independent *components*: a cell's possible values depend only on the cells it
is joined to through relations with suppressed cells. Each attack on one cell is solved on its
component alone, which keeps the problems small (an LSOA table whose rows are only tied by
``eligible = completed + not reviewed`` splits into one component per row).

:mod:`geo.disclosure` (one table) and :mod:`geo.disclosure.linked` (the LSOA, ward and hub
tables together) decide which cells must stay unpinned and what to suppress next; this module
answers "can this cell take another value?".

Examples
--------
>>> m = ReaderModel.build(true=[2.0, 3.0], lb=[1, 1], ub=[4, 4], relations=[([(0, 1.0), (1, 1.0)], 5.0)])
>>> m.other_value(0, below=True).tolist()     # 1 + 4 = 5: the first cell can be 1
[0, 1]
>>> m.other_value(0, below=False) is not None  # 3 + 2 = 5
True
>>> m = ReaderModel.build(true=[4.0, 4.0], lb=[1, 1], ub=[4, 4], relations=[([(0, 1.0), (1, 1.0)], 8.0)])
>>> m.other_value(0, below=True) is None and m.other_value(0, below=False) is None   # 8 = 4 + 4: pinned
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

__all__ = ["ReaderModel"]

#: options of a feasibility solve: the first integer solution found will do
_FIRST_FEASIBLE = {"mip_rel_gap": 1e9}


@dataclass
class ReaderModel:
    """Suppressed cells as variables, with the relations and label meanings a reader knows.

    Build with :meth:`build`. Variables ``0..n-1`` are the cells (true values ``true``); the
    rest are binaries of disjunctive cells (``x = 0`` or ``threshold <= x <= big``).

    Attributes
    ----------
    a : scipy.sparse.csr_array
        Constraint matrix (relations first, then two rows per disjunctive cell).
    row_lo, row_hi : ndarray
        Row bounds.
    lb, ub : ndarray
        Variable bounds.
    true : ndarray
        True values of the ``n`` cell variables.
    component : ndarray
        Component id of every variable.
    """

    a: sp.csr_array
    row_lo: np.ndarray
    row_hi: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    true: np.ndarray
    component: np.ndarray
    row_component: np.ndarray
    _parts: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of cell variables."""
        return len(self.true)

    @classmethod
    def build(cls, true: Sequence[float], lb: Sequence[float], ub: Sequence[float],
              relations: Sequence[tuple[Sequence[tuple[int, float]], float]],
              disjunctive: Sequence[int] = (), threshold: float = 5, big: float | None = None,
              allowed: dict[int, Sequence[float]] | None = None) -> ReaderModel:
        """Assemble the model.

        Parameters
        ----------
        true : list of float
            True value of each suppressed cell (variable ``k``).
        lb, ub : list of float
            What the labels say about each cell (e.g. 1..4 for ``"<5"``).
        relations : list of ([(k, coefficient), ...], rhs)
            ``sum(coefficient * x_k) = rhs``: a relation with its shown cells moved to the right.
        disjunctive : list of int
            Cells that are 0 or at least ``threshold`` (a ``"c"`` that may hide a zero); their
            ``lb`` should be 0 and ``ub`` at most ``big``.
        threshold : float
        big : float, optional
            Upper bound of a disjunctive cell (default: its ``ub``).
        allowed : dict of int to list of float, optional
            Cells known to take one of a few values (e.g. from a published band): one binary
            per value, ``x_k = sum(v * z_v)`` and ``sum(z_v) = 1``.
        """
        true = np.asarray(true, dtype=float)
        n, nd = len(true), len(disjunctive)
        rows, cols, data, rhs = [], [], [], []
        for r, (terms, b) in enumerate(relations):
            for k, coef in terms:
                rows.append(r)
                cols.append(k)
                data.append(coef)
            rhs.append(b)
        lb_ = np.r_[np.asarray(lb, dtype=float), np.zeros(nd)]
        ub_ = np.r_[np.asarray(ub, dtype=float), np.ones(nd)]
        r0 = len(relations)
        for m, k in enumerate(disjunctive):  # x >= threshold * z and x <= big * z
            hi = ub_[k] if big is None else big
            rows += [r0 + 2 * m, r0 + 2 * m, r0 + 2 * m + 1, r0 + 2 * m + 1]
            cols += [k, n + m, k, n + m]
            data += [1.0, -float(threshold), 1.0, -float(hi)]
        nv, nr = n + nd, r0 + 2 * nd
        row_lo = list(np.r_[rhs, np.tile([0.0, -np.inf], nd)])
        row_hi = list(np.r_[rhs, np.tile([np.inf, 0.0], nd)])
        extra_lb, extra_ub = [], []
        for k, vals in (allowed or {}).items():  # x_k - sum(v z_v) = 0; sum(z_v) = 1
            vals = sorted({float(v) for v in vals})
            zs = list(range(nv, nv + len(vals)))
            rows += [nr] + [nr] * len(vals) + [nr + 1] * len(vals)
            cols += [k] + zs + zs
            data += [1.0] + [-v for v in vals] + [1.0] * len(vals)
            row_lo += [0.0, 1.0]
            row_hi += [0.0, 1.0]
            extra_lb += [0.0] * len(vals)
            extra_ub += [1.0] * len(vals)
            nv += len(vals)
            nr += 2
        lb_ = np.r_[lb_, extra_lb]
        ub_ = np.r_[ub_, extra_ub]
        a = sp.csr_array((data, (rows, cols)), shape=(nr, nv))
        row_lo, row_hi = np.asarray(row_lo, dtype=float), np.asarray(row_hi, dtype=float)
        # components: variables joined through a constraint row
        # components: rows and variables are the nodes of one graph, joined by nonzeros
        edges = sp.coo_array((np.ones(len(rows)), (np.asarray(rows, dtype=np.int64), nr + np.asarray(cols, dtype=np.int64))),
                             shape=(nr + nv, nr + nv))
        _, labels = connected_components(edges, directed=False)
        component, row_component = labels[nr:], labels[:nr]
        return cls(a, row_lo, row_hi, lb_, ub_, true, component, row_component)

    def _part(self, comp: int) -> tuple:
        """(variables, rows, LinearConstraint or None) of one component (cached)."""
        if comp not in self._parts:
            var = np.flatnonzero(self.component == comp)
            row = np.flatnonzero(self.row_component == comp)
            cons = None
            if len(row):
                cons = LinearConstraint(self.a[row][:, var], self.row_lo[row], self.row_hi[row])
            self._parts[comp] = (var, row, cons)
        return self._parts[comp]

    def _solve(self, var: np.ndarray, cons, obj: np.ndarray, lb: np.ndarray, ub: np.ndarray, integer: bool,
               first_feasible: bool) -> np.ndarray | None:
        res = milp(obj, constraints=[] if cons is None else [cons], bounds=Bounds(lb, ub),
                   integrality=np.full(len(var), 1 if integer else 0),
                   options=_FIRST_FEASIBLE if first_feasible else None)
        if res.x is None:
            return None
        cells = var < self.n
        off = np.abs(res.x[cells] - self.true[var[cells]]) > (0.5 if integer else 1e-6)
        return var[cells][off]

    def other_value(self, k: int, below: bool, integer: bool = True) -> np.ndarray | None:
        """Is there a table the reader must accept with cell ``k`` below (above) its true value?

        Returns
        -------
        ndarray or None
            None if there is none (the cell cannot go that way); otherwise the cells (indices)
            that take another value in the solution found: each of them is proven to have two
            possible values.
        """
        var, _, cons = self._part(self.component[k])
        lb, ub = self.lb[var].copy(), self.ub[var].copy()
        j = int(np.searchsorted(var, k))
        step = 1.0 if integer else 1e-4 * max(1.0, abs(self.true[k]))
        if below:
            ub[j] = min(ub[j], self.true[k] - step)
        else:
            lb[j] = max(lb[j], self.true[k] + step)
        if lb[j] > ub[j]:
            return None
        return self._solve(var, cons, np.zeros(len(var)), lb, ub, integer, first_feasible=True)

    def extreme(self, k: int, sign: float, integer: bool = False) -> np.ndarray | None:
        """Minimise ``sign * x_k`` over the cell's component; the cells off their true value (or None)."""
        var, _, cons = self._part(self.component[k])
        obj = np.zeros(len(var))
        obj[int(np.searchsorted(var, k))] = sign
        return self._solve(var, cons, obj, self.lb[var], self.ub[var], integer, first_feasible=False)

    def sweep(self, direction: np.ndarray, integer: bool = True) -> np.ndarray | None:
        """Minimise ``direction @ x`` over the whole model (cheap proofs for many cells at once).

        ``direction`` has one entry per cell variable.
        """
        nv = len(self.lb)
        obj = np.zeros(nv)
        obj[: self.n] = direction
        cons = LinearConstraint(self.a, self.row_lo, self.row_hi) if self.a.shape[0] else None
        return self._solve(np.arange(nv), cons, obj, self.lb, self.ub, integer, first_feasible=False)
