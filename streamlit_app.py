"""Family Hub outreach map: a thin Streamlit UI over the pure functions in ``geo/`` and ``models/``.

Run: ``streamlit run streamlit_app.py --server.address 127.0.0.1 -- --config config.toml``
"""

from __future__ import annotations

import argparse
import html
import os
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.app import access, views
from geo.build import Prepared, analyse, prepare
from geo.config import ConfigError, ModelWeights, load_config
from geo.disclosure import DisclosureRule
from geo.errors import DataError, ValidationError
from geo.sites import suggest_sites
from geo.maps.assets import static_url
from geo.maps.basemap import Basemap
from geo.maps.style import LAYERS
from geo.maps.tiles import add_image_layer, image_layer
from geo.maps.webmap import MapBase, layer_map, map_base, site_markers

REPO = Path(__file__).resolve().parent


def _cli_configs() -> list[str]:
    """Study areas offered first: ``-- --config PATH [PATH ...]``, else ``$FAMILYHUB_CONFIG``
    (paths separated by ``os.pathsep``), else ``config.toml``. The first opens by default."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--config", nargs="+", default=os.environ.get("FAMILYHUB_CONFIG", str(REPO / "config.toml")).split(os.pathsep))
    args, _ = p.parse_known_args(sys.argv[1:])
    return args.config


@st.cache_resource(show_spinner="Loading and validating the study area's data…")
def load_prepared(config_path: str, mtime: float) -> Prepared:
    """Load → validate → join, once per config file (and again when it changes)."""
    return prepare(load_config(config_path))


@st.cache_data(show_spinner=False, max_entries=16)
def load_choices(config_path: str, mtime: float) -> dict:
    """The options of the study area's controls: local authorities, hubs, venue types (once per config)."""
    prepared = load_prepared(config_path, mtime)
    return {"las": views.la_names(prepared), "hubs": views.hub_names(prepared), "venue_types": views.venue_types(prepared)}


@st.cache_data(show_spinner=False, max_entries=64)
def load_venue_names(config_path: str, mtime: float, types: tuple) -> dict:
    """Venues of these types that can be forced in or out: ``{venue_id: label}``."""
    return views.venue_names(load_prepared(config_path, mtime), list(types))


@st.cache_resource(show_spinner="Scoring areas and drawing catchments…", max_entries=16)
def load_result(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float):
    prepared = load_prepared(config_path, mtime)
    cfg = prepared.config
    cfg = cfg.with_(
        weights=replace(cfg.weights, need=dict(need), engagement=dict(engagement)),
        travel=replace(cfg.travel, mode=mode, threshold_minutes=minutes),
    )
    return analyse(prepared, cfg)


@st.cache_data(show_spinner="Choosing outreach venues…", max_entries=64)
def load_sites(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float,
               k: int, types: tuple, force_in: tuple, force_out: tuple):
    result = load_result(config_path, mtime, need, engagement, mode, minutes)
    return suggest_sites(result, k=k, venue_types=types, force_in=force_in, force_out=force_out)


@st.cache_resource(show_spinner=False, max_entries=32)
def load_view(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float,
              level: str, las: tuple, hubs: tuple) -> views.View:
    """The areas, catchments and gaps the user selected (cached per selection)."""
    result = load_result(config_path, mtime, need, engagement, mode, minutes)
    return views.filter_view(result, level=level, las=las, hubs=hubs)


@st.cache_resource(show_spinner=False, max_entries=16)
def load_map_base(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float,
                  level: str) -> MapBase:
    """Every area of the study area ready for the web map (simplified, reprojected, tooltips), once per build and level."""
    result = load_result(config_path, mtime, need, engagement, mode, minutes)
    return map_base(result.lsoa if level == "lsoa" else result.wards, level=level, hubs=result.hubs,
                    catchments=result.catchments(), gaps=result.gaps(), rule=DisclosureRule(result.config.disclosure_threshold))


