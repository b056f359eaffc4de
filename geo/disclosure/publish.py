"""Publish derived statistics under :data:`geo.disclosure.derived.COLUMN_POLICY`, checked by the derived attack.

After linked suppression of the counts (:func:`geo.disclosure.gate.link_suppression`), the
LSOA and ward tables' scores are replaced by their bands, the priority rank by the rank of the
bands, and then every row holding a withheld small count is attacked through its derived cells
(:func:`geo.disclosure.derived.row_feasible`) and through every additive relation of the
three tables at once, with each cell limited to the values its row's derived cells allow
(:func:`geo.disclosure.linked.pinned_cells` with ``allowed``). A row whose cells would be
pinned publishes less, in tiers:

0. priority and engagement bands, the rank of the bands, quadrant and gap type;
1. the bands and rank withheld (``"c"``), quadrant and gap type kept;
2. quadrant and gap type withheld too (only the need score and public columns remain).

A row at tier 2 publishes nothing derived from its counts, so the additive guarantee of the
linked suppression holds for it; the tiers only go up, so the loop ends.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from geo.disclosure.audit import audit_frame
from geo.disclosure.derived import EngagementModel, _band_array, cell_domain, row_candidates, row_feasible
from geo.disclosure.linked import pinned_cells
from geo.disclosure.rule import CONFIDENTIAL, DisclosureRule
from geo.disclosure.tables import linked_cells
from geo.disclosure.totals import SuppressedTable

__all__ = ["publish_derived", "derived_allowed", "ROW_COUNTS"]

ROW_COUNTS = ("review_completed", "review_eligible", "children_not_reviewed", "hub_children")
_BANDED = ("priority_score", "engagement_score")
_BITS = ("quadrant", "gap_type")
_COARSE_GROUPS = {"rank": ("priority_rank_lo", "priority_rank_hi"), "p_top": ("p_top",)}


def _published(model: EngagementModel, pos: int, tier: int) -> dict[str, float | None]:
    pub = model.published(pos)
    if tier >= 1:
        pub["priority_band"] = pub["engagement_band"] = None
    if tier >= 2:
        pub["low_engagement"] = None
    return pub


def _row_domains(display: pd.DataFrame, i: int, rule: DisclosureRule, upper: Mapping[str, int], zero_small: bool) -> dict:
    return {c: cell_domain(display[c].iat[i], threshold=rule.threshold, upper=upper[c], zero_small=zero_small,
                           rounding=rule.rounding)
            for c in ROW_COUNTS}


def derived_allowed(kind: str, st: SuppressedTable, key: str, model: EngagementModel, tiers: Mapping[Hashable, int],
                    rule: DisclosureRule, *, zero_small: bool, cache: dict | None = None,
                    holes: set | None = None) -> dict[tuple, set]:
    """Cell ``(kind, row key, column)`` -> values its row's published derived cells allow.

    Only rows with a withheld count and a tier below 2 restrict anything, and only cells whose
    values they narrow are returned. Cells whose values are not a range of their label's values
    (a gap inside) are added to ``holes``.
    """
    holes = set() if holes is None else holes
    display = st.display
    pos_of = {k: p for p, k in enumerate(model.true.index)}
    upper = {c: int(max(rule.threshold, np.nanmax(model_col(model, c)))) for c in ROW_COUNTS}
    out: dict[tuple, set] = {}
    for i, k in enumerate(display[key]):
        if k not in pos_of or tiers.get(k, 0) >= 2:
            continue
        if not any(st.mask[c].iat[i] for c in ROW_COUNTS if c in st.mask):
            continue
        memo = (kind, k, tiers.get(k, 0))
        if cache is not None and memo in cache:
            feas = cache[memo]
        else:
            feas = row_feasible(model, pos_of[k], _row_domains(display, i, rule, upper, zero_small),
                                _published(model, pos_of[k], tiers.get(k, 0)))
            if cache is not None:
                cache[memo] = feas
        domains = _row_domains(display, i, rule, upper, zero_small)
        for c in ROW_COUNTS:
            if st.mask[c].iat[i] and len(feas[c]) < len(domains[c]):  # only cells the derived cells narrow
                out[(kind, k, c)] = feas[c]
                if feas[c] and feas[c] != {v for v in domains[c].tolist() if min(feas[c]) <= v <= max(feas[c])}:
                    holes.add((kind, k, c))
    return out


def model_col(model: EngagementModel, column: str) -> np.ndarray:
    """True values of one count column in the reader's model."""
    t = model.true
    return {"review_completed": t["k"], "review_eligible": t["n"], "children_not_reviewed": t["n"] - t["k"],
            "hub_children": t["h"]}[column].to_numpy(float)


