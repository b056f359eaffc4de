"""Fresh attacker's look at issue 13: a withheld quadrant must not come back from a hub total.

The hub table's ``priority_children_nearest_10`` is "under-5s in high need, low engagement
areas" per hub, to the nearest 10. ``under5_est`` and ``need_score`` are published for every
LSOA, and "high need" is public (the need score alone). So a reader adds up the under-5s of the
LSOAs published as high need, low engagement, and tries every subset of the hub's high-need LSOAs
whose quadrant is withheld (``c``): when exactly one subset fits the hub's figure, the withheld
quadrants -- which the gate withheld because they would narrow a withheld count to one value --
are known again.
"""
from __future__ import annotations

import itertools

import pandas as pd

from geo.disclosure import DisclosureRule
from geo.disclosure.gate import export_tables

HNLE = "high need, low engagement"


def recovered_quadrants(lsoa: pd.DataFrame, hubs: pd.DataFrame) -> dict[str, set[str]]:
    """Per hub, the one subset of withheld-quadrant LSOAs that fits its figure as priority areas (if one)."""
    lsoa = lsoa.assign(need=pd.to_numeric(lsoa["need_score"]), u5=pd.to_numeric(lsoa["under5_est"]))
    quad = lsoa["quadrant"].astype(str)
    high_cut = lsoa.loc[quad.str.startswith("high need"), "need"].min()
    recovered = {}
    for _, hub in hubs[hubs["hub_id"].astype(str) != "Total"].iterrows():
        target = pd.to_numeric(pd.Series([hub["priority_children_nearest_10"]]), errors="coerce").iloc[0]
        mine = lsoa[lsoa["hub_id"] == hub["hub_id"]]
        hidden = mine[(mine["quadrant"].astype(str) == "c") & (mine["need"] >= high_cut)]
        if pd.isna(target) or hidden.empty or len(hidden) > 12:
            continue
        known = mine.loc[mine["quadrant"] == HNLE, "u5"].sum()
        slack = 5 + 0.5 * len(mine)  # nearest 10, and each under-5 estimate shown to the nearest 1
        fits = [set(s) for k in range(len(hidden) + 1) for s in itertools.combinations(hidden["lsoa21cd"], k)
                if abs(known + hidden.set_index("lsoa21cd").loc[list(s), "u5"].sum() - target) <= slack]
        if len(fits) == 1:
            recovered[hub["hub_id"]] = fits[0]
    return recovered


def test_hub_priority_children_do_not_give_back_withheld_quadrants(biborough_build):
    tables = export_tables(biborough_build, DisclosureRule())
    lsoa, hubs = tables.lsoa.display, tables.hubs.display
    assert (lsoa["quadrant"].astype(str) == "c").any()  # the gate withholds some quadrants on the demo
    # on main: RBKC-N's figure fits only with E01002909 (quadrant withheld) as a priority area
    assert {hub: found for hub, found in recovered_quadrants(lsoa, hubs).items() if found} == {}
    # the figure is the under-5s of the LSOAs published as priority areas (rounded to 10), so a fit
    # with no withheld LSOA says nothing about them
    for _, hub in hubs[hubs["hub_id"] != "Total"].iterrows():
        shown = pd.to_numeric(lsoa.loc[(lsoa["hub_id"] == hub["hub_id"]) & (lsoa["quadrant"] == HNLE), "under5_est"]).sum()
        assert abs(float(hub["priority_children_nearest_10"]) - shown) <= 5 + 0.5 * int(float(hub["lsoas"]))
