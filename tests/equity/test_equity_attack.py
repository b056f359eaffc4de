"""Attack on the published equity table: can a reader recover a withheld group cell?

The reader knows every shown cell, what the labels mean (``"<T"``: 0 to T-1; ``"c"``: T or more,
zeros being withheld as small), the row identity ``eligible = completed + not completed``, every
area's totals over its groups (taken here from the unsuppressed table: the strongest reader) and
the links between levels (study area = sum of LAs = sum of hubs). For every withheld cell an
integer program (scipy's HiGHS, independent of :mod:`geo.disclosure`) finds its smallest and
largest feasible value: no withheld small count may be pinned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.disclosure import DisclosureRule
from geo.equity import equity_table
from geo.equity.publish import COUNTS, published_equity

KEYS = ["level", "area_code", "measure", "group_column", "group"]


def _attack(display: pd.DataFrame, truth: pd.DataFrame, rule: DisclosureRule, hubs_cover: bool, nested=()) -> dict:
    """``{cell: (lo, hi, true)}`` for every withheld count cell (``nested``: ``((level, area), [(level, area), ...])``,
    an area whose LSOAs are exactly those of the listed areas, as the LSOA table's hub and LA columns show)."""
    truth = truth.assign(not_completed=truth["denominator"] - truth["numerator"]).set_index(KEYS)
    cells, var = [], {}
    for r in display.itertuples(index=False):
        for col in COUNTS:
            key = (*(getattr(r, k) for k in KEYS), col)
            if isinstance(getattr(r, col), str):
                var[key] = len(cells)
                cells.append(key)
    big = float(truth["denominator"].sum()) + 1
    lb = np.array([0.0 if display_label == rule.label else rule.threshold for display_label in
                   (display.set_index(KEYS).loc[c[:5], c[5]] for c in cells)])
    ub = np.array([rule.threshold - 1.0 if lo == 0 else big for lo in lb])

    def term(key):
        """(variable, None) for a withheld cell, (None, value) for a shown one."""
        if key in var:
            return var[key], 0.0
        return None, float(truth.loc[key[:5], key[5]])

    rows, rhs = [], []

    def relation(total_value_or_key, parts):
        coef = np.zeros(len(cells))
        b = 0.0
        if isinstance(total_value_or_key, float):
            b += total_value_or_key
        else:
            v, c = term(total_value_or_key)
            if v is None:
                b += c
            else:
                coef[v] -= 1
        for p in parts:
            v, c = term(p)
            if v is None:
                b -= c
            else:
                coef[v] += 1
        if coef.any():
            rows.append(coef)
            rhs.append(b)

    shown = display.set_index(KEYS)
    for idx in shown.index:
        relation((*idx, "denominator"), [(*idx, "numerator"), (*idx, "not_completed")])
    for (level, area, measure, column), part in truth.reset_index().groupby(["level", "area_code", "measure", "group_column"]):
        for col in COUNTS:
            relation(float(part[col].sum()), [(level, area, measure, column, g, col) for g in part["group"]])
    study = [i for i in shown.index if i[0] == "study_area"]
    for lower in ("la", "hub") if hubs_cover else ("la",):
        for s in study:
            parts = [i for i in shown.index if i[0] == lower and i[2:] == s[2:]]
            for col in COUNTS:
                relation((*s, col), [(*p, col) for p in parts])
    for (level, area), parts in nested:
        for s in [i for i in shown.index if i[:2] == (level, area)]:
            for col in COUNTS:
                relation((*s, col), [(p[0], p[1], *s[2:], col) for p in parts if (p[0], p[1], *s[2:]) in shown.index])
    a = np.array(rows)
    cons = LinearConstraint(a, np.array(rhs), np.array(rhs))
    out = {}
    for c, k in var.items():
        ends = []
        for sign in (1.0, -1.0):
            obj = np.zeros(len(cells))
            obj[k] = sign
            res = milp(obj, constraints=cons, integrality=np.ones(len(cells)), bounds=Bounds(lb, ub))
            assert res.status == 0, (c, res.message)  # the true table is always feasible
            ends.append(sign * res.fun)
        out[c] = (ends[0], ends[1], float(truth.loc[c[:5], c[5]]))
    return out


@pytest.mark.parametrize("threshold", [5, 10])
def test_no_withheld_group_cell_is_recoverable_from_published_totals(biborough_build, threshold):
    rule = DisclosureRule(threshold=threshold)
    table = equity_table(biborough_build)
    published = published_equity(biborough_build, rule, table=table)
    display = published.display
    truth = table[table["level"].isin(["hub", "la", "study_area"])]
    # nothing small is shown, and a row with a withheld count shows no statistic
    for col in COUNTS:
        shown = display[col][~display[col].map(lambda v: isinstance(v, str))].astype(float)
        assert (shown >= threshold).all(), col
    withheld_row = display[list(COUNTS)].map(lambda v: isinstance(v, str)).any(axis=1)
    assert withheld_row.any()
    assert display.loc[withheld_row, ["rate", "rate_lo", "difference", "flag", "children_to_area_rate"]].eq("c").all().all()
    assert not {"p_value", "q_value", "area_numerator", "area_denominator"} & set(display.columns)
    hubs_cover = bool(biborough_build.lsoa["hub_id"].notna().all())
    ranges = _attack(display, truth, rule, hubs_cover)
    small = {c: r for c, r in ranges.items() if r[2] < threshold}
    assert small, "the attack must have small cells to try"
    pinned = {c: r for c, r in small.items() if r[0] == r[1]}
    assert not pinned, pinned
    for c, (lo, hi, true) in ranges.items():
        assert lo <= true <= hi, c


def test_rounding_rule_shows_rounded_counts_and_statistics_from_them(biborough_build):
    rule = DisclosureRule.preset("nhs-england")
    published = published_equity(biborough_build, rule)
    shown = published.numeric.dropna(subset=["numerator", "denominator"])
    assert ((shown["numerator"] % 5) == 0).all() and ((shown["denominator"] % 5) == 0).all()
    np.testing.assert_allclose(shown["rate"], shown["numerator"] / shown["denominator"])


def test_rounding_rule_statistics_give_back_only_the_published_rounded_area_totals(biborough_build):
    """Under a rounding rule an area's rate and a shown group's difference (rate minus the rest's rate) determine the
    area's completed and eligible counts exactly; they must be the rounded area totals the gate publishes, not the sum
    of every group's rounded count, which would give back the rounded values of the withheld cells
    (Leicestershire, nhs-england: 28 withheld small counts narrowed to 5 or fewer values, e.g. LEI-05 Black {3, 4})."""
    rule = DisclosureRule.preset("nhs-england")
    table = equity_table(biborough_build)
    numeric = published_equity(biborough_build, rule, table=table).numeric
    exact = table[table["level"].isin(["hub", "la", "study_area"])].groupby(["level", "area_code"])[["numerator", "denominator"]].sum()
    tried = 0
    for (level, area), rows in numeric.groupby(["level", "area_code"]):
        shown = rows.dropna(subset=["numerator", "denominator", "difference"])
        shown = shown[(shown["denominator"] > 0) & (shown["denominator"] < shown["denominator"].sum())]
        if shown.empty:
            continue
        r = shown.iloc[0]
        area_rate, rest = rows["area_rate"].iloc[0], r["rate"] - r["difference"]
        eligible = (r["numerator"] - rest * r["denominator"]) / (area_rate - rest)  # the reader's two equations
        completed = area_rate * eligible
        want = exact.loc[(level, area)]
        assert round(eligible, 6) == rule.round(want["denominator"]), (level, area)
        assert round(completed, 6) == rule.round(want["numerator"]), (level, area)
        tried += rows[["numerator", "denominator"]].isna().any(axis=1).any()
    assert tried >= 2, "areas with withheld rows must be tried"


def _nested_by_hand(lsoa: pd.DataFrame) -> list:
    """Each LA whose LSOAs are exactly those of some hubs' catchments, and each hub whose catchment is exactly some LAs."""
    out = []
    for code, level, other, other_level in (("lad_code", "la", "hub_id", "hub"), ("hub_id", "hub", "lad_code", "la")):
        for area, rows in lsoa.groupby(code):
            parts = sorted(rows[other].dropna().unique())
            if rows[other].notna().all() and lsoa[lsoa[other].isin(parts)][code].eq(area).all():
                out.append(((level, area), [(other_level, p) for p in parts]))
    return out


def test_a_hub_catchment_that_is_exactly_a_district_links_their_cells(leicestershire_build):
    """Melton (E07000133) is exactly hub LEI-13's catchment, so each group's district cell equals its hub cell: with that
    relation the attack pinned a withheld district count (threshold 10: E07000129 Other eligible = 8)."""
    rule = DisclosureRule(threshold=10)
    table = equity_table(leicestershire_build)
    nested = _nested_by_hand(leicestershire_build.lsoa)
    assert (("la", "E07000133"), [("hub", "LEI-13")]) in nested
    display = published_equity(leicestershire_build, rule, table=table).display
    ranges = _attack(display, table[table["level"].isin(["hub", "la", "study_area"])], rule, True, nested=nested)
    small = {c: r for c, r in ranges.items() if r[2] < rule.threshold}
    assert len(small) > 100
    pinned = {c: r for c, r in small.items() if r[0] == r[1]}
    assert not pinned, pinned


def test_a_free_text_group_with_few_children_is_not_published_by_name(biborough_build):
    """A group column without a vocabulary (e.g. ``language``) takes any text: a value held by fewer children than
    the threshold in the whole study area (a rare language, or a name typed in the wrong column) was published as a
    row label at every level. It is folded into one "Other" row (counts and statistics recomputed)."""
    from geo.equity.publish import SMALL_GROUPS

    result = biborough_build
    table = equity_table(result)
    lang = table.assign(group_column="language")
    hub = lang[(lang["level"] == "hub") & (lang["group"] == "White")].iloc[0]
    la = result.lsoa.loc[result.lsoa["hub_id"] == hub["area_code"], "lad_code"].iloc[0]
    moved = []
    for level, area in (("hub", hub["area_code"]), ("la", la), ("study_area", result.config.slug)):
        at = (lang["level"] == level) & (lang["area_code"] == area) & (lang["group"] == "White")
        lang.loc[at, ["numerator", "denominator"]] -= [1.0, 2.0]
        moved.append(lang[at].assign(group="Mother SECRET-NAME", numerator=1.0, denominator=2.0))
    lang = pd.concat([lang, *moved, lang[lang["group"] == "White"].assign(group="Tigrinya", numerator=0.0, denominator=0.0)])
    rule = DisclosureRule(threshold=5)
    display = published_equity(result, rule, table=pd.concat([table, lang], ignore_index=True)).display
    groups = set(display.loc[display["group_column"] == "language", "group"])
    assert "Mother SECRET-NAME" not in groups and "Tigrinya" not in groups and SMALL_GROUPS in groups
    assert set(display.loc[display["group_column"] == "ethnic_group", "group"]) == set(table["group"])  # vocabulary: kept
    study = display[(display["level"] == "study_area") & (display["group_column"] == "language")].set_index("group")
    assert study.loc[SMALL_GROUPS, "denominator"] == rule.label  # 2 children, withheld
