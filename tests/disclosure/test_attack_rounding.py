"""Fresh attacker's look at issue 13: rounding presets must not be undone by published rates.

Under ``rule = "nhs-england"`` every shown count is rounded to the nearest 5 (README, "Rule
presets"). The attacker here reads only the published ward and hub tables and the README's
formulas (``review_rate`` = completed / eligible, 4 decimals in the ward table; ``reviewed_pct``
and ``reached_pct`` in the hub table; ``reach_rate`` = hub_children / under5_est): for each row it
lists every (eligible, completed) pair allowed by the rounded counts whose rate equals the
published rate. One pair left is the exact, unrounded count.
"""
from __future__ import annotations

import pandas as pd
import pytest

from geo.disclosure import DisclosureRule
from geo.disclosure.gate import export_tables


def _pairs_consistent(shown_e, shown_c, rate, *, step: int, tol: float) -> list[tuple[int, int]]:
    """Every (eligible, completed) that rounds to the shown counts and gives the shown rate."""
    half = step // 2
    return [(e, c) for e in range(max(1, shown_e - half), shown_e + half + 1)
            for c in range(max(0, shown_c - half), shown_c + half + 1)
            if c <= e and abs(c / e - rate) <= tol]


def _unrounded_rows(frame: pd.DataFrame, rate_col: str, truth: pd.DataFrame, *, step: int, tol: float) -> list[str]:
    """Rows whose shown rate leaves one (eligible, completed) pair: the exact one, which rounding had hidden."""
    out = []
    for key, row in frame.iterrows():
        cells = [row.get("review_eligible"), row.get("review_completed"), row.get(rate_col)]
        try:
            e, c, r = int(float(cells[0])), int(float(cells[1])), float(cells[2])
        except (TypeError, ValueError):
            continue  # a withheld cell: nothing to undo
        if e <= 0:
            continue
        exact = (int(truth.at[key, "review_eligible"]), int(truth.at[key, "review_completed"]))
        if _pairs_consistent(e, c, r, step=step, tol=tol) == [exact] and exact != (e, c):
            out.append(str(key))
    return out


def test_nhs_england_rounding_is_not_undone_by_published_rates(biborough_build):
    rule = DisclosureRule.preset("nhs-england")
    tables = export_tables(biborough_build, rule)
    wards = tables.wards.display
    wards = wards[wards["ward_code"].astype(str).str.startswith("E05")].set_index("ward_code")
    hubs = tables.hubs.display
    hubs = hubs[hubs["hub_id"].astype(str) != "Total"].set_index("hub_id")
    # the exact counts, to tell a pair the rate singles out that is the truth from the shown pair itself
    true_wards = biborough_build.wards.set_index("ward_code")
    true_hubs = biborough_build.hub_table().set_index("hub_id")
    assert len(hubs) == 5 and set(wards.index) <= set(true_wards.index) and len(wards) > 14
    undone_wards = _unrounded_rows(wards, "review_rate", true_wards, step=rule.rounding, tol=5e-5)
    undone_hubs = _unrounded_rows(hubs, "reviewed_pct", true_hubs, step=rule.rounding, tol=5e-5)
    # hub reach: children_reached comes back from reached_pct x under5 (both published)
    reach_hubs = []
    for key, row in hubs.iterrows():
        try:
            shown, pct, u5 = int(float(row["children_reached"])), float(row["reached_pct"]), float(row["under5"])
        except (TypeError, ValueError):
            continue
        cands = [h for h in range(shown - 2, shown + 3) if abs(h / u5 - pct) <= 5e-5 * (1 + 1 / u5)]
        if cands == [int(true_hubs.at[key, "children_reached"])] != [shown]:
            reach_hubs.append(key)
    assert (undone_wards, undone_hubs, reach_hubs) == ([], [], [])


def test_gate_check_catches_a_rate_from_exact_counts(biborough_build):
    """The gate's own check (geo.disclosure.rounded) flags a ward rate that is not the rate of its shown counts."""
    from geo.disclosure.rounded import rates_from_counts, rates_match_shown_counts

    rule = DisclosureRule.preset("nhs-england")
    wards = export_tables(biborough_build, rule).wards
    assert rates_match_shown_counts(wards, "ward_code") == []
    numeric = wards.numeric.copy()
    shown = numeric["review_rate"].notna() & numeric["review_eligible"].gt(0)
    i = int(shown.to_numpy().nonzero()[0][0])
    expected = rates_from_counts(numeric)["review_rate"][i]
    assert numeric["review_rate"].iat[i] == pytest.approx(expected, abs=1e-4)
    numeric.iloc[i, numeric.columns.get_loc("review_rate")] = expected + 0.01  # e.g. a rate from the exact counts
    from dataclasses import replace
    bad = rates_match_shown_counts(replace(wards, numeric=numeric), "ward_code")
    assert bad == [(str(wards.display["ward_code"].iat[i]), "review_rate")]
