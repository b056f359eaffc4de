"""The web map's fast path: a cached layer-independent base, recoloured per layer, gives the same map.

The app builds maps with :func:`geo.maps.webmap.map_base` (once per build and level),
:meth:`geo.maps.webmap.MapBase.take` (the selection) and :func:`geo.maps.webmap.layer_map` (per layer);
:func:`geo.maps.webmap.area_map` does all three at once. These tests hold the two paths to the same
output, hold the fast folium elements to what folium itself renders, and check that names
with template syntax in them are shown as text.
"""

from __future__ import annotations

import re
import threading

import folium
import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from geo.app import views
from geo.disclosure import DisclosureRule
from geo.maps.assets import standalone_html
from geo.maps.elements import VerbatimGeoJson, VerbatimTooltip
from geo.maps.reproject import to_crs
from geo.maps.style import LAYERS
from geo.maps.webmap import area_map, layer_map, map_base, site_markers
from geo.sites import suggest_sites


def _normalised(text: str) -> str:
    """Folium's random element ids renumbered in order of appearance."""
    ids: dict[str, str] = {}
    return re.sub(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", lambda m: ids.setdefault(m.group(0), f"{len(ids) + 1:032x}"), text)


def _component_args(m: folium.Map) -> str:
    """What streamlit-folium would send to the browser for ``m`` (ids normalised)."""
    import streamlit_folium as sf

    captured: dict = {}
    real = sf._component_func
    sf._component_func = lambda **kwargs: captured.update(kwargs)
    try:
        sf.st_folium(m, height=600, use_container_width=True, render=False, returned_objects=["last_active_drawing"], key="map")
    finally:
        sf._component_func = real
    captured.pop("on_change")
    return _normalised(repr(captured))


@pytest.fixture(scope="module")
def parts(biborough_build):
    result = biborough_build
    polygons = (result.catchments(), result.gaps())
    sites = suggest_sites(result, k=4)
    return result, polygons, sites


@pytest.mark.parametrize("level, las, hubs", [("lsoa", (), ()), ("lsoa", ("E09000033",), ("WCC-QPK",)), ("ward", (), ("RBKC-N", "WCC-BES"))])
def test_cached_base_recoloured_per_layer_is_the_map_area_map_draws(parts, level, las, hubs):
    result, polygons, sites = parts
    rule = DisclosureRule(result.config.disclosure_threshold)
    view = views.filter_view(result, level=level, las=las, hubs=hubs)
    whole = map_base(result.lsoa if level == "lsoa" else result.wards, level=level, hubs=result.hubs,
                     catchments=polygons[0], gaps=polygons[1], rule=rule)
    base = views.view_map_base(whole, view)
    markers = site_markers(views.sites_frame(sites))
    assert len(base.areas) == len(view.areas) and list(base.areas["code"]) == list(view.areas["lsoa21cd" if level == "lsoa" else "ward_code"])
    for layer in LAYERS:
        direct = area_map(view.areas, layer=layer, level=level, hubs=view.hubs, catchments=view.catchments, gaps=view.gaps,
                          sites=views.sites_frame(sites), rule=rule, leaflet_prefix="/app/static")
        fast = layer_map(base, layer, sites=markers, leaflet_prefix="/app/static")
        assert _component_args(fast) == _component_args(direct), layer
        again = layer_map(base, layer, sites=markers, tiles=None)
        assert _normalised(standalone_html(again)) == _normalised(standalone_html(
            area_map(view.areas, layer=layer, level=level, hubs=view.hubs, catchments=view.catchments, gaps=view.gaps,
                     sites=views.sites_frame(sites), rule=rule, tiles=None))), layer


def test_fast_elements_render_what_folium_renders(parts):
    """``VerbatimGeoJson`` and ``VerbatimTooltip`` skip folium's re-parsing and bounds walk, not its output."""
    result, polygons, _ = parts
    base = map_base(result.lsoa, level="lsoa", hubs=result.hubs, catchments=polygons[0], gaps=polygons[1])
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": c, "tip": t}, "geometry": g}
        for c, t, g in zip(base.areas["code"], base.areas["tip"], base.areas["geometry"])]}

    def page(geojson_cls, tooltip_cls, **extra):
        m = folium.Map(location=[51.5, -0.18], tiles=None)
        geojson_cls(features, name="areas", style_function=lambda f: {"color": "#555"}, highlight_function=lambda f: {"weight": 2},
                    tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False), **extra).add_to(m)
        folium.Marker([51.5, -0.18], tooltip=tooltip_cls("Family Hub: Queen&#x27;s Park (WCC-QPK)")).add_to(m)
        return m

    bounds = folium.utilities.get_bounds(features, lonlat=True)
    fast = page(VerbatimGeoJson, VerbatimTooltip, bounds=bounds)
    plain = page(folium.GeoJson, folium.Tooltip)
    assert fast.get_bounds() == plain.get_bounds() == bounds
    assert _component_args(page(VerbatimGeoJson, VerbatimTooltip, bounds=bounds)) == _component_args(page(folium.GeoJson, folium.Tooltip))
    assert _normalised(standalone_html(fast)) == _normalised(standalone_html(plain))


def test_names_with_template_syntax_are_shown_as_text():
    """folium re-reads rendered output as a Jinja template; a name like ``{{ 7*7 }}`` must not be evaluated."""
    areas = gpd.GeoDataFrame({"lsoa21cd": ["E01000001", "E01000002"], "lsoa21nm": ["{{ 7*7 }} Road", "{% if %} Lane"],
                              "priority_score": [1.0, 2.0]},
                             geometry=[box(530000, 180000, 530500, 180500), box(530500, 180000, 531000, 180500)], crs=27700)
    hubs = gpd.GeoDataFrame({"hub_id": ["H{#1"], "name": ["{{ 6*7 }} hub"], "site_type": ["hub"]}, geometry=[Point(530100, 180100)], crs=27700)
    sites = gpd.GeoDataFrame({"rank": [1], "name": ["{{ 5*5 }} hall"], "type": ["hall"]}, geometry=[Point(530200, 180200)], crs=27700)
    m = area_map(areas, hubs=hubs, sites=sites, tiles=None)
    page = standalone_html(m)
    for text in ("{{ 7*7 }} Road", "{% if %} Lane", "{{ 6*7 }} hub", "{{ 5*5 }} hall", "H{#1"):
        assert text in page, text
    assert not re.search(r"\b(49|42|25)\b (Road|hub|hall)", page)
    # and the app's path (streamlit-folium) renders it without a template error
    assert "{{ 5*5 }} hall" in _component_args(area_map(areas, hubs=hubs, sites=sites))


def test_reprojection_thread_gives_the_same_coordinates(biborough_build):
    lsoa = biborough_build.lsoa.head(20)
    out: dict = {}
    worker = threading.Thread(target=lambda: out.update(web=to_crs(lsoa, 4326)))  # as a Streamlit rerun's thread would
    worker.start()
    worker.join()
    expected = lsoa.to_crs(4326)
    assert out["web"].crs == expected.crs
    assert out["web"].geometry.geom_equals_exact(expected.geometry, tolerance=0).all()