def publish_derived(tables: dict[str, tuple[SuppressedTable, pd.DataFrame]], models: Mapping[str, EngagementModel],
                    relations: Sequence, rule: DisclosureRule, *, keys: Mapping[str, str],
                    zero_small_kinds: Sequence[str] = ("lsoa",), max_rounds: int = 6,
                    exempt: set = frozenset(), ranks: Mapping | None = None) -> tuple[dict[str, SuppressedTable], dict]:
    """Band the scores, attack derived and additive channels together, withhold until nothing is pinned.

    Parameters
    ----------
    tables : dict
        Kind -> (linked-suppressed table, true table with the same rows).
    models : dict
        Kind (``lsoa``, ``ward``) -> :class:`EngagementModel` of its rows.
    relations : list
        Every additive relation of the tables (:func:`geo.disclosure.gate.table_relations`).
    rule : DisclosureRule
    keys : dict
        Kind -> key column.
    exempt : set
        Withheld zeros the additive relations alone already pin (see
        :func:`geo.disclosure.gate.link_suppression`): not attacked again.
    ranks : dict, optional
        Kind -> :class:`geo.disclosure.ranks.RankModel`: the coarse rank interval and ``p_top``
        of a row with a withheld count are published where the model shows they narrow nothing
        (without it they are withheld in every such row).

    Returns
    -------
    (dict of kind -> SuppressedTable, dict)
        The tables as published and a report: rows per tier per kind, rounds, cells still pinned.
    """
    values, primary, suppressed = linked_cells(tables)
    rels = [r for r in relations if all(c in values and np.isfinite(values[c]) for c in (r[0], *r[1]))]
    zero_small = {c for c in values if c[0] in zero_small_kinds} if rule.threshold > 1 else set()
    tiers: dict[str, dict] = {kind: {} for kind in models}
    by_cell: dict = {}
    for t, ps in rels:
        for c in (t, *ps):
            by_cell.setdefault(c, set()).update((t, *ps))
    pinned: list = []
    rounds = 0
    cache: dict = {}
    proven: set = set()  # cells shown to have two values stay so: the tiers only go up
    for rounds in range(1, max_rounds + 1):
        allowed: dict = {}
        holes: set = set()
        for kind, model in models.items():
            st = tables[kind][0]
            allowed.update(derived_allowed(kind, st, keys[kind], model, tiers[kind], rule, zero_small=kind in zero_small_kinds,
                                           cache=cache, holes=holes))
        # the derived channel alone: a small count with one feasible value (raise its own row)
        alone = [c for c in primary if c in allowed and len(allowed[c]) <= 1 and c not in exempt
                 and (0 < values[c] < rule.threshold or (c in zero_small and values[c] == 0))]
        # a gap inside a cell's values: raise its row too, so the additive attack below is exact with ranges
        alone += sorted(holes - set(alone), key=str)
        pinned = alone or [c for c in pinned_cells(values, primary, suppressed, rels, rule.threshold, zero_small=zero_small,
                                                   allowed=allowed, proven=proven) if c not in exempt]
        if not pinned:
            break
        restricting = {c[:2] for c in allowed}
        if rounds >= max_rounds - 1:
            raise_rows = restricting  # last resort: nothing derived from a withheld count anywhere
        elif alone:
            raise_rows = {c[:2] for c in alone}
        else:  # the rows it is added up with
            raise_rows = {x[:2] for c in pinned for x in (c, *by_cell.get(c, ()))} & restricting
        for kind, k in raise_rows:
            if kind in tiers:
                tiers[kind][k] = 2 if rounds >= max_rounds - 1 else min(2, tiers[kind].get(k, 0) + 1)
    out = {kind: st for kind, (st, _) in tables.items()}
    coarse: dict = {}
    for kind, model in models.items():
        hide = _coarse_withheld(tables[kind][0], keys[kind], model, (ranks or {}).get(kind), tiers[kind], rule,
                                zero_small=kind in zero_small_kinds)
        out[kind] = _apply_policy(tables[kind][0], keys[kind], model, tiers[kind], sort=kind == "lsoa", coarse=hide)
        coarse[kind] = {g: int(sum(1 for h in hide.values() if g in h)) for g in _COARSE_GROUPS}
    report = {"tiers": {kind: {t: sum(1 for v in tiers[kind].values() if v == t) for t in (1, 2)} for kind in tiers},
              "rounds": rounds, "pinned": pinned, "coarse_withheld": coarse}
    return out, report