@st.cache_resource(show_spinner=False, max_entries=64)
def load_site_markers(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float,
                      k: int, types: tuple, force_in: tuple, force_out: tuple):
    """The suggested venues as map markers (cached per choice of venues)."""
    sites = load_sites(config_path, mtime, need, engagement, mode, minutes, k, types, force_in, force_out)
    return site_markers(views.sites_frame(sites))


def map_parts(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float,
              k: int, types: tuple, force_in: tuple, force_out: tuple, layer: str, level: str,
              las: tuple, hubs: tuple, base_url: str) -> dict:
    """The arguments of :func:`geo.maps.webmap.layer_map` for a combination of controls, from cached parts.

    Changing the layer only reclassifies and recolours the areas; changing the selection only
    takes other rows of the cached :class:`geo.maps.webmap.MapBase`; changing the venues only moves
    the markers.
    """
    key = (config_path, mtime, need, engagement, mode, minutes)
    view = load_view(*key, level, las, hubs)
    return {"base": views.view_map_base(load_map_base(*key, level), view), "layer": layer,
            "sites": load_site_markers(*key, k, types, force_in, force_out), "leaflet_prefix": static_url(base_url),
            "tiles": load_result(*key).config.tiles}


@st.cache_resource(show_spinner=False, max_entries=4)
def load_image_layer(config_path: str, mtime: float):
    """The ``[export] basemap`` GeoTIFF as the map's image layer when ``[map]`` names no tiles (else ``None``)."""
    prepared = load_prepared(config_path, mtime)
    export = prepared.config.export
    if prepared.config.tiles is not None or export.basemap is None:
        return None
    basemap = Basemap.open(export.basemap, export.basemap_attribution)
    return image_layer(basemap, tuple(prepared.lsoa.to_crs(4326).total_bounds))


def build_map(*map_key):
    """A new folium map for a combination of controls (cheap: the slow parts are cached)."""
    m = layer_map(**map_parts(*map_key))
    add_image_layer(m, load_image_layer(*map_key[:2]))
    return m


MAP_HEIGHT = 620
MAP_RETURNS = ["last_active_drawing"]  # only a click on an area reruns the app (not panning or zooming)


@st.cache_resource(show_spinner=False, max_entries=32)
def map_component_args(*map_key) -> dict | None:
    """What ``st_folium`` sends to its component for a map, computed once per combination of controls.

    ``st_folium`` re-renders the whole map (hundreds of kB of GeoJSON) on every rerun and alters
    the map it renders; capturing its component arguments once keeps reruns fast. Returns
    ``None`` if this streamlit-folium version does not work this way (then ``st_folium`` is used).
    """
    import streamlit_folium

    if not callable(getattr(streamlit_folium, "_component_func", None)):
        return None
    captured: dict = {}
    real = streamlit_folium._component_func
    streamlit_folium._component_func = lambda **kwargs: captured.update(kwargs)
    try:
        st_folium(build_map(*map_key), height=MAP_HEIGHT, use_container_width=True, render=False,
                  returned_objects=MAP_RETURNS, key="map")
    finally:
        streamlit_folium._component_func = real
    return captured or None


def show_map(map_key: tuple):
    """The map in the page; returns what the user clicked (streamlit-folium's return value)."""
    import streamlit_folium

    args = map_component_args(*map_key)
    if args is None:
        return st_folium(build_map(*map_key), height=MAP_HEIGHT, use_container_width=True,
                         render=False, returned_objects=MAP_RETURNS, key="map")
    return streamlit_folium._component_func(**args)


@st.cache_resource(show_spinner=False, max_entries=8)
def load_pack(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float,
              k: int, hub: str | None, generated: str) -> bytes:
    """The ILT pack (zip bytes) of the build the app shows, made once per combination (it takes ~10 s)."""
    import datetime as dt

    from geo.export.bundle import pack_zip

    result = load_result(config_path, mtime, need, engagement, mode, minutes)
    return pack_zip(result, hub=hub, k=k, generated=dt.date.fromisoformat(generated))


