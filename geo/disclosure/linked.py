"""Secondary suppression across linked tables, checked by an attack on all of them at once.

:func:`geo.disclosure.suppress` protects one table against its own totals. Tables exported
together are linked (a ward's count is the sum of its LSOAs' counts, and so is a hub's), so a
reader can combine their relations: two LSOAs shown as ``"<5"`` in a ward whose count is shown
as 8 must each be 4. :func:`protect` takes the suppression the tables already have and adds
cells until

1. every relation has no suppressed cell or at least two (the relation rule), and
2. no small count (a true value from 1 to threshold-1) can be pinned to one value by an
   integer attack on every relation at once that knows what each label means: ``"<5"`` is
   1..4 (0..4 in a table that suppresses zeros) and ``"c"`` is 0 or >= 5 (>= 5 there).

A withheld count that is 0 or at least the threshold may be pinned: it is no small count
(within a single table :mod:`geo.disclosure` is stricter). Suppressing more cells only enlarges
what a reader must consider possible, so a cell once shown to have two possible values keeps
them: only unproven cells are attacked again.

Cells are any hashable labels (e.g. ``(table, row key, column)``).

Examples
--------
>>> values = {"w": 5.0, "a": 2.0, "b": 3.0, "x": 2.0, "y": 3.0}
>>> rels = [("w", ("a", "b")), ("w", ("x", "y"))]
>>> protect(values, {"a", "b", "x", "y"}, set(), rels)    # w = 5 = a + b: (1,4), (2,3), ... all fit
([], [])
>>> values = {"w": 8.0, "a": 4.0, "b": 4.0, "t": 20.0, "u": 12.0}
>>> rels = [("w", ("a", "b")), ("t", ("w", "u"))]
>>> protect(values, {"a", "b"}, set(), rels)              # w = 8 with a, b <= 4: both 4; hide w (and u)
(['w', 'u'], [])
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from geo.disclosure.attack import ReaderModel

__all__ = ["protect", "pinned_cells", "close_relations"]

Relation = tuple[Hashable, Sequence[Hashable]]

_SWEEPS = 4
_MAX_ROUNDS = 40
_TRIALS = 12


def _rank(cell, is_total: bool, values: Mapping, order: Mapping) -> tuple:
    v = values[cell]
    return (v <= 0, is_total, v, order[cell])


def close_relations(values: Mapping[Hashable, float], suppressed: set, relations: Sequence[Relation],
                    order: Mapping[Hashable, int]) -> list:
    """Suppress cells until no relation has exactly one suppressed cell; return the cells added.

    The cell added to a relation is its smallest positive shown part, else its total, zeros
    last (ties in ``order``), as in :mod:`geo.disclosure`.
    """
    added = []
    changed = True
    held = suppressed.__contains__  # the set itself: it grows below
    while changed:
        changed = False
        for total, parts in relations:
            cells = (total, *parts)
            if sum(map(held, cells)) != 1:
                continue
            cands = [(c, c == total) for c in cells if c not in suppressed]
            if not cands:
                continue
            cell = min(cands, key=lambda ct: _rank(ct[0], ct[1], values, order))[0]
            suppressed.add(cell)
            added.append(cell)
            changed = True
    return added


def pinned_cells(values: Mapping[Hashable, float], primary: set, suppressed: set, relations: Sequence[Relation],
                 threshold: int = 5, *, zero_small: set = frozenset(), proven: set | None = None, seed: int = 0,
                 only: Sequence[Hashable] | None = None, allowed: Mapping[Hashable, set] | None = None,
                 sweeps: int = _SWEEPS, by_cell: Mapping[Hashable, Sequence[int]] | None = None) -> list:
    """Small counts a reader can pin to one value from every shown cell and relation.

    Parameters
    ----------
    values : mapping cell -> true value
    primary : set
        Cells shown as ``"<threshold"``.
    suppressed : set
        Every suppressed cell (primary ones included); the others are shown.
    relations : list of (total cell, part cells)
    threshold : int
    zero_small : set
        Cells of tables that suppress zeros too: there ``"<threshold"`` means
        0..threshold-1 and ``"c"`` means threshold or more.
    proven : set, optional
        Cells already shown to have two feasible values (updated in place).
    seed : int
        Seed of the random-direction sweeps (deterministic results).
    only : list, optional
        Attack only these cells.
    allowed : dict, optional
        Cell -> the values it can take by another channel (e.g. the derived statistics of its
        row, :mod:`geo.disclosure.derived`); small sets are modelled exactly, larger ones by
        their range.
    sweeps : int
        Random-direction solves (each way) that prove many cells at once before single attacks.
    by_cell : dict, optional
        Cell -> indices of the relations holding it (saves building it when ``only`` is given).

    Returns
    -------
    list
        Pinned primary cells whose true value is 1..threshold-1 (or 0 in a table that
        withholds zeros), in the order of ``values``.
    """
    proven = set() if proven is None else proven
    if only is not None:  # the cells joined to them: the same components, so the same solves, on a smaller model
        relations = _joined(only, suppressed, relations, by_cell)
    rels = [r for r in relations if any(c in suppressed for c in (r[0], *r[1]))]
    order = {c: i for i, c in enumerate(values)}
    cells = sorted({c for t, ps in rels for c in (t, *ps) if c in suppressed}, key=order.__getitem__)
    targets = cells if only is None else [c for c in only if c in set(cells)]
    todo = [c for c in targets if c in primary and c not in proven
            and (0 < values[c] < threshold or (c in zero_small and values[c] == 0))]
    if not todo:
        return []
    idx = {c: k for k, c in enumerate(cells)}
    every = np.fromiter(values.values(), dtype=float, count=len(values))
    big = float(np.abs(every[np.isfinite(every)]).sum()) + threshold + 1.0
    lb, ub = [], []
    for c in cells:
        zero = c in zero_small
        lo, hi = ((0 if zero else 1), threshold - 1) if c in primary else ((threshold if zero else 0), big)
        lb.append(lo)
        ub.append(hi)
    disjunctive = [idx[c] for c in cells if c not in primary and c not in zero_small]  # "c": 0 or >= threshold
    model_rels = []
    for total, parts in rels:
        terms, b = [], 0.0
        for c, sign in [(total, -1.0), *((p, 1.0) for p in parts)]:
            if c in suppressed:
                terms.append((idx[c], sign))
            else:
                b -= sign * values[c]
        model_rels.append((terms, b))
    exact = {}
    disjunctive_set = set(disjunctive)
    for c, vals in (allowed or {}).items():
        if c not in idx:
            continue
        k = idx[c]
        vals = sorted(v for v in vals if lb[k] <= v <= ub[k])
        if not vals:
            continue
        lb[k], ub[k] = max(lb[k], vals[0]), min(ub[k], vals[-1])
        if len(vals) <= 12 and len(vals) < vals[-1] - vals[0] + 1 and not (k in disjunctive_set and _disjunctive_range(vals, threshold)):
            exact[k] = vals  # a gap the range and the label do not express
    model = ReaderModel.build([values[c] for c in cells], lb, ub, model_rels, disjunctive, threshold=threshold, big=big,
                              allowed=exact)

    def prove(off) -> bool:
        if off is None:
            return False
        proven.update(cells[m] for m in off)
        return True

    if len(todo) > 8:  # a few random directions prove many cells at once
        rng = np.random.default_rng(seed + len(cells))
        for _ in range(sweeps):
            d = rng.standard_normal(len(cells))
            prove(model.sweep(d))
            prove(model.sweep(-d))
    pinned = []
    for c in todo:
        if c in proven:
            continue
        # a feasible table with the cell below, then above, its true value
        if not any(prove(model.other_value(idx[c], below)) and c in proven for below in (True, False)):
            pinned.append(c)
    return pinned


def _joined(cells: Sequence[Hashable], suppressed: set, relations: Sequence[Relation],
            by_cell: Mapping[Hashable, Sequence[int]] | None = None) -> list:
    """The relations (in their order) joined to ``cells`` through suppressed cells: the component(s) of
    :class:`~geo.disclosure.attack.ReaderModel` holding them, as a relation only joins its suppressed cells.

    >>> rels = [("w", ("a", "b")), ("v", ("x", "y")), ("t", ("w", "v"))]
    >>> _joined(["a"], {"a", "b", "x", "y"}, rels)       # w and v are shown: (x, y) is another component
    [('w', ('a', 'b'))]
    >>> _joined(["a"], {"a", "b", "w", "x", "y", "v"}, rels) == rels
    True
    """
    if by_cell is None:
        by_cell = {}
        for k, (total, parts) in enumerate(relations):
            for c in (total, *parts):
                if c in suppressed:
                    by_cell.setdefault(c, []).append(k)
    seen_cells, seen = set(cells), set()
    frontier = [c for c in cells if c in suppressed]
    while frontier:
        for k in by_cell.get(frontier.pop(), ()):
            if k in seen:
                continue
            seen.add(k)
            total, parts = relations[k]
            for c in (total, *parts):
                if c in suppressed and c not in seen_cells:
                    seen_cells.add(c)
                    frontier.append(c)
    return [relations[k] for k in sorted(seen)]


def _disjunctive_range(vals: list, threshold: int) -> bool:
    """Whether ``vals`` is every value 0 or >= threshold between its ends (what a "c" label and a range say)."""
    return vals == [v for v in range(int(vals[0]), int(vals[-1]) + 1) if v == 0 or v >= threshold]


def _candidates(c, sup: set, relations: Sequence[Relation], by_cell: dict, values, order) -> list:
    """Shown cells to try as complements of pinned cell ``c``.

    First the best cell of each relation holding ``c``, then the best of each relation holding
    one of their other suppressed cells (a pin often comes through a row identity), then the
    rest; within each group smallest positive value first, totals after parts, zeros last.
    """
    near = by_cell.get(c, [])
    far = sorted({k2 for k in near for x in (relations[k][0], *relations[k][1]) if x in sup and x != c
                  for k2 in by_cell.get(x, []) if k2 not in near})
    groups: list[list] = [[], [], []]
    seen: set = set()
    for ring, ks in ((0, near), (1, far)):
        for k in ks:
            here = sorted(((x, relations[k][0] == x) for x in (relations[k][0], *relations[k][1])
                           if x not in sup and x not in seen), key=lambda ct: _rank(ct[0], ct[1], values, order))
            seen.update(x for x, _ in here)
            groups[ring] += here[:1]
            groups[2] += here[1:]
    return [x for g in groups for x, _ in sorted(g, key=lambda ct: _rank(ct[0], ct[1], values, order))]


def protect(values: Mapping[Hashable, float], primary: set, suppressed: set, relations: Sequence[Relation],
            threshold: int = 5, *, zero_small: set = frozenset()) -> tuple[list, list]:
    """Add suppressed cells until the relation rule holds and no small count is pinned.

    Parameters
    ----------
    values : mapping cell -> true value (its order breaks ties)
    primary : set
        Small counts (shown as ``"<threshold"``).
    suppressed : set
        Cells suppressed already (primary and secondary); not modified.
    relations : list of (total cell, part cells)
        Relations with a missing value should be left out (they cannot be used exactly).
    threshold : int
    zero_small : set
        Cells whose table suppresses zeros too (see :func:`pinned_cells`).

    Returns
    -------
    (list, list)
        Cells added (in the order chosen) and small counts still pinned (empty unless nothing
        left to suppress frees them; a warning is issued then).
    """
    order = {c: i for i, c in enumerate(values)}
    sup = set(suppressed) | set(primary)
    added = close_relations(values, sup, relations, order)
    proven: set = set()
    pinned: list = []
    by_cell: dict = {}
    for k, (t, ps) in enumerate(relations):
        for c in (t, *ps):
            by_cell.setdefault(c, []).append(k)
    for _ in range(_MAX_ROUNDS):
        pinned = pinned_cells(values, set(primary), sup, relations, threshold, zero_small=zero_small, proven=proven)
        if not pinned:
            return added, []
        touched: set = set()
        fixed = 0
        for c in pinned:
            if touched & set(by_cell.get(c, [])):
                continue  # a complement chosen this round may already free it
            cands = _candidates(c, sup, relations, by_cell, values, order)
            if not cands:
                continue
            chosen = cands[0]
            for x in cands[:_TRIALS]:  # prefer the first complement that frees the cell
                trial = set(sup) | {x}
                close_relations(values, trial, relations, order)
                if not pinned_cells(values, set(primary), trial, relations, threshold, zero_small=zero_small,
                                    proven=set(proven), only=[c], by_cell=by_cell):
                    chosen = x
                    break
            sup.add(chosen)
            added.append(chosen)
            added += close_relations(values, sup, relations, order)
            touched.update(by_cell.get(c, []))
            fixed += 1
        if not fixed:
            break
    warnings.warn(f"linked disclosure control: {len(pinned)} small count(s) remain recoverable: {pinned[:5]}", stacklevel=2)
    return added, pinned
