"""The app's map: drawn once per study area and geography level, then redrawn in place on a control change.

The component is sent the arguments of two maps (:mod:`geo.maps.livemap`): the base (areas,
hubs, tiles; its script names the component, so it stays the same frame while only the layer,
the scenario, the venues or the selection change) and the update (streamlit-folium's
``feature_group``: restyles the areas in view, hides the rest, replaces the legend, draws the
outlines and venues). Both are computed once per combination and cached. The map of the HTML
download is the whole map drawn at once (:func:`build_map`, :func:`geo.maps.webmap.layer_map`).

Every function takes the page's cached loaders (:class:`MapLoaders`; as ``_loaders`` in the
cached ones, so Streamlit does not hash them): the map is drawn from the same cached results,
views and venues as the rest of the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from geo.app import groupmap, trends, views
from geo.app.folium_component import component_args, folium_map
from geo.app.scenario import CACHE_HASH_FUNCS, DataKey, Scenario, Selection, VenueChoice
from geo.disclosure import DisclosureRule
from geo.maps import (
    LAYERS,
    Basemap,
    MapBase,
    add_image_layer,
    image_layer,
    layer_map,
    map_base,
    site_markers,
    static_url,
)
from geo.maps.elements import ZoomableMap
from geo.maps.livemap import base_fingerprint, live_base, live_update

__all__ = ["MAP_HEIGHT", "MAP_RETURNS", "MapLoaders", "load_map_base", "load_site_markers", "load_image_layer", "map_parts",
           "build_map", "base_args", "update_args", "map_component_args", "show_map"]

MAP_HEIGHT = 620
MAP_RETURNS = ["last_active_drawing"]  # only a click on an area reruns the app (not panning or zooming)


@dataclass(frozen=True)
class MapLoaders:
    """The page's cached loaders the map is drawn from (``streamlit_app.py``'s ``load_*`` functions).

    Attributes
    ----------
    prepared : callable
        ``DataKey -> Prepared``.
    result : callable
        ``Scenario -> BuildResult``.
    view : callable
        ``(Scenario, Selection) -> View``.
    monitoring : callable
        ``Scenario -> published monitoring`` (or a message).
    choices : callable
        ``DataKey -> dict`` of the controls' options.
    equity : callable
        ``Scenario -> published equity`` (or None).
    sites : callable
        ``(Scenario, VenueChoice, Selection) -> VenuePlan``.
    hub_names : callable
        ``BuildResult -> {hub id: name}``.
    """

    prepared: Callable
    result: Callable
    view: Callable
    monitoring: Callable
    choices: Callable
    equity: Callable
    sites: Callable
    hub_names: Callable


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=16)
def load_map_base(_loaders: MapLoaders, scenario: Scenario, level: str, change: bool = False) -> MapBase:
    """Every area of the study area ready for the web map (simplified, reprojected, tooltips), once per build and level
    (``change``: with the published change flags, for the change layers)."""
    result = _loaders.result(scenario)
    rule = DisclosureRule.from_config(result.config)
    areas = views.published_areas(result, level, rule)
    monitoring = _loaders.monitoring(scenario) if change else None
    if monitoring is not None and not isinstance(monitoring, str):
        areas = trends.change_columns(areas, monitoring)
    return map_base(areas, level=level, hubs=result.hubs, catchments=result.catchments(), gaps=result.gaps(), rule=rule)


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=64)
def load_site_markers(_loaders: MapLoaders, scenario: Scenario, venues: VenueChoice, selection: Selection):
    """The suggested venues as map markers (cached per choice of venues and areas); per hub, named with their hub."""
    plan = _loaders.sites(scenario, venues, selection)
    frame = views.sites_frame(plan)
    if plan.scope == "hub":
        names = _loaders.hub_names(_loaders.result(scenario))
        frame = frame.assign(name=frame["name"].astype(str) + ", for " + frame["hub_id"].map(lambda h: names.get(h, h)))
    return site_markers(frame)


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=4)
def load_image_layer(_loaders: MapLoaders, data: DataKey):
    """The ``[export] basemap`` GeoTIFF as the map's image layer when ``[map]`` names no tiles (else ``None``)."""
    prepared = _loaders.prepared(data)
    export = prepared.config.export
    if prepared.config.tiles is not None or export.basemap is None:
        return None
    basemap = Basemap.open(export.basemap, export.basemap_attribution)
    return image_layer(basemap, tuple(prepared.lsoa.to_crs(4326).total_bounds))


