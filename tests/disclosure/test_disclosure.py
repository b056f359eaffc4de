"""Disclosure control: primary, derived and secondary suppression, proved by an LP attack.

The attack is built here from the *displayed* table only (what a reader sees) and the
relations a reader knows, independently of the module's own relation code.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from geo.disclosure import (
    CONFIDENTIAL,
    DisclosureRule,
    SmallCount,
    add_total_row,
    format_count,
    scan_for_small_counts,
    suppress,
)

COUNTS = ["review_completed", "children_not_reviewed", "review_eligible"]
IDENTITY = [("review_eligible", ["review_completed", "children_not_reviewed"])]
DERIVED = {
    "review_rate": ["review_completed", "review_eligible"],
    "review_rate_lo": ["review_completed", "review_eligible"],
    "review_rate_hi": ["review_completed", "review_eligible"],
}
LAS = ["E09000033", "E09000020"]


def _with_rates(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    n = df["review_eligible"].astype(float)
    p = df["review_completed"] / n.where(n > 0)
    df["review_rate"] = 100 * p
    half = 196 * np.sqrt(p * (1 - p) / n.where(n > 0))
    df["review_rate_lo"] = df["review_rate"] - half
    df["review_rate_hi"] = df["review_rate"] + half
    return df


def ward_table(seed: int, n_wards: int = 36) -> pd.DataFrame:
    """Wards in two LAs, many small counts 0-12, with LA subtotals and a grand total."""
    rng = np.random.default_rng(seed)
    completed = rng.integers(0, 13, n_wards)
    not_rev = rng.integers(0, 13, n_wards)
    wards = pd.DataFrame({
        "ward_code": [f"E0500{i:04d}" for i in range(n_wards)],
        "lad_code": [LAS[i * 2 // n_wards] for i in range(n_wards)],
        "review_completed": completed,
        "children_not_reviewed": not_rev,
        "review_eligible": completed + not_rev,
        "under5_est": np.round(rng.uniform(20, 400, n_wards), 1),
    })
    return _with_rates(add_total_row(wards, COUNTS, key="ward_code", group_col="lad_code"))


def hub_table(seed: int, n_hubs: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    completed = rng.integers(0, 15, n_hubs)
    not_rev = rng.integers(0, 15, n_hubs)
    hubs = pd.DataFrame({
        "hub_id": [f"H{i}" for i in range(n_hubs)],
        "review_completed": completed,
        "children_not_reviewed": not_rev,
        "review_eligible": completed + not_rev,
    })
    return _with_rates(add_total_row(hubs, COUNTS, key="hub_id"))


def suppress_wards(df, rule=DisclosureRule(), **kw):
    return suppress(df, counts=COUNTS, derived=DERIVED, row_relations=IDENTITY, total_row="Total",
                    group_col="lad_code", key="ward_code", table="wards", rule=rule, **kw)


def suppress_hubs(df, rule=DisclosureRule(), **kw):
    return suppress(df, counts=COUNTS, derived=DERIVED, row_relations=IDENTITY, total_row="Total",
                    key="hub_id", table="hubs", rule=rule, **kw)


# ----------------------------------------------------------------- the reader's relations


def ward_relations(df: pd.DataFrame) -> list[tuple[tuple[int, str], list[tuple[int, str]]]]:
    """total cell, part cells (row position, column), as a reader of the ward table sees them."""
    rels = []
    keys = df["ward_code"].tolist()
    subtotal_rows = []
    for la in LAS:
        sub = keys.index(f"{la} total")
        subtotal_rows.append(sub)
        leaves = [i for i in range(len(df)) if df["lad_code"].iat[i] == la and i != sub]
        rels += [((sub, c), [(i, c) for i in leaves]) for c in COUNTS]
    grand = keys.index("Total")
    rels += [((grand, c), [(i, c) for i in subtotal_rows]) for c in COUNTS]
    rels += _row_identities(len(df))
    return rels


def hub_relations(df: pd.DataFrame) -> list:
    grand = df["hub_id"].tolist().index("Total")
    rels = [((grand, c), [(i, c) for i in range(len(df)) if i != grand]) for c in COUNTS]
    return rels + _row_identities(len(df))


def _row_identities(n: int) -> list:
    return [((i, "review_eligible"), [(i, "review_completed"), (i, "children_not_reviewed")])
            for i in range(n)]


def _public_problem(display: pd.DataFrame, rels, rule: DisclosureRule):
    """Variables, equality system and bounds of what a reader can deduce from ``display``."""
    cells = sorted({c for t, parts in rels for c in [t, *parts]
                    if isinstance(display[c[1]].iat[c[0]], str)})
    idx = {c: k for k, c in enumerate(cells)}
    a_eq, b_eq = [], []
    for t, parts in rels:
        row, rhs = np.zeros(len(cells)), 0.0
        for cell, sign in [(t, -1.0), *((p, 1.0) for p in parts)]:
            v = display[cell[1]].iat[cell[0]]
            if cell in idx:
                row[idx[cell]] += sign
            else:
                rhs -= sign * float(v)
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    lo_small = 0 if rule.suppress_zero else 1
    bounds = []
    for c in cells:
        v = display[c[1]].iat[c[0]]
        if v == rule.label:
            bounds.append((lo_small, rule.threshold - 1))
        else:
            assert v == CONFIDENTIAL
            bounds.append((0, None))
    return cells, np.array(a_eq).reshape(-1, len(cells)), np.array(b_eq), bounds


def lp_ranges(display, rels, rule) -> dict:
    """min and max of every suppressed cell over the LP relaxation (HiGHS)."""
    cells, a_eq, b_eq, bounds = _public_problem(display, rels, rule)
    out = {}
    for k, c in enumerate(cells):
        ext = []
        for sign in (1.0, -1.0):
            obj = np.zeros(len(cells))
            obj[k] = sign
            res = linprog(obj, A_eq=a_eq if len(a_eq) else None, b_eq=b_eq if len(b_eq) else None,
                          bounds=bounds, method="highs")
            assert res.status in (0, 3), res.message  # 3: unbounded (a hidden total)
            ext.append(sign * res.fun if res.status == 0 else sign * np.inf)
        out[c] = tuple(ext)
    return out


def milp_ranges(display, rels, rule, big: int = 100_000) -> dict:
    """min and max of every suppressed cell over integers, "c" meaning 0 or >= threshold."""
    cells, a_eq, b_eq, bounds = _public_problem(display, rels, rule)
    n = len(cells)
    secondary = [k for k, c in enumerate(cells) if display[c[1]].iat[c[0]] == CONFIDENTIAL]
    nv = n + len(secondary)
    lb = np.r_[[b[0] for b in bounds], np.zeros(len(secondary))]
    ub = np.r_[[big if b[1] is None else b[1] for b in bounds], np.ones(len(secondary))]
    cons = [LinearConstraint(np.c_[a_eq, np.zeros((len(a_eq), len(secondary)))], b_eq, b_eq)]
    if secondary:
        link = np.zeros((2 * len(secondary), nv))
        for m, k in enumerate(secondary):
            link[2 * m, [k, n + m]] = [1, -rule.threshold]  # x >= t z
            link[2 * m + 1, [k, n + m]] = [1, -big]          # x <= big z
        cons.append(LinearConstraint(link, np.tile([0, -np.inf], len(secondary)),
                                     np.tile([np.inf, 0], len(secondary))))
    out = {}
    for k, c in enumerate(cells):
        ext = []
        for sign in (1.0, -1.0):
            obj = np.zeros(nv)
            obj[k] = sign
            res = milp(obj, constraints=cons, integrality=np.ones(nv), bounds=Bounds(lb, ub))
            assert res.success, res.message
            ext.append(round(res.x[k]))
        out[c] = tuple(ext)
    return out


def assert_not_recoverable(df, result, rels, rule, counts=COUNTS):
    ranges = lp_ranges(result.display, rels, rule)
    n_suppressed_counts = int(result.mask[counts].to_numpy().sum())
    assert len(ranges) == n_suppressed_counts  # every suppressed count is in some relation here
    for (i, col), (lo, hi) in ranges.items():
        true = float(df[col].iat[i])
        assert lo - 1e-7 <= true <= hi + 1e-7, "the true values must be feasible"
        assert hi - lo > 1e-6, f"{col} of row {i} is pinned to {lo} by the shown cells"


def assert_invariant(result, rels):
    for t, parts in rels:
        n = sum(bool(result.mask[c].iat[i]) for i, c in [t, *parts])
        assert n == 0 or n >= 2, (t, parts, n)


def assert_audit_matches_mask(result, table: str, key: str, df):
    audit = result.audit
    assert (audit["table"] == table).all()
    from_audit = {(r, c) for r, c in zip(audit["row"], audit["column"])}
    assert len(from_audit) == len(audit)
    from_mask = {(df[key].iat[i], c) for i, c in zip(*np.nonzero(result.mask.to_numpy()))
                 for c in [df.columns[c]]}
    assert from_audit == from_mask
    for r, c, reason in zip(audit["row"], audit["column"], audit["reason"]):
        i = df[key].tolist().index(r)
        assert result.reason[c].iat[i] == reason
        if reason == "primary":
            assert result.display[c].iat[i] == result.rule.label
        else:
            assert result.display[c].iat[i] == CONFIDENTIAL
    counts = result.counts_by_reason()
    assert counts == {r: int((audit["reason"] == r).sum()) for r in ("primary", "derived", "secondary")}


# ----------------------------------------------------------------- single values


def test_format_count():
    assert [format_count(v) for v in (0, 1, 4, 5, 12, 1234, 1234567)] == [
        "0", "<5", "<5", "5", "12", "1,234", "1,234,567"]
    assert format_count(None) == format_count(float("nan")) == format_count(pd.NA) == ""
    assert format_count(np.int64(3)) == "<5"
    assert format_count(9, DisclosureRule(threshold=10)) == "<10"
    assert format_count(10, DisclosureRule(threshold=10)) == "10"
    assert format_count(0, DisclosureRule(suppress_zero=True)) == "<5"


def test_rule_validation_and_config():
    with pytest.raises(ValueError):
        DisclosureRule(threshold=0)
    assert DisclosureRule.from_config(SimpleNamespace(disclosure_threshold=10)) == DisclosureRule(10, name="custom")


# ----------------------------------------------------------------- primary and derived


def test_primary_suppression():
    df = pd.DataFrame({"area": list("abcdefg"), "n": [0, 1, 2, 3, 4, 5, 120], "est": [0.4, 1, 2, 3, 4.5, 5, 6]})
    s = suppress(df, counts=["n"], key="area", table="t")
    assert s.display["n"].tolist() == [0, "<5", "<5", "<5", "<5", 5, 120]
    assert s.display["est"].tolist() == df["est"].tolist()  # not a count: untouched
    assert s.mask["n"].tolist() == [False, True, True, True, True, False, False]
    assert not s.mask["est"].any() and not s.mask["area"].any()
    assert set(s.audit["reason"]) == {"primary"}
    assert s.numeric["n"].isna().tolist() == s.mask["n"].tolist()
    assert df["n"].tolist() == [0, 1, 2, 3, 4, 5, 120]  # input untouched
    assert scan_for_small_counts(s.display, counts=["n"]) == []
    assert len(scan_for_small_counts(df, counts=["n"])) == 4


def test_derived_suppression():
    df = pd.DataFrame({"hub": ["A", "B", "C", "D"], "completed": [3, 20, 30, 0], "eligible": [40, 4, 50, 9]})
    df["rate"] = 100 * df["completed"] / df["eligible"]
    df["rate_lo"] = df["rate"] - 5
    s = suppress(df, counts=["completed", "eligible"], key="hub", table="hubs",
                 derived={"rate": ["completed", "eligible"], "rate_lo": ["completed", "eligible"]})
    assert s.display["rate"].tolist()[:2] == [CONFIDENTIAL, CONFIDENTIAL]
    assert s.display["rate"].iat[2] == pytest.approx(60.0)
    assert s.display["rate"].iat[3] == 0.0  # 0 of 9 is shown: 0 is not disclosive
    assert s.display["completed"].tolist() == ["<5", 20, 30, 0]
    assert s.display["eligible"].tolist() == [40, "<5", 50, 9]
    assert s.mask["rate_lo"].tolist() == [True, True, False, False]
    assert s.counts_by_reason() == {"primary": 2, "derived": 4, "secondary": 0}
    with pytest.raises(ValueError):
        suppress(df, counts=["completed"], key="hub", derived={"rate": ["eligible"]})


def test_zero_handling():
    df = pd.DataFrame({"k": ["a", "b", "c"], "n": [0, 3, 7]})
    assert suppress(df, counts=["n"], key="k").display["n"].tolist() == [0, "<5", 7]
    s = suppress(df, counts=["n"], key="k", rule=DisclosureRule(suppress_zero=True))
    assert s.display["n"].tolist() == ["<5", "<5", 7]
    assert scan_for_small_counts(df, counts=["n"]) == [SmallCount(1, "n", 3.0)]
    assert len(scan_for_small_counts(df, counts=["n"], suppress_zero=True)) == 2


def test_threshold_10():
    rule = DisclosureRule(threshold=10)
    df = hub_table(seed=3)
    s = suppress_hubs(df, rule=rule)
    shown = s.display[COUNTS]
    assert (shown == "<10").to_numpy().sum() == int(((df[COUNTS] > 0) & (df[COUNTS] < 10)).to_numpy().sum())
    assert scan_for_small_counts(s.display, counts=COUNTS, threshold=10) == []
    assert_invariant(s, hub_relations(df))
    assert_not_recoverable(df, s, hub_relations(df), rule)
    assert "<5" not in set(shown.astype(str).to_numpy().ravel())


# ----------------------------------------------------------------- secondary suppression


def test_simple_total_gets_complementary_cell():
    df = pd.DataFrame({"ward": ["w1", "w2", "w3", "Total"], "n": [2, 8, 9, 19]})
    s = suppress(df, counts=["n"], key="ward", total_row="Total", table="wards")
    assert s.display["n"].tolist() == ["<5", CONFIDENTIAL, 9, 19]
    assert s.audit["reason"].tolist() == ["primary", "secondary"]


def test_two_small_cells_summing_to_a_known_small_number_are_protected():
    # 1 + 1 + 9 = 11: two "<5" cells in one relation, but a + b = 2 pins both to 1.
    df = pd.DataFrame({"ward": ["w1", "w2", "w3", "Total"], "n": [1, 1, 9, 11]})
    rels = [((3, "n"), [(0, "n"), (1, "n"), (2, "n")])]
    weak = suppress(df, counts=["n"], key="ward", total_row="Total", verify=False)
    assert_invariant(weak, rels)  # the simple rule alone is satisfied ...
    with pytest.raises(AssertionError, match="pinned"):  # ... yet the LP proof catches the leak
        assert_not_recoverable(df, weak, rels, DisclosureRule(), counts=["n"])
    s = suppress(df, counts=["n"], key="ward", total_row="Total")
    assert s.display["n"].tolist() == ["<5", "<5", CONFIDENTIAL, 11]
    assert_not_recoverable(df, s, rels, DisclosureRule(), counts=["n"])


def test_zero_is_not_chosen_as_complement_when_a_positive_cell_exists():
    df = pd.DataFrame({"k": ["a", "z", "b", "Total"], "n": [2, 0, 6, 8]})
    s = suppress(df, counts=["n"], key="k", total_row="Total")
    assert s.display["n"].tolist() == ["<5", 0, CONFIDENTIAL, 8]


def test_integer_attack_on_a_complement_is_blocked():
    # 1 + 5 + 20 = 26. The simple rule hides 1 and its smallest neighbour 5: the LP
    # relaxation cannot pin them (b in [2, 5]), but a reader who knows that "c" is 0 or >= 5
    # gets b = 5 and a = 1. The module's integer attack widens the suppression.
    df = pd.DataFrame({"k": ["a", "b", "c", "Total"], "n": [1, 5, 20, 26]})
    rels = [((3, "n"), [(0, "n"), (1, "n"), (2, "n")])]
    weak = suppress(df, counts=["n"], key="k", total_row="Total", verify=False)
    assert weak.display["n"].tolist() == ["<5", CONFIDENTIAL, 20, 26]
    assert_not_recoverable(df, weak, rels, DisclosureRule(), counts=["n"])  # LP is fooled
    assert milp_ranges(weak.display, rels, DisclosureRule())[(0, "n")] == (1, 1)
    s = suppress(df, counts=["n"], key="k", total_row="Total")
    assert s.display["n"].tolist() == ["<5", CONFIDENTIAL, CONFIDENTIAL, 26]
    lo, hi = milp_ranges(s.display, rels, DisclosureRule())[(0, "n")]
    assert hi > lo


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 2026])
def test_ward_table_with_la_subtotals(seed):
    df = ward_table(seed)
    assert df["ward_code"].tolist()[-1] == "Total" and len(df) == 36 + 2 + 1
    s = suppress_wards(df)
    rels = ward_relations(df)
    assert s.counts_by_reason()["primary"] > 10
    assert s.counts_by_reason()["secondary"] > 0
    assert_invariant(s, rels)
    assert_not_recoverable(df, s, rels, DisclosureRule())
    assert_audit_matches_mask(s, "wards", "ward_code", df)
    assert scan_for_small_counts(s.display, counts=COUNTS) == []
    # every derived value of a suppressed count is withheld; others are shown unchanged
    for c, sources in DERIVED.items():
        want = s.mask[sources].any(axis=1)
        assert s.mask[c].tolist() == want.tolist()
        kept = ~want.to_numpy()
        pd.testing.assert_series_equal(s.display[c][kept].astype(float), df[c][kept], check_names=False)
    assert not s.mask["under5_est"].any()


@pytest.mark.parametrize("seed", [0, 4, 11, 99])
def test_hub_table_with_total_row_and_identity(seed):
    df = hub_table(seed)
    s = suppress_hubs(df)
    rels = hub_relations(df)
    assert_invariant(s, rels)
    assert_not_recoverable(df, s, rels, DisclosureRule())
    assert_audit_matches_mask(s, "hubs", "hub_id", df)
    assert scan_for_small_counts(s.display, counts=COUNTS) == []
    shown = ~s.mask[COUNTS].to_numpy()
    np.testing.assert_array_equal(
        s.display[COUNTS].to_numpy()[shown].astype(float), df[COUNTS].to_numpy()[shown].astype(float))


@pytest.mark.parametrize("seed", [0, 2, 5])
def test_integer_attack_knowing_what_c_means(seed):
    """A reader who knows "c" is 0 or >= 5 (and integers) still cannot pin a small count."""
    df = ward_table(seed)
    s = suppress_wards(df)
    for (i, col), (lo, hi) in milp_ranges(s.display, ward_relations(df), DisclosureRule()).items():
        if s.display[col].iat[i] == "<5":
            assert hi - lo >= 1, f"{col} of row {i} is pinned"


def test_general_constraints_option():
    # cells related by a declared constraint that is not a row or column total: y[t] = x[a] + x[b]
    df = pd.DataFrame({"k": ["a", "b", "t"], "x": [2, 30, 0], "y": [0, 0, 32]})
    s = suppress(df, counts=["x", "y"], key="k",
                 constraints=[(("t", "y"), [("a", "x"), ("b", "x")])])
    assert s.display["x"].tolist() == ["<5", CONFIDENTIAL, 0]
    assert s.display["y"].tolist() == [0, 0, 32]
    with pytest.raises(KeyError):
        suppress(df, counts=["x", "y"], key="k", constraints=[(("nope", "y"), [("a", "x")])])


def test_determinism_and_no_mutation():
    df = ward_table(42)
    before = df.copy()
    a, b = suppress_wards(df), suppress_wards(df.copy())
    pd.testing.assert_frame_equal(a.display, b.display)
    pd.testing.assert_frame_equal(a.audit, b.audit)
    pd.testing.assert_frame_equal(df, before)


def test_add_total_row_sums_and_groups():
    df = ward_table(1)
    leaves = df[~df["ward_code"].str.contains("total|Total")]
    for la in LAS:
        sub = df[df["ward_code"] == f"{la} total"]
        assert (sub[COUNTS].to_numpy() == leaves[leaves["lad_code"] == la][COUNTS].sum().to_numpy()).all()
    grand = df[df["ward_code"] == "Total"][COUNTS].to_numpy()
    assert (grand == leaves[COUNTS].sum().to_numpy()).all()
    assert pd.api.types.is_integer_dtype(df["review_completed"].dtype)


def test_scan_reads_csv_text_and_files(tmp_path):
    text = "ward,n,rate\nw1,<5,c\nw2,3,10.5\nw3,\"1,234\",2\n"
    assert scan_for_small_counts(text, counts=["n"]) == [SmallCount(1, "n", 3.0)]
    path = tmp_path / "t.csv"
    path.write_text(text)
    assert scan_for_small_counts(path, counts=["n"]) == [SmallCount(1, "n", 3.0)]
    assert scan_for_small_counts(str(path), counts=["n", "rate"]) == [
        SmallCount(1, "n", 3.0), SmallCount(2, "rate", 2.0)]


def test_missing_values_are_not_suppressed():
    df = pd.DataFrame({"k": ["a", "b", "Total"], "n": [np.nan, 12, np.nan]})
    s = suppress(df, counts=["n"], key="k", total_row="Total")
    assert not s.mask["n"].any()
    assert format_count(s.display["n"].iat[0]) == ""