def pack_offer(key: tuple, k: int, hubs: list[str], result) -> views.PackOffer | None:
    """The ILT pack for the current controls: one hub's if exactly one hub is selected, else every hub's.

    The pack last prepared in this session is kept in ``st.session_state`` (and every pack in
    :func:`load_pack`'s cache), so it stays offered until a control it depends on changes.
    """
    import datetime as dt

    from geo.export.bundle import pack_file_name

    n_hubs = 0 if result.hubs is None else int((result.hubs["site_type"] == "hub").sum())
    if not n_hubs:
        return None
    hub = hubs[0] if len(hubs) == 1 else None
    pack_key = (*key, k, hub)
    held = st.session_state.get("ilt_pack")  # (pack key, generation date, zip bytes)
    held = held if held and held[0] == pack_key else None

    def prepare() -> bytes:
        from geo.export.pack import generation_date

        generated = generation_date().isoformat()
        zipped = load_pack(*pack_key, generated)
        st.session_state["ilt_pack"] = (pack_key, generated, zipped)
        return zipped

    return views.PackOffer(
        covers=f"hub {hub} only" if hub else f"all {n_hubs} hubs", prepare=prepare,
        file_name=lambda suffix: pack_file_name(result.config.slug, hub, dt.date.fromisoformat(held[1]), suffix),
        data=held[2] if held else None)


@st.cache_data(show_spinner="Applying disclosure control…", max_entries=64)
def load_table(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float,
               level: str, las: tuple, hubs: tuple, table: str) -> pd.DataFrame | None:
    """A suppressed, formatted table: ``priority``, ``wards`` or ``hubs`` (cached per selection)."""
    result = load_result(config_path, mtime, need, engagement, mode, minutes)
    view = load_view(config_path, mtime, need, engagement, mode, minutes, level, las, hubs)
    rule = DisclosureRule(result.config.disclosure_threshold)
    if table == "priority":
        return views.priority_frame(view, level, rule)
    if table == "wards":
        return views.ward_frame(result, view, rule)
    return views.hub_frame(result, rule)


@st.cache_data(show_spinner="Drawing charts…", max_entries=32)
def load_charts(config_path: str, mtime: float, need: tuple, engagement: tuple, mode: str, minutes: float,
                level: str, las: tuple, hubs: tuple) -> list[bytes]:
    result = load_result(config_path, mtime, need, engagement, mode, minutes)
    view = load_view(config_path, mtime, need, engagement, mode, minutes, level, las, hubs)
    return views.chart_images(result, view, level)


#: controls whose options depend on the study area: reset to its defaults when the study area changes
STUDY_AREA_CONTROLS = ("las", "hubs", "mode", "minutes", "types", "force_in", "force_out", "need_", "eng_")


def _reset_study_area_controls() -> None:
    for key in list(st.session_state):
        if isinstance(key, str) and key.startswith(STUDY_AREA_CONTROLS):
            del st.session_state[key]


TABS = ["Map", "Priority areas", "Wards", "Hubs", "Charts", "Data and sources"]


