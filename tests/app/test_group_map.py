"""The map layer "review take-up of a group" (issue 21 item 5): published hub cells only."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.app import views
from geo.app.groupmap import GROUP_LAYER, WITHHELD, group_layer, group_map_base, group_options, take_up_class
from geo.disclosure import DisclosureRule
from geo.equity.publish import published_equity
from geo.equity.table import equity_table
from geo.maps.webmap import layer_map, map_base
from tests.app.test_app import _config_with_extracts, _copy_extracts, control, rerun, write_app_config

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def group_app_config(tmp_path_factory, biborough_config) -> Path:
    return write_app_config(tmp_path_factory.mktemp("group_app"), biborough_config)


@pytest.fixture(scope="module")
def plain_app_config(tmp_path_factory, biborough_config) -> Path:
    """The bi-borough with extracts summed over their groups: no group column."""
    folder = tmp_path_factory.mktemp("plain_app")
    extracts = _copy_extracts(folder / "extracts")
    for path in extracts.values():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        counts = [c for c in ("eligible", "completed", "children") if c in frame.columns]
        keys = [c for c in frame.columns if c not in counts and c != "ethnic_group"]
        frame[counts] = frame[counts].astype(int)
        frame.groupby(keys, sort=False, as_index=False)[counts].sum()[frame.columns.drop("ethnic_group")].to_csv(path, index=False)
    return _config_with_extracts(folder / "cfg", biborough_config, extracts)


def _group_html(build, option: str, level: str = "lsoa") -> str:
    rule = DisclosureRule.from_config(build.config)
    areas = views.published_areas(build, level, rule)
    base = map_base(areas, level=level, hubs=build.hubs, catchments=build.catchments(), gaps=build.gaps(), rule=rule)
    view = views.filter_view(build, level=level)
    label = option.split("|")[1]
    grouped = group_map_base(views.view_map_base(base, view), published_equity(build, rule), option, label)
    return layer_map(grouped, spec=group_layer(label)).get_root().render()


def test_group_options_and_fixed_classes(biborough_build):
    options = group_options(biborough_build.inputs.groups)
    assert {"ethnic_group|Black", "ethnic_group|White", "ethnic_group|Asian"} <= set(options)
    assert options["ethnic_group|Black"] == "Black"
    assert [take_up_class(r) for r in (0.399, 0.4, 0.6999, 0.7)] == ["0-40", "40-50", "60-70", "70-100"]


def _hub_tooltip(html: str, hub: str) -> str:
    """The GeoJSON properties of one hub catchment in a map's HTML, JSON's \\uXXXX decoded."""
    feature = re.search(r'"code": "' + re.escape(hub) + r'"[^{}]*', html)
    assert feature, hub
    return feature.group(0).encode("ascii", "backslashreplace").decode("unicode_escape")


def assert_published_only(html: str, build, group: str) -> int:
    """Every hub's tooltip shows the published cell of ``group``; no withheld cell's rate, interval or
    withheld count is in the map's HTML. Returns the number of withheld cells checked."""
    rule = DisclosureRule.from_config(build.config)
    published = published_equity(build, rule)
    truth = equity_table(build)
    truth = truth[(truth["level"] == "hub") & (truth["measure"] == "review")].set_index(["area_code", "group_column", "group"])
    d = published.display
    cells = d[(d["level"] == "hub") & (d["measure"] == "review") & (d["group"] == group)]
    numeric = published.numeric.loc[cells.index]
    assert f"Review take-up of {group} children (hub catchments)" in html
    withheld = 0
    for i, cell in cells.iterrows():
        text = _hub_tooltip(html, cell["area_code"])
        true = truth.loc[(cell["area_code"], "ethnic_group", group)]
        if pd.isna(numeric.loc[i, "rate"]):
            withheld += 1
            assert "withheld (small numbers)" in text and WITHHELD in text
            for value in (true["rate"], true["rate_lo"], true["rate_hi"]):
                exact = repr(float(value))  # a short one (0.75) is also a style's number: the tooltip is checked
                assert (len(exact) < 6 or exact not in html) and f"{value:.0%} (95%" not in text
            for col in ("numerator", "denominator"):
                if str(cell[col]) in {"c", "<5"}:
                    assert f"{int(true[col])} of" not in text and f"of {int(true[col])} eligible" not in text
        else:
            lo, hi = numeric.loc[i, "rate_lo"], numeric.loc[i, "rate_hi"]
            assert f"{numeric.loc[i, 'rate']:.0%} (95% interval {lo:.0%} to {hi:.0%})" in text
            assert WITHHELD not in text
        if cell["flag"] == "lower":
            assert "▼ lower" in text
    return withheld


def test_group_map_shows_published_hub_cells_and_withholds_the_rest(biborough_build):
    withheld = 0
    for group in sorted(set(published_equity(biborough_build).display["group"])):
        withheld += assert_published_only(_group_html(biborough_build, f"ethnic_group|{group}"), biborough_build, group)
    assert withheld > 0  # the demo has withheld hub cells, so the scan can fail


def _app_map_html(at: AppTest) -> str:
    """Every text the map component is sent: the base map's script, HTML and header and the update
    (streamlit-folium's ``feature_group``) - a withheld value must be in none of them."""
    for element in at.main:
        if type(element).__name__ == "UnknownElement" and getattr(element.proto, "json_args", ""):
            args = json.loads(element.proto.json_args)
            if "script" in args:
                assert args.get("feature_group"), "the map's update is missing"
                return "\n".join(value for value in args.values() if isinstance(value, str))
    raise AssertionError("no map in the page")


def test_group_layer_in_the_app_and_a_switch_to_a_study_area_without_groups(group_app_config, plain_app_config, biborough_build,
                                                                             monkeypatch):
    monkeypatch.setenv("FAMILYHUB_CONFIG", os.pathsep.join([str(group_app_config), str(plain_app_config)]))
    at = rerun(AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=300))
    assert GROUP_LAYER in at.selectbox(key="layer").options
    at.selectbox(key="layer").select(GROUP_LAYER)
    rerun(at)
    group = at.selectbox(key=control(at, "group"))
    assert "Black" in group.options
    hubs = published_equity(biborough_build).numeric.query("level == 'hub' and measure == 'review'")
    most_withheld = hubs[hubs["rate"].isna()]["group"].value_counts().index[0]  # the app's map must hide them
    group.select(f"ethnic_group|{most_withheld}")
    rerun(at)
    assert assert_published_only(_app_map_html(at), biborough_build, most_withheld) > 0
    at.radio(key="level").set_value("ward")
    rerun(at)
    at.selectbox(key="config").set_value(str(plain_app_config.resolve()))
    rerun(at)
    assert GROUP_LAYER not in at.selectbox(key="layer").options        # offered only with a group column
    assert not [w for w in at.selectbox if w.key.startswith("group@")]