def _coarse_withheld(st: SuppressedTable, key: str, model: EngagementModel, rank_model, tiers: Mapping[Hashable, int],
                     rule: DisclosureRule, *, zero_small: bool) -> dict[Hashable, set]:
    """Row key -> coarse groups (``rank``, ``p_top``) to withhold: with the band (tier >= 1), and in a row
    with a withheld count wherever the counts its published cells allow give different coarse values
    in the reader's model of the bootstrap, or one other than published (see :mod:`geo.disclosure.ranks`)."""
    display = st.display
    groups = {g: cols for g, cols in _COARSE_GROUPS.items() if all(c in display for c in cols)}
    if not groups:
        return {}
    pos_of = {k: p for p, k in enumerate(model.true.index)}
    upper = {c: int(max(rule.threshold, np.nanmax(model_col(model, c)))) for c in ROW_COUNTS}
    out: dict[Hashable, set] = {}
    for i, k in enumerate(display[key]):
        if k not in pos_of:
            continue
        if tiers.get(k, 0) >= 1:
            out[k] = set(groups)
            continue
        if not any(st.mask[c].iat[i] for c in ROW_COUNTS if c in st.mask):
            continue
        if rank_model is None:
            out[k] = set(groups)
            continue
        cand = row_candidates(model, pos_of[k], _row_domains(display, i, rule, upper, zero_small),
                              _published(model, pos_of[k], 0))
        values = rank_model.coarse(pos_of[k], *cand) if len(cand[0]) else None
        shown = {"rank": (display["priority_rank_lo"].iat[i], display["priority_rank_hi"].iat[i]),
                 "p_top": (display["p_top"].iat[i],)} if values is not None else {}
        for g in groups:
            cols = ("lo", "hi") if g == "rank" else ("p_top",)
            if values is None or any(values[c].nunique(dropna=False) != 1 for c in cols) or \
                    any(not _same(values[c].iat[0], v) for c, v in zip(cols, shown[g])):
                out.setdefault(k, set()).add(g)
    return out


def _same(a, b) -> bool:
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return a == b if isinstance(a, str) or isinstance(b, str) else abs(float(a) - float(b)) < 1e-9


def _withhold(frames, rows: np.ndarray, cols) -> None:
    display, mask, reason, numeric = frames
    for c in cols:
        if c not in display or not len(rows):
            continue
        j = display.columns.get_loc(c)
        display[c] = display[c].astype(object)
        display.iloc[rows, j] = CONFIDENTIAL
        mask.iloc[rows, j] = True
        reason.iloc[rows, j] = "derived"
        numeric[c] = pd.to_numeric(numeric[c], errors="coerce") if c not in (*_BITS, "p_top") else numeric[c].astype(object)
        numeric.iloc[rows, numeric.columns.get_loc(c)] = np.nan


def _apply_policy(st: SuppressedTable, key: str, model: EngagementModel, tiers: Mapping[Hashable, int], *,
                  sort: bool, coarse: Mapping[Hashable, set] | None = None) -> SuppressedTable:
    """Bands, rank of bands and withheld cells by tier (see the module notes)."""
    display, mask, reason, numeric = st.display.copy(), st.mask.copy(), st.reason.copy(), st.numeric.copy()
    leaf = display[key].isin(model.true.index).to_numpy()
    tier = display[key].map(lambda k: tiers.get(k, 0)).to_numpy()
    bands = {"priority_score": "priority_band", "engagement_score": "engagement_band"}
    off: dict[str, np.ndarray] = {}
    for c in _BANDED:
        if c in display:  # the bands the reader's model gives (total rows carry no score)
            banded = display[key].map(model.true[bands[c]]).astype(float).where(leaf)
            # the model reads the published (rounded) under-5s: where its band is not the score's own band
            # (a score at a band edge), the band would contradict the quadrant and misreport: withheld
            own = pd.Series(_band_array(pd.to_numeric(numeric[c], errors="coerce").to_numpy(float)), index=banded.index)
            off[c] = np.flatnonzero((leaf & own.notna() & banded.notna() & (own != banded)).to_numpy(bool))
            display[c] = banded.astype(object)
            numeric[c] = banded
    if "priority_rank" in display:
        order = pd.DataFrame({"band": numeric.get("priority_score"), "need": pd.to_numeric(display.get("need_score"), errors="coerce"),
                              "key": display[key].astype(str)})
        ok = leaf & (tier == 0)
        ranked = order[ok].sort_values(["band", "need", "key"], ascending=[False, False, True], na_position="last")
        rank = pd.Series(np.nan, index=display.index)
        rank[ranked.index] = np.arange(1, len(ranked) + 1)
        numeric["priority_rank"] = rank
        display["priority_rank"] = rank.astype("Int64").astype(object).where(rank.notna(), None)
    withhold = {1: [*_BANDED, "priority_rank"], 2: [*_BANDED, "priority_rank", *_BITS]}
    frames = (display, mask, reason, numeric)
    for c, rows in off.items():
        _withhold(frames, rows, [c, "priority_rank"] if c == "priority_score" else [c])
    for t, cols in withhold.items():
        _withhold(frames, np.flatnonzero(leaf & (tier >= t)), cols)
    for g, cols in _COARSE_GROUPS.items():
        rows = np.flatnonzero(display[key].map(lambda k, g=g: g in (coarse or {}).get(k, ())).to_numpy(bool) & leaf)
        _withhold(frames, rows, cols)
    if sort and "priority_rank" in display:
        pos = np.lexsort((display[key].astype(str).to_numpy(), numeric["priority_rank"].fillna(np.inf).to_numpy()))
        display, mask, reason, numeric = (f.iloc[pos].reset_index(drop=True) for f in (display, mask, reason, numeric))
    table_name = st.audit["table"].iat[0] if len(st.audit) else ""
    audit = audit_frame(table_name, list(display[key]), mask, reason)
    return replace(st, display=display, mask=mask, reason=reason, numeric=numeric, audit=audit)