def main() -> None:
    st.set_page_config(page_title="Family Hub outreach", page_icon="🗺️", layout="wide")
    access.page_style(st)
    configs = views.available_configs(REPO, _cli_configs())
    with st.sidebar:
        st.header("Study area")
        config_path = st.selectbox("Study area", list(configs), format_func=lambda p: configs[p], key="config",
                                   on_change=_reset_study_area_controls)
    try:
        mtime = Path(config_path).stat().st_mtime
        cfg = load_prepared(config_path, mtime).config
    except (ConfigError, DataError, ValidationError, OSError) as err:
        st.error(f"The study area could not be loaded:\n\n{err}")
        st.stop()

    if cfg.extracts.synthetic:
        st.warning("**SYNTHETIC DEMO DATA.** Review take-up and hub attendance here are made up by the project's "
                   "seeded generator, keyed on real LSOAs. No real child is counted.", icon="⚠️")

    with st.sidebar:
        choices = load_choices(config_path, mtime)
        la_names = choices["las"]
        las = st.multiselect("Local authorities", list(la_names), default=list(la_names), format_func=la_names.get, key="las")
        hub_ids = choices["hubs"]
        hubs = st.multiselect("Hubs (catchments)", list(hub_ids), default=[], format_func=hub_ids.get, key="hubs",
                              help="Leave empty for all hubs")
        level = st.radio("Geography", ["lsoa", "ward"], format_func={"lsoa": "LSOA", "ward": "Ward"}.get, horizontal=True, key="level")
        layer = st.selectbox("Map layer", list(LAYERS), key="layer")
        st.header("Model weights")
        need = {k: st.slider(f"Need: {k}", 0.0, 1.0, float(v), 0.05, key=f"need_{k}") for k, v in cfg.weights.need.items()}
        engagement = {k: st.slider(f"Engagement: {k}", 0.0, 1.0, float(v), 0.05, key=f"eng_{k}") for k, v in cfg.weights.engagement.items()}
        if sum(need.values()) == 0 or sum(engagement.values()) == 0:
            st.error("Each group of weights needs at least one weight above 0.")
            st.stop()
        st.header("Travel and venues")
        modes = list(cfg.travel.modes)
        mode = st.selectbox("Travel mode", modes, index=modes.index(cfg.travel.mode), key="mode")
        minutes = float(st.slider("Threshold (minutes)", 5, 60, int(cfg.travel.threshold_minutes), 5, key="minutes"))
        k = int(st.slider("Number of venues to suggest (k)", 1, 15, 5, key="k"))
        venue_types = choices["venue_types"]
        types = st.multiselect("Venue types", venue_types, default=venue_types, key="types")
        venue_names = load_venue_names(config_path, mtime, tuple(types))
        force_in = st.multiselect("Force venues in", list(venue_names), format_func=venue_names.get, key="force_in")
        force_out = st.multiselect("Exclude venues", [v for v in venue_names if v not in force_in], format_func=venue_names.get, key="force_out")

    key = (config_path, mtime, tuple(sorted(need.items())), tuple(sorted(engagement.items())), mode, minutes)
    selection = (level, tuple(sorted(las)), tuple(sorted(hubs)))
    venue_key = (k, tuple(sorted(types)), tuple(sorted(force_in)), tuple(sorted(force_out)))
    result = load_result(*key)
    sites = load_sites(*key, *venue_key)
    view = load_view(*key, *selection)
    rule = DisclosureRule(result.config.disclosure_threshold)
    if view.areas.empty:
        st.warning("No area is in both the chosen local authorities and the chosen hub catchments: "
                   "change the local authorities or the hubs.")
        st.stop()

    st.markdown(f"### Family Hub outreach · {html.escape(result.config.name)}")
    views.headline(st, result, view, sites, rule)

    # only the open tab is computed (on_change="rerun" tracks which one it is)
    tab_map, tab_priority, tab_wards, tab_hubs, tab_charts, tab_data = st.tabs(TABS, key="tab", on_change="rerun")
    map_key = (*key, *venue_key, layer, level, selection[1], selection[2], st.get_option("server.baseUrlPath"))
    if tab_map.open:
        with tab_map:
            access.skip_link(st)
            clicked = show_map(map_key)
            picked = access.area_choice(st, access.area_options(view.areas, level), clicked)
            views.area_profile(st, result, view, picked, level, rule)
            views.sites_panel(st, sites, rule)
    if tab_priority.open:
        with tab_priority:
            views.priority_table(st, load_table(*key, *selection, "priority"))
    if tab_wards.open:
        with tab_wards:
            views.ward_table(st, load_table(*key, *selection, "wards"))
    if tab_hubs.open:
        with tab_hubs:
            views.hub_cards(st, result, view, sites, load_table(*key, *selection, "hubs"))
    if tab_charts.open:
        with tab_charts:
            views.charts(st, load_charts(*key, *selection), access.chart_alts(result, view, level))
    if tab_data.open:
        with tab_data:
            views.data_page(st, result)
    # cached parts: the map for the HTML download is built only if asked for
    views.downloads(st, result, view, sites, lambda: build_map(*map_key), rule, pack=pack_offer(key, k, hubs, result))


if __name__ == "__main__":
    main()
