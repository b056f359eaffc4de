"""The covering problem: weighted demand, candidate venues and their 0/1 coverage."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp


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
            raise ValueError(f"coverage has shape {cov.shape}, expected (n_demand, n_candidates) = {(n_d, n_c)}")
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
    def from_dict(cls, data: Mapping[str, Any]) -> CoverageInstance:
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
        return cls(np.asarray(d_ids, dtype=str), np.asarray(w, dtype=float), np.asarray(c_ids, dtype=str), cov, covered)

    @classmethod
    def from_json(cls, path_or_dict: str | Path | Mapping[str, Any]) -> CoverageInstance:
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
            rows = cov.indices[cov.indptr[j] : cov.indptr[j + 1]]
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
    ) -> CoverageInstance:
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
        return cls(
            np.asarray(demand_ids, dtype=str),
            np.asarray(weights, dtype=float),
            np.asarray(candidate_ids, dtype=str),
            cov,
            covered,
        )

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
