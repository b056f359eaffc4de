"""The attack inside one table: suppress more until no suppressed cell is pinned."""

from __future__ import annotations

import warnings

import numpy as np

from geo.disclosure.attack import ReaderModel


def _pick(values, suppressed, candidates) -> tuple[int, int] | None:
    """Smallest positive part first, then a positive total, then zeros; row then column order."""
    best = None
    for cell, is_total in candidates:
        if suppressed[cell]:
            continue
        v = values[cell]
        rank = (v <= 0, is_total, v, cell[0], cell[1])
        if best is None or rank < best[0]:
            best = (rank, cell)
    return None if best is None else best[1]


def _close_relations(values, suppressed, relations, secondary) -> None:
    """Suppress until every relation has 0 or >= 2 suppressed cells (fixed point)."""
    changed = True
    while changed:
        changed = False
        for r in relations:
            if sum(bool(suppressed[c]) for c in r.cells) == 1:
                cell = _pick(values, suppressed, [(r.total, True), *((p, False) for p in r.parts)])
                if cell is not None:
                    suppressed[cell] = True
                    secondary.append(cell)
                    changed = True


def _verify(values, primary, suppressed, relations, secondary, rule) -> None:
    """Attack the table; suppress more until no suppressed cell is pinned.

    A small (primary) count must not be pinned by an integer attack that knows "<t" means
    ``1..t-1`` and "c" means 0 or >= t. A secondary cell's value is publishable (0 or >= t)
    so the integer attack may pin it (e.g. a hidden 0 in ``1 = 1 + 0``), but it must not be
    pinned by the linear relaxation (secondary >= 0, real values). Suppressing one more cell
    only enlarges the feasible set (its true value stays feasible), so a cell once shown to
    have two feasible values keeps them: only unproven cells are re-attacked.
    """
    proven_int: set[tuple[int, int]] = set()
    proven_lp: set[tuple[int, int]] = set()
    for _ in range(values.size + 1):
        pinned = _pinned_cells(values, primary, suppressed, relations, rule, proven_int, proven_lp)
        if not pinned:
            return
        target = pinned[0]  # one fix per round: the next attack says whether more is needed
        cands = _candidates(values, suppressed, relations, target)
        if not cands:
            warnings.warn(f"disclosure: cell {target} remains recoverable; nothing left to suppress",
                          stacklevel=3)
            return
        chosen = cands[0]
        for cell in cands[:_TRIALS]:  # prefer the first candidate that frees the target
            trial = suppressed.copy()
            trial[cell] = True
            _close_relations(values, trial, relations, [])
            if not _pinned_cells(values, primary, trial, relations, rule, set(proven_int),
                                 set(proven_lp), only=[target]):
                chosen = cell
                break
        suppressed[chosen] = True
        secondary.append(chosen)
        _close_relations(values, suppressed, relations, secondary)


_TRIALS = 12
_SWEEPS = 2  # random-direction attacks per round when many cells are unproven
_SWEEP_MIN = 8


def _candidates(values, suppressed, relations, target) -> list[tuple[int, int]]:
    """Shown cells to try as complements for a pinned cell, nearest relations first.

    Cells of the target's relations come first, then of relations sharing a suppressed cell
    with those, then of any relation with a suppressed cell; within each ring the order of
    :func:`_pick` (smallest positive part first, zeros last, row then column order).
    """
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int]] = []
    ring_cells = {target}
    used: set[int] = set()
    for hop in range(3):
        if hop < 2:
            ring = [k for k, r in enumerate(relations) if k not in used and ring_cells & set(r.cells)]
        else:
            ring = [k for k, r in enumerate(relations) if k not in used and any(suppressed[c] for c in r.cells)]
        used.update(ring)
        ranked = []
        for k in ring:
            r = relations[k]
            for c in r.cells:
                if not suppressed[c] and c not in seen:
                    seen.add(c)
                    v = values[c]
                    ranked.append(((v <= 0, c == r.total, v, c[0], c[1]), c))
        out += [c for _, c in sorted(ranked)]
        ring_cells = {c for k in ring for c in relations[k].cells if suppressed[c]}
    return out


def _pinned_cells(values, primary, suppressed, relations, rule, proven_int, proven_lp, only=None):
    """Suppressed cells pinned to their true value (see :func:`_verify`).

    ``proven_int`` / ``proven_lp`` (updated in place) hold cells already shown to have
    another feasible value in the integer problem / its linear relaxation. ``only``
    restricts the cells attacked. Each attack is solved on the cell's component of the
    reader's model (:class:`geo.disclosure.attack.ReaderModel`).
    """
    rels = [r for r in relations if any(suppressed[c] for c in r.cells)]
    cells = sorted({c for r in rels for c in r.cells if suppressed[c]})
    todo = [c for c in (cells if only is None else only)
            if c not in proven_int and (primary[c] or c not in proven_lp)]
    if not todo:
        return []
    idx = {c: k for k, c in enumerate(cells)}
    t = rule.threshold
    lo_primary = 0 if rule.suppress_zero else 1
    finite = values[np.isfinite(values)]
    big = float(np.abs(finite).sum()) + t + 1.0
    lb = [lo_primary if primary[c] else (t if rule.suppress_zero else 0) for c in cells]
    ub = [t - 1 if primary[c] else big for c in cells]
    disjunctive = [] if rule.suppress_zero else [idx[c] for c in cells if not primary[c]]
    model_rels = []
    for r in rels:
        terms, b = [], 0.0
        for c, sign in [(r.total, -1.0), *((p, 1.0) for p in r.parts)]:
            if suppressed[c]:
                terms.append((idx[c], sign))
            else:
                b -= sign * values[c]
        model_rels.append((terms, b))
    model = ReaderModel.build([values[c] for c in cells], lb, ub, model_rels, disjunctive, threshold=t, big=big)

    def prove(off, proven: set) -> bool:
        if off is None:
            return False
        proven.update(cells[m] for m in off)
        return True

    if len(todo) > _SWEEP_MIN:
        # a few random directions move many cells off their true values at once (cheap
        # proofs for big tables); a fixed seed keeps the result deterministic
        rng = np.random.default_rng(len(cells))
        for _ in range(_SWEEPS):
            direction = rng.standard_normal(len(cells))
            for sign in (1.0, -1.0):
                prove(model.sweep(sign * direction, integer=True), proven_int)

    pinned = []
    for c in todo:
        k = idx[c]
        if primary[c]:
            if c in proven_int or ub[k] - lb[k] < 0.5:
                continue  # a "<2" cell is 1 by definition: suppressing more cannot help
            # an integer table the reader must accept with this cell below, else above, its value
            if not any(prove(model.other_value(k, below), proven_int) and c in proven_int for below in (True, False)):
                pinned.append(c)
        else:
            if c in proven_int or c in proven_lp:
                continue
            if not any(prove(model.extreme(k, sign, integer=False), proven_lp) and c in proven_lp for sign in (1.0, -1.0)):
                pinned.append(c)
    return pinned

