"""Issue 19 in the app: the period selector, the Trends tab and the change map layer (AppTest and map HTML)."""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.app import trends, views
from geo.app.scenario import DataKey, Scenario
from geo.build import prepare
from geo.config import load_config
from geo.disclosure import DisclosureRule
from geo.maps.webmap import layer_map, map_base
from geo.monitoring.publish import published_monitoring
from geo.safety import plain_markdown
from tests.app.test_app import REPO, control, open_tab, rerun, write_app_config


@pytest.fixture(scope="module")
def app_config(tmp_path_factory, biborough_config):
    return write_app_config(tmp_path_factory.mktemp("trends_app"), biborough_config)


@pytest.fixture()
def app(app_config, monkeypatch) -> AppTest:
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(app_config))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_scenario_key_includes_the_period():
    base = {"need": {"imd": 1.0}, "engagement": {"review": 1.0}, "mode": "walk", "minutes": 15}
    a = Scenario.of(DataKey("c.toml", ()), **base)
    b = Scenario.of(DataKey("c.toml", ()), **base, period="2025-Q4", pool=1)
    c = Scenario.of(DataKey("c.toml", ()), **base, period="2025-Q4", pool=4)
    assert len({a.digest, b.digest, c.digest}) == 3 and b != c


def test_period_options_offer_windows_that_share_no_quarter(app_config):
    """Overlapping windows and quarters alone would give withheld counts back by differencing
    (tests/disclosure/test_attack_windows.py): the default year and the year before only."""
    options = trends.period_options(prepare(load_config(app_config)))
    assert options == {"": "2025-Q1 to 2025-Q4 pooled (default)", "2024-Q4|4": "2024-Q1 to 2024-Q4 (4 quarters pooled)"}


def test_period_selector_changes_the_analysis(app, app_config):
    review = pd.read_csv(REPO / "data/extracts/demo/biborough/review_takeup.csv")
    metric = lambda: {m.label: m.value for m in app.metric}["Reviewed (2-2½ yr)"]  # noqa: E731
    window = review[review["period"] >= "2025-Q1"]
    assert metric() == f"{window['completed'].sum() / window['eligible'].sum():.0%}"
    captions = " ".join(c.value for c in app.caption)
    assert plain_markdown("Figures for 2025-Q1 to 2025-Q4 pooled") in captions  # stated on the page
    app.selectbox(key=control(app, "period")).select("2024-Q4|4")
    rerun(app)
    year = review[review["period"].between("2024-Q1", "2024-Q4")]
    assert metric() == f"{year['completed'].sum() / year['eligible'].sum():.0%}"
    assert plain_markdown("Figures for 2024-Q1 to 2024-Q4 pooled") in " ".join(c.value for c in app.caption)


def test_trends_tab_shows_charts_changes_and_impact_with_caveats(app):
    open_tab(app, "Trends")
    images = app.get("image")
    assert images, "no chart"
    alt = images[-1].proto.imgs[0].alt
    assert "Small multiples" in alt and "95% interval" in alt
    tables = [df.value for df in app.dataframe]
    change = next(t for t in tables if "Flag" in t.columns)
    assert set(change["Flag"]) <= {"improving", "worsening", "no clear change", "not published"}
    impact = next(t for t in tables if "Effect (points)" in t.columns)
    assert (impact["Sessions at"] == "all").any()
    captions = " ".join(c.value for c in app.caption)
    assert "parallel trends" in captions and "95% bootstrap" in captions and "never LSOA quarters" in captions
    app.radio(key="trend_level").set_value("ward")
    rerun(app)
    assert "withheld" in app.get("image")[-1].proto.imgs[0].alt  # small ward quarters are withheld and said so


def test_change_layer_is_in_the_map_html(biborough_build):
    rule = DisclosureRule.from_config(biborough_build.config)
    monitoring = published_monitoring(biborough_build, rule, tables=views.gated_tables(biborough_build, rule))
    areas = trends.change_columns(views.published_areas(biborough_build, "ward", rule), monitoring)
    flags = monitoring.latest_changes("ward").query("measure == 'review'").set_index("area_code")["flag"]
    assert (areas["review_change"].dropna() == areas.dropna(subset=["review_change"])["ward_code"].map(flags)).all()
    assert {"improving", "worsening", "no clear change"} <= set(areas["review_change"].dropna())
    html = layer_map(map_base(areas, level="ward", rule=rule), "review take-up change").get_root().render()
    for label in ("▲ improving", "▼ worsening", "● no clear change"):
        assert label in html  # legend and names in words and symbols, not colour alone
    assert "Change in review take-up on a year earlier (ward)" in html and "5 4" in html  # worsening: dashed outline
