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


def _unrounded_rows(frame: pd.DataFrame, rate_col: str, *, step: int, tol: float) -> list[str]:
    out = []
    for key, row in frame.iterrows():
        cells = [row.get("review_eligible"), row.get("review_completed"), row.get(rate_col)]
        try:
            e, c, r = int(float(cells[0])), int(float(cells[1])), float(cells[2])
        except (TypeError, ValueError):
            continue  # a withheld cell: nothing to undo
        if e <= 0:
            continue
        if len(_pairs_consistent(e, c, r, step=step, tol=tol)) == 1:
            out.append(str(key))
    return out


@pytest.mark.xfail(strict=True, reason="issue 13 attack: under a rounding preset the exact rates (ward review_rate, "
                   "hub reviewed_pct/reached_pct, intervals, smoothed rates, children_not_reached) are published "
                   "from the unrounded counts, so rate x rounded denominator gives the exact count back; "
                   "geo.disclosure.gate.round_counts rounds only the count columns")
def test_nhs_england_rounding_is_not_undone_by_published_rates(biborough_build):
    rule = DisclosureRule.preset("nhs-england")
    tables = export_tables(biborough_build, rule)
    wards = tables.wards.display
    wards = wards[wards["ward_code"].astype(str).str.startswith("E05")].set_index("ward_code")
    hubs = tables.hubs.display
    hubs = hubs[hubs["hub_id"].astype(str) != "Total"].set_index("hub_id")
    undone_wards = _unrounded_rows(wards, "review_rate", step=rule.rounding, tol=5e-5)
    undone_hubs = _unrounded_rows(hubs, "reviewed_pct", step=rule.rounding, tol=5e-5)
    # hub reach: children_reached comes back from reached_pct x under5 (both published)
    reach_hubs = []
    for key, row in hubs.iterrows():
        try:
            shown, pct, u5 = int(float(row["children_reached"])), float(row["reached_pct"]), float(row["under5"])
        except (TypeError, ValueError):
            continue
        cands = [h for h in range(shown - 2, shown + 3) if abs(h / u5 - pct) <= 5e-5 * (1 + 1 / u5)]
        if len(cands) == 1:
            reach_hubs.append(key)
    assert (undone_wards, undone_hubs, reach_hubs) == ([], [], [])
