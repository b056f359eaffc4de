"""In Chromium: a hub's card lists the pack's venues for that hub, and its printable visit list downloads."""

from __future__ import annotations

import pytest

from tests.app import test_app_browser as base

pytestmark = pytest.mark.browser

# the shared Chromium and bi-borough app server of tests/app/test_app_browser.py
browser, server, app_result = base.browser, base.server, base.app_result

HUB, HUB_NAME = "WCC-CHS", "Church Street Family Hub"


def test_hub_card_venues_and_printable_visit_list(server, browser, app_result, tmp_path):
    from geo.disclosure import DisclosureRule
    from geo.disclosure.gate import export_tables
    from geo.disclosure.venues import published_venue_figures
    from geo.export.tables import hub_sites

    sites, _ = hub_sites(app_result, [HUB], k=5)  # the pack's venues for Church Street
    sites = published_venue_figures(sites, export_tables(app_result, DisclosureRule.from_config(app_result.config)).lsoa.display)
    page = browser.new_page(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server)
    base._map_frame(page, "Priority", timeout=180)
    page.get_by_role("tab", name="Hubs", exact=True).click()
    page.get_by_text("All hubs").wait_for(timeout=120_000)
    card = page.get_by_test_id("stVerticalBlock").filter(has_text=f"{HUB_NAME} ({HUB})").filter(has_text="Suggested venues").last
    button = card.get_by_role("button", name="Visit list (printable page)")
    items = card.locator("ol > li")  # the venues as an ordered list, in rank order
    assert items.all_inner_texts() == [f"{v.name}: {v.covered_lsoas} LSOA{'s' if v.covered_lsoas != 1 else ''}, about {v.covered_children_nearest_10:,} children"
                                       for v in sites.sort_values("rank").itertuples()]
    button.scroll_into_view_if_needed()
    base._shot(page, "app_9_hub_cards_visit_lists")
    with page.expect_download(timeout=60_000) as info:
        button.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "visits_biborough_WCC-CHS.html"
    html = path.read_text()
    assert '<html lang="en-GB">' in html and f"<title>Visit list: {HUB_NAME}" in html and "@media print" in html
    assert all(name.replace("&", "&amp;").replace("'", "&#x27;") in html for name in sites["name"])
    printed = browser.new_page()
    printed.goto(path.as_uri())
    assert printed.get_by_role("heading", name=f"Visit list: {HUB_NAME}").is_visible()
    assert printed.locator("table").count() == 2
    printed.close()
    assert not errors, errors
