"""Venues per hub (the pack's function), forced-venue warnings, options and per-hub visit lists in the app.

Driven headless with AppTest on the real bi-borough data; every figure is compared with what the
ILT pack computes (:func:`geo.export.tables.hub_sites`, :func:`geo.export.visits.visit_list`).
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from geo.app import options, venues
from geo.app.download import csv_bytes
from geo.app.visits import hub_visit_list, visit_page
from geo.disclosure import DisclosureRule
from geo.disclosure.gate import export_tables
from geo.disclosure.venues import published_venue_figures
from geo.export.tables import hub_sites
from geo.export.visits import VISIT_LSOAS, visit_list
from geo.sites import suggest_sites_per_hub
from tests.app import test_app as base
from tests.app.test_app import control, open_tab, rerun, sites_table

# the AppTest fixtures of tests/app/test_app.py (the app on the real bi-borough data)
app, app_config, app_result = base.app, base.app_config, base.app_result

HUB = "WCC-CHS"  # Church Street, the hub of issue 16


def pack_venues(result, hubs: list[str], k: int = 5) -> pd.DataFrame:
    """The venues of the pack's hub pages, computed as geo.export.pack does."""
    sites, _ = hub_sites(result, hubs, k=k)
    return published_venue_figures(sites, export_tables(result, DisclosureRule.from_config(result.config)).lsoa.display)


def test_hub_filter_lists_the_pack_venues_of_that_hub(app, app_result):
    app.multiselect(key=control(app, "hubs")).set_value([HUB])
    rerun(app)
    shown = sites_table(app)
    expected = pack_venues(app_result, [HUB])
    assert len(expected) >= 2
    assert list(shown["name"]) == list(expected["name"])
    assert list(shown["covered_lsoas"]) == list(expected["covered_lsoas"])
    assert list(shown["covered_children_nearest_10"]) == list(expected["covered_children_nearest_10"])
    assert set(shown["hub_id"]) == {"Church Street Family Hub"}          # the hub by name, nothing from another hub
    text = " ".join(m.value for m in app.markdown)
    assert "per hub" in text and "Church Street Family Hub" in text
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Children reached by this option"] == f"about {venues.reach_summary(venues.plan_venues(app_result, scope='hub', k=5, hubs=[HUB]), app_result, DisclosureRule.from_config(app_result.config))['children']:,}"
    assert any("weighted by priority" in c.value for c in app.caption)  # the ranking explained in words


def test_every_hub_card_shows_its_own_venues(app, app_result):
    open_tab(app, "Hubs")
    hubs = list(app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "hub_id"])
    expected = pack_venues(app_result, hubs)
    cards = [m.value for m in app.markdown if m.value.startswith("Suggested venues") or m.value.startswith("No venue")]
    assert len(cards) == len(hubs)
    assert not any("No suggested venue in this catchment" in c for c in cards)
    listed = [line for c in cards for line in c.splitlines() if re.match(r"\d+\. ", line)]  # one list item per venue
    assert len(listed) == len(expected)
    first = expected[expected["hub_id"] == HUB].iloc[0]
    assert any(f"1. {first['name']}: {first['covered_lsoas']} LSOAs, about {first['covered_children_nearest_10']:,} children"
               in c.replace("\\", "") for c in cards)


def test_k_in_total_is_said_and_follows_the_selection(app, app_result):
    app.radio(key="venue_scope").set_value("total")
    app.slider(key="k").set_value(3)
    rerun(app)
    assert len(sites_table(app)) == 3
    assert any("in total" in m.value for m in app.markdown)
    app.multiselect(key=control(app, "hubs")).set_value([HUB])
    rerun(app)
    hub_lsoas = set(app_result.lsoa.loc[app_result.lsoa["hub_id"] == HUB, "lsoa21cd"])
    plan = venues.plan_venues(app_result, scope="total", k=3, lsoa_mask=(app_result.lsoa["hub_id"] == HUB).to_numpy())
    assert {c for codes in plan.table["lsoa_codes"] for c in codes.split(";") if c} <= hub_lsoas
    assert list(sites_table(app)["name"]) == list(plan.table["name"])


def _useless_venue(result) -> tuple[str, str]:
    """A venue standing in a hub's catchment that brings no LSOA within reach when forced in."""
    from geo.sites import _venue_hubs

    hubs = _venue_hubs(result, list(result.venues["venue_id"]))
    for venue_id, hub in sorted(hubs.items()):
        if not hub:
            continue
        t, _ = suggest_sites_per_hub(result, [hub], k=5, force_in=[venue_id])
        row = t[t["venue_id"] == venue_id]
        if len(row) and int(row["covered_lsoas"].iat[0]) == 0:
            return venue_id, hub
    pytest.fail("no venue in the bi-borough adds nothing when forced in")


