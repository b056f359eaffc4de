"""The app's Equity tab (AppTest) and the pack's equity sections: published cells only."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.disclosure import DisclosureRule
from geo.equity.display import HEADERS
from geo.equity.publish import published_equity
from geo.equity.sections import equity_sections
from geo.export.sections import PackSection
from tests.app.test_app import write_app_config

REPO = Path(__file__).resolve().parents[2]


def test_pack_sections_per_hub_and_for_the_whole_area(biborough_build):
    rule = DisclosureRule.from_config(biborough_build.config)
    published = published_equity(biborough_build, rule)
    whole = equity_sections(biborough_build, published, None)
    assert [s.title for s in whole][0].endswith(biborough_build.config.name)
    assert len(whole) == 1 + len(biborough_build.config.la_codes)
    hub = equity_sections(biborough_build, published, "WCC-QPK")
    assert len(hub) == 1 and isinstance(hub[0], PackSection)
    s = hub[0]
    assert list(s.table.columns) == HEADERS and s.figure.startswith(b"\x89PNG")
    assert "Review take-up by group" in s.alt and "Black" in s.alt
    rows = published.display[(published.display["level"] == "hub") & (published.display["area_code"] == "WCC-QPK")]
    assert list(s.table["Group"]) == list(rows["group"])
    # withheld cells stay withheld in the pack, and a hub with withheld rows says so in its alt text
    bes = equity_sections(biborough_build, published, "WCC-BES")[0]
    withheld = bes.table["Take-up"].eq("c")
    assert withheld.any() and "Not shown (disclosure control)" in bes.alt
    assert not any(ch.isdigit() for ch in "".join(bes.table.loc[withheld, "Reviews completed"]))


@pytest.fixture(scope="module")
def equity_app_config(tmp_path_factory, biborough_config) -> Path:
    return write_app_config(tmp_path_factory.mktemp("equity_app"), biborough_config)


def test_equity_tab_shows_published_cells_with_chart_alt_text(equity_app_config, biborough_build, monkeypatch):
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(equity_app_config))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240)
    at.run()
    at.session_state["tab"] = "Equity"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    box = at.selectbox(key="equity_area")
    assert sum(o.startswith("Local authority: ") for o in box.options) == 2 and box.value.startswith("Study area: ")
    shown = at.dataframe[-1].value
    assert list(shown.columns) == HEADERS
    published = published_equity(biborough_build, DisclosureRule.from_config(biborough_build.config)).display
    study = published[published["level"] == "study_area"]
    assert list(shown["Group"]) == list(study["group"])
    assert any("Black" in m.value and "Lower take" in m.value for m in at.markdown)  # Markdown-escaped text
    name = biborough_build.hubs.set_index("hub_id").loc["WCC-BES", "name"]
    box.set_value(f"Hub catchment: {name}")
    at.run()
    shown = at.dataframe[-1].value
    assert (shown["Take-up"] == "c").any()  # a withheld row is shown as withheld
    images = at.get("image")
    assert len(images) == 1
    assert "Not shown (disclosure control)" in str(images[0].proto)  # the alt text names the withheld groups
