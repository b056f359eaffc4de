"""An attacker's look at the published trends (issue 19): can a withheld quarter come back?

The reader has everything the app and the pack publish of the monitoring: every quarter and the
pooled windows per ward, hub, local authority and study area (counts as shown: numbers, ``"<5"``
or ``"c"``), and knows that a window is the sum of its quarters, that a local authority is the sum
of its wards, that the study area is the sum of its local authorities and of its hub catchments,
and that eligible = completed + not reviewed. This test writes its own integer programme from
the *displayed* tables (not the gate's code) and, for every withheld cell whose true value is
small, asks scipy's MILP solver for the smallest and the largest value the published figures
allow: they must differ. Then the same attack on a naive publication (small counts hidden,
nothing else) must recover some counts, so the attack has teeth.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.disclosure import DisclosureRule
from geo.disclosure.gate import export_tables
from geo.disclosure.periods import _published_rows
from geo.monitoring.publish import published_monitoring
from geo.monitoring.trends import trend_table

COLS = {"review": ("numerator", "denominator", "not_reviewed"), "reach": ("numerator",)}


def cells_from_display(display: pd.DataFrame) -> dict:
    """``cell -> shown text`` for every count cell of the published trends."""
    out = {}
    for r in display.itertuples(index=False):
        for col in COLS[r.measure]:
            out[(r.level, r.area_code, r.measure, r.period, col)] = str(getattr(r, col))
    return out


def reader_relations(cells: dict, ward_la: dict, hubs: list) -> list:
    """Every additive relation the reader knows, written from the table's own labels."""
    rels = []
    by = {}
    for level, code, measure, period, col in cells:
        by.setdefault((level, measure, period, col), []).append(code)
    for level, code, measure, period, col in cells:
        if " to " in period:
            first, last = period.split(" to ")
            quarters = sorted({c[3] for c in cells if c[3] >= first and c[3] <= last and " to " not in c[3]})
            rels.append(((level, code, measure, period, col), [(level, code, measure, q, col) for q in quarters]))
        if measure == "review" and col == "denominator":
            rels.append(((level, code, measure, period, col), [(level, code, measure, period, "numerator"),
                                                              (level, code, measure, period, "not_reviewed")]))
    for (level, measure, period, col), codes in by.items():
        if level == "la":
            for la in codes:
                rels.append((("la", la, measure, period, col), [("ward", w, measure, period, col) for w, o in ward_la.items() if o == la]))
        if level == "study_area":
            total = ("study_area", codes[0], measure, period, col)
            rels.append((total, [("la", c, measure, period, col) for c in by.get(("la", measure, period, col), [])]))
            rels.append((total, [("hub", h, measure, period, col) for h in hubs]))
    return rels


def attack(cells: dict, truth: dict, rels: list, threshold: int = 5) -> list:
    """Withheld cells with a true value of 1..threshold-1 that the published figures pin to one value."""
    hidden = [c for c, s in cells.items() if not s.replace(",", "").isdigit()]
    idx = {c: k for k, c in enumerate(hidden)}
    big = sum(v for v in truth.values()) + threshold
    n = len(hidden)
    lb, ub, disj = np.zeros(n), np.full(n, float(big)), []
    for c, k in idx.items():
        if cells[c].startswith("<"):
            lb[k], ub[k] = 1, threshold - 1
        else:
            disj.append(k)  # "c": 0 or >= threshold
    rows, cols, data, lo, hi = [], [], [], [], []
    r = 0
    for total, parts in rels:
        if not all(c in cells for c in (total, *parts)):
            continue
        if abs(truth[total] - sum(truth[p] for p in parts)) > 1e-9:
            continue  # a relation that does not hold (e.g. reach capped at the under-5s) is of no use to the reader
        rhs, terms = 0.0, []
        for c, sign in [(total, -1.0), *((p, 1.0) for p in parts)]:
            if c in idx:
                terms.append((idx[c], sign))
            else:
                rhs -= sign * float(cells[c].replace(",", ""))
        if not terms:
            continue
        for k, s in terms:
            rows.append(r), cols.append(k), data.append(s)
        lo.append(rhs), hi.append(rhs)
        r += 1
    nz = len(disj)
    for m, k in enumerate(disj):  # x >= threshold z ; x <= big z
        rows += [r, r, r + 1, r + 1]
        cols += [k, n + m, k, n + m]
        data += [1.0, -float(threshold), 1.0, -float(big)]
        lo += [0.0, -np.inf]
        hi += [np.inf, 0.0]
        r += 2
    a = sp.csr_array((data, (rows, cols)), shape=(r, n + nz))
    cons = LinearConstraint(a, lo, hi)
    bounds = Bounds(np.r_[lb, np.zeros(nz)], np.r_[ub, np.ones(nz)])
    integrality = np.ones(n + nz)
    pinned = []
    for c in hidden:
        if not 0 < truth[c] < threshold:
            continue
        ends = []
        for sign in (1.0, -1.0):
            obj = np.zeros(n + nz)
            obj[idx[c]] = sign
            res = milp(obj, constraints=[cons], bounds=bounds, integrality=integrality)
            assert res.success, res.message
            ends.append(round(res.x[idx[c]]))
        if ends[0] == ends[1]:
            pinned.append(c)
    return pinned


