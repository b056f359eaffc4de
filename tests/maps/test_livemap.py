"""The app's map redrawn in place (:mod:`geo.maps.livemap`): the base, and the update's data.

The update must colour, name and describe each area exactly as the whole map drawn at once
(:func:`geo.maps.webmap.layer_map`, the HTML download) does; its strings must be safe in a
script; the base must hold no value (so it stays the same, and one iframe, across controls).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from geo.app import views
from geo.app.folium_component import component_args
from geo.disclosure import DisclosureRule
from geo.maps.elements import VerbatimGeoJson, ZoomableMap
from geo.maps.livemap import js_json, live_base, live_update, update_payload, view_key
from geo.maps.overlays import legend_symbols
from geo.maps.style import LAYERS
from geo.maps.webmap import MapBase, layer_map, map_base

HOSTILE = ["</script><script>alert(1)</script>", "<!-- x", "a & b", "line\u2028sep\u2029", "`${x}`", "it's \"q\"", "{{ 5*5 }}"]


@pytest.fixture(scope="module")
def base(biborough_build):
    rule = DisclosureRule.from_config(biborough_build.config)
    areas = views.published_areas(biborough_build, "lsoa", rule)
    return map_base(areas, level="lsoa", hubs=biborough_build.hubs, catchments=biborough_build.catchments(),
                    gaps=biborough_build.gaps(), rule=rule)


def _options(**more) -> dict:
    return {"height": 620, "use_container_width": True, "render": False, "returned_objects": ["last_active_drawing"],
            "key": "map", **more}


def _payload(script: str) -> dict:
    """The payload of the AreaUpdate in an update's script."""
    found = re.search(r"window\.hubLive\.apply\((\{.*?\})\); \}", script, flags=re.S)
    assert found, script[:300]
    return json.loads(found.group(1))


def test_js_json_escapes_what_could_end_a_script_and_round_trips():
    text = js_json(HOSTILE)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == HOSTILE


@pytest.mark.parametrize("layer", list(LAYERS))
def test_update_colours_and_names_areas_as_the_whole_map_does(base, biborough_build, layer):
    view = views.view_map_base(base, views.filter_view(biborough_build, level="lsoa", hubs=("WCC-CHS",)))
    spec = LAYERS[layer]
    if spec.categories:  # change classes (▲/●/▼, each with its own outline) and areas without one
        values = [v for v, _ in spec.categories] + [None]
        view = MapBase(view.level, view.areas.assign(**{spec.column: [values[i % len(values)] for i in range(len(view.areas))]}),
                       view.catchments, view.gaps, view.hubs)
    whole = layer_map(view, layer)
    areas = next(c for c in whole._children.values() if isinstance(c, VerbatimGeoJson))
    expected = {f["properties"]["code"]: (areas.style_function(f), f["properties"]["label"], f["properties"]["tip"])
                for f in areas.data["features"]}
    payload = update_payload(view, LAYERS[layer], symbols=[])
    got = {c: (payload["styles"][s], lbl, tip) for c, s, lbl, tip in
           zip(payload["codes"], payload["style"], payload["labels"], payload["tips"])}
    assert got == expected
    assert len(got) == (biborough_build.lsoa["hub_id"] == "WCC-CHS").sum() < len(base.areas)
    assert LAYERS[layer].title in payload["legend"] and 'class="hub-legend"' in payload["legend"]
    if spec.categories:
        assert {"5 4", None} <= {style.get("dashArray") for style in payload["styles"]}  # ▼ worsening dashed
        assert any("▲ improving" in tip for tip in payload["tips"])


def test_update_sends_hostile_names_as_data_only():
    areas = pd.DataFrame({"code": [f"E{i}" for i in range(len(HOSTILE))], "label": HOSTILE,
                          "tip": [f"<b>{i}</b>" for i in range(len(HOSTILE))], "need_score": range(len(HOSTILE)),
                          "minx": 0.0, "miny": 51.0, "maxx": 0.1, "maxy": 51.1})
    sites = pd.DataFrame({"lat": [51.05], "lon": [0.05], "rank": [1], "name": [HOSTILE[0]], "type": ["library"]})
    groups = live_update(MapBase("lsoa", areas), "need", sites=sites)
    script = component_args(ZoomableMap(tiles=None), feature_group_to_add=groups, **_options())["feature_group"]
    assert "</script" not in script.lower() and "<!--" not in script and "\u2028" not in script
    payload = _payload(script)
    assert [lbl.split(", Need")[0] for lbl in payload["labels"]] == HOSTILE  # names come back exactly, as data
    assert payload["codes"] == list(areas["code"])
    # the update first (restyles before outlines are drawn), then the venues, listed in the layer control
    assert script.index("hubLive.apply(") < script.index("hubLive.overlay(")
    assert '"Suggested venues"' in script


def test_group_areas_drawn_by_the_update_hide_every_base_area(base):
    catch = base.catchments.iloc[:2]
    own = MapBase("lsoa", pd.DataFrame({"code": catch["hub_id"].astype(str), "label": catch["label"], "tip": "x",
                                        "geometry": catch["geometry"], "extent": catch["extent"], "need_score": [1.0, 2.0],
                                        "minx": -0.2, "miny": 51.5, "maxx": -0.1, "maxy": 51.6}, index=catch.index))
    payload = update_payload(own, LAYERS["need"], symbols=[], own_areas=True)
    assert payload["codes"] == [] and payload["view"] != update_payload(own, LAYERS["need"], symbols=[])["view"]
    groups = live_update(own, "need", own_areas=True)
    script = component_args(ZoomableMap(tiles=None), feature_group_to_add=groups, **_options())["feature_group"]
    assert all(f'"code": "{h}"' in script for h in catch["hub_id"])  # drawn as a layer of their own


def test_base_holds_no_value_and_is_one_component_for_every_layer(base, biborough_build):
    args = component_args(live_base(base), **_options())
    again = component_args(live_base(base.take()), **_options())
    assert args["key"] == again["key"] and args["script"] == again["script"]
    text = args["script"] + args["html"]
    assert "Review take-up" not in text and "Priority rank" not in text and "fillColor\": \"#fee5d9" not in text
    assert all(code in args["script"] for code in biborough_build.lsoa["lsoa21cd"])
    assert "window.hubLive = hubLiveRuntime(map_div" in args["script"] and ".hub-legend" not in args["html"].split("</style>")[-1]
    symbols = legend_symbols(True, True, False)
    first = update_payload(base, LAYERS["priority"], symbols=symbols)
    other = update_payload(base, LAYERS["need"], symbols=symbols)
    assert first["view"] == other["view"] == view_key("lsoa", biborough_build.lsoa["lsoa21cd"])  # a layer change keeps the view
    assert first["styles"] != other["styles"]