def test_forcing_in_a_venue_that_adds_nothing_warns_and_names_what_it_displaced(app, app_result):
    venue_id, hub = _useless_venue(app_result)
    name = app_result.venues.set_index("venue_id").loc[venue_id, "name"]
    before, _ = suggest_sites_per_hub(app_result, [hub], k=5)
    after, _ = suggest_sites_per_hub(app_result, [hub], k=5, force_in=[venue_id])
    displaced = set(before["name"]) - set(after["name"])
    app.multiselect(key=control(app, "force_in")).set_value([venue_id])
    rerun(app)
    warnings = [w.value for w in app.warning if "adds 0 children" in w.value]
    assert len(warnings) == 1 and name in warnings[0].replace("\\", "")
    assert displaced and all(d in warnings[0].replace("\\", "") for d in displaced)
    rule = DisclosureRule.from_config(app_result.config)
    hubs = list(app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "hub_id"])
    with_ = venues.reach_summary(venues.plan_venues(app_result, scope="hub", k=5, hubs=hubs, force_in=[venue_id]), app_result, rule)
    without = venues.reach_summary(venues.plan_venues(app_result, scope="hub", k=5, hubs=hubs), app_result, rule)
    assert with_["children"] < without["children"]  # it cost children, and the panel says how many
    assert any(f"reaches about {with_['children']:,} children" in w.value.replace("\\", "") and f"about {without['children']:,}" in w.value.replace("\\", "")
               for w in app.warning)
    assert name in set(sites_table(app)["name"])  # it is kept in the list, with 0 children
    row = sites_table(app).set_index("name").loc[name]
    assert int(row["covered_lsoas"]) == 0 and int(row["covered_children_nearest_10"]) == 0


def _keep(app, name: str) -> None:
    """Type a name into the Options tab's form and keep the current settings under it."""
    app.text_input(key=next(t.key for t in app.text_input if t.key.startswith("option_name@"))).input(name)
    app.button(key=next(b.key for b in app.button if b.key and b.key.startswith("keep_option_go@"))).click()
    rerun(app)


def test_options_are_kept_compared_and_downloaded_per_study_area(app, app_config):
    formula = '=HYPERLINK("x")'  # an option name is data: shown as text, neutralised in the CSV
    open_tab(app, "Options")
    _keep(app, formula)
    app.slider(key="k").set_value(2)
    rerun(app)
    _keep(app, "Two per hub")
    path = str(app_config.resolve())
    kept = options.kept_options({options.state_key(path): app.session_state[options.state_key(path)]}, path)
    assert [o["name"] for o in kept] == [formula, "Two per hub"]
    assert kept[0]["k"] == 5 and kept[1]["k"] == 2 and kept[0]["children"] > kept[1]["children"] > 0
    frame = app.dataframe[0].value
    assert list(frame.columns) == ["Measure", formula, "Two per hub", "Differs"]
    rows = frame.set_index("Measure")
    assert rows.loc["k", "Differs"] == "yes" and rows.loc["Travel mode", "Differs"] == ""
    assert rows.loc[options.OPTION_ROWS["children"], formula] == f"{kept[0]['children']:,}"
    # the download: the comparison as shown, the formula neutralised
    csv = pd.read_csv(io.BytesIO(csv_bytes(frame)))
    assert not any(str(c).startswith("=") for c in csv.columns) and "'" + formula in csv.columns
    # another study area sees none of them
    assert options.state_key("/elsewhere/config.toml") not in app.session_state


def test_visit_list_downloads_per_hub_equal_the_pack(app, app_result):
    open_tab(app, "Hubs")
    hubs = list(app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "hub_id"])
    keys = {b.key for b in app.download_button}
    assert {f"dl_visits_csv_{h}" for h in hubs} | {f"dl_visits_html_{h}" for h in hubs} <= keys
    rule = DisclosureRule.from_config(app_result.config)
    sites = pack_venues(app_result, hubs)
    ranks = export_tables(app_result, rule).lsoa.numeric.set_index("lsoa21cd")["priority_rank"]
    plan = venues.plan_venues(app_result, scope="hub", k=5, hubs=hubs)
    for hub in hubs:
        ours = hub_visit_list(app_result, hub, venues.published_plan(plan, app_result, rule), rule)
        pack = visit_list(app_result, hub, sites[sites["hub_id"] == hub], n_lsoas=VISIT_LSOAS, ranks=ranks)
        pd.testing.assert_frame_equal(ours, pack)
    page = visit_page(ours, hub_name="<script>x</script>", study_area="Bi-borough", generated="2026-11-30")
    assert "<script>x" not in page and "&lt;script&gt;" in page and "@media print" in page and 'lang="en-GB"' in page
    assert all(pc in page for pc in ours.loc[ours["item"] == "suggested venue", "postcode"] if pc)