@pytest.fixture(scope="module")
def published(biborough_build):
    rule = DisclosureRule()
    tables = export_tables(biborough_build, rule)
    return published_monitoring(biborough_build, rule, tables=tables)


def _context(result):
    ward_la = dict(zip(result.lsoa["ward_code"].astype(str), result.lsoa["lad_code"].astype(str)))
    return ward_la, list(result.hubs["hub_id"].astype(str))


def test_no_withheld_quarter_is_recovered_from_windows_areas_or_totals(biborough_build, published):
    display = published.trends.display
    assert set(display["level"]) <= {"hub", "ward", "la", "study_area"}  # never LSOA quarters
    assert display["period"].str.contains(" to ").any() and (~display["period"].str.contains(" to ")).any()
    cells = cells_from_display(display)
    shown = [s for s in cells.values() if s.replace(",", "").isdigit()]
    assert all(not 0 < int(s.replace(",", "")) < 5 for s in shown)  # no small count shown
    truth = {c: float(v) for c, v in _truth(biborough_build, cells).items()}
    small_hidden = [c for c, s in cells.items() if s == "<5"]
    assert len(small_hidden) > 20  # the demo has small ward quarters: the attack has work to do
    pinned = attack(cells, truth, reader_relations(cells, *_context(biborough_build)))
    assert pinned == []


def _truth(result, cells: dict) -> dict:
    rows = _published_rows(trend_table(result))
    out = {}
    for r in rows.itertuples(index=False):
        for col in COLS[r.measure]:
            key = (r.level, r.area_code, r.measure, r.period, col)
            if key in cells:
                out[key] = getattr(r, col)
    return out


def test_the_attack_recovers_counts_from_a_naive_publication(biborough_build, published):
    """Hiding only the small counts lets a window minus its other quarters give them back."""
    naive = published.trends.numeric.copy()
    truth_rows = _published_rows(trend_table(biborough_build))
    keys = ["level", "area_code", "measure", "period"]
    naive = naive[keys].merge(truth_rows, on=keys, how="left")
    for col in ("numerator", "denominator", "not_reviewed"):
        v = naive[col]
        naive[col] = [("" if pd.isna(x) else ("<5" if 0 < x < 5 else f"{int(x):,}")) for x in v]
    cells = cells_from_display(naive)
    truth = _truth(biborough_build, cells)
    pinned = attack(cells, truth, reader_relations(cells, *_context(biborough_build)))
    assert len(pinned) > 10


def test_changes_and_rates_follow_their_counts(published):
    trends = published.trends
    hidden = trends.display[trends.display[["numerator", "denominator"]].isin(["<5", "c"]).any(axis=1)]
    assert len(hidden) and (hidden[["rate", "rate_lo", "rate_hi", "gap_pp"]] == "c").all().all()
    keys = set(map(tuple, trends.withheld[["level", "area_code", "measure", "period"]].to_numpy()))
    ch = published.changes
    gone = [((r.level, r.area_code, r.measure, r.period_from) in keys or (r.level, r.area_code, r.measure, r.period_to) in keys)
            for r in ch.itertuples(index=False)]
    gone = np.array(gone)
    assert gone.any() and (ch.loc[gone, "flag"] == "not published").all() and ch.loc[gone, "difference"].isna().all()
    assert ch.loc[~gone, "difference"].notna().all() and "lsoa" not in set(ch["level"])