def map_parts(loaders: MapLoaders, scenario: Scenario, venues: VenueChoice, selection: Selection, layer: str,
              base_url: str) -> dict:
    """The arguments of :func:`geo.maps.webmap.layer_map` for a combination of controls, from cached parts.

    Changing the layer only reclassifies and recolours the areas; changing the selection only
    takes other rows of the cached :class:`geo.maps.webmap.MapBase`; changing the venues only moves
    the markers.
    """
    view = loaders.view(scenario, selection)
    parts = {"sites": load_site_markers(loaders, scenario, venues, selection), "leaflet_prefix": static_url(base_url),
             "tiles": loaders.result(scenario).config.tiles}
    if layer.startswith(groupmap.GROUP_LAYER + "@"):  # one group's published take-up by hub catchment
        option = layer.split("@", 1)[1]
        label = loaders.choices(scenario.data)["groups"].get(option, option.split("|")[-1])
        base = groupmap.group_map_base(views.view_map_base(load_map_base(loaders, scenario, selection.level), view),
                                       loaders.equity(scenario), option, label)
        return {"base": base, "spec": groupmap.group_layer(label), **parts}
    change = bool(LAYERS[layer].categories)  # the change layers need the published monitoring
    return {"base": views.view_map_base(load_map_base(loaders, scenario, selection.level, change), view), "layer": layer, **parts}


def build_map(loaders: MapLoaders, scenario: Scenario, *rest):
    """The whole map drawn at once for a combination of controls (the HTML download; cheap: the slow parts are cached)."""
    m = layer_map(**map_parts(loaders, scenario, *rest))
    add_image_layer(m, load_image_layer(loaders, scenario.data))
    return m


def _component_options() -> dict:
    return {"height": MAP_HEIGHT, "use_container_width": True, "render": False, "returned_objects": MAP_RETURNS, "key": "map"}


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=8)
def base_args(_loaders: MapLoaders, scenario_data: DataKey, level: str, base_url: str, fingerprint: str, _base: MapBase,
              _tiles) -> dict:
    """The component's arguments for the base map (:func:`geo.maps.livemap.live_base`), once per study area,
    level, app URL and drawn content (``fingerprint``: :func:`geo.maps.livemap.base_fingerprint` of ``_base``)."""
    m = live_base(_base, tiles=_tiles, leaflet_prefix=static_url(base_url))
    add_image_layer(m, load_image_layer(_loaders, scenario_data))
    return component_args(m, **_component_options())


def update_args(loaders: MapLoaders, scenario: Scenario, venues: VenueChoice, selection: Selection, layer: str,
                base_url: str) -> str:
    """The update of the map for a combination of controls: streamlit-folium's ``feature_group`` script."""
    parts = map_parts(loaders, scenario, venues, selection, layer, base_url)
    groups = live_update(parts["base"], parts.get("layer", "priority"), sites=parts["sites"], spec=parts.get("spec"),
                         own_areas="spec" in parts)
    return component_args(ZoomableMap(tiles=None), feature_group_to_add=groups, **_component_options())["feature_group"]


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=32)
def map_component_args(_loaders: MapLoaders, scenario: Scenario, venues: VenueChoice, selection: Selection, layer: str,
                       base_url: str) -> dict:
    """What the map component is sent for a combination of controls, computed once per combination:
    the base's arguments (the same for every combination of one study area and level) and the update."""
    base = load_map_base(_loaders, scenario, selection.level)
    tiles = _loaders.result(scenario).config.tiles
    fixed = base_args(_loaders, scenario.data, selection.level, base_url, base_fingerprint(base) + repr(tiles), base, tiles)
    return {**fixed, "feature_group": update_args(_loaders, scenario, venues, selection, layer, base_url)}


def show_map(loaders: MapLoaders, map_key: tuple):
    """The map in the page; returns what the user clicked (streamlit-folium's return value)."""
    return folium_map(**map_component_args(loaders, *map_key))
