"""Family Hub outreach map: a thin Streamlit UI over the pure functions in ``geo/`` and ``models/``.

Run: ``streamlit run streamlit_app.py --server.address 127.0.0.1 -- --config config.toml``
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import (
    ConfigError,
    DataError,
    Prepared,
    ValidationError,
    analyse,
    load_config,
    plain_markdown,
    prepare,
)
from geo.app import (
    CACHE_HASH_FUNCS,
    DataKey,
    FileStamp,
    Scenario,
    Selection,
    VenueChoice,
    access,
    download,
    groupmap,
    input_paths,
    mapview,
    problem_lines,
    sidebar_controls,
    trends,
    upload,
    views,
)
from geo.app import options as app_options
from geo.app import venues as app_venues
from geo.app import visits as app_visits
from geo.app import warm as app_warm
from geo.disclosure import DisclosureRule
from geo.maps import LAYERS

REPO = Path(__file__).resolve().parent


def _cli_configs() -> list[str]:
    """Study areas offered first: ``-- --config PATH [PATH ...]``, else ``$FAMILYHUB_CONFIG``
    (paths separated by ``os.pathsep``), else ``config.toml``. The first opens by default."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--config", nargs="+", default=os.environ.get("FAMILYHUB_CONFIG", str(REPO / "config.toml")).split(os.pathsep))
    args, _ = p.parse_known_args(sys.argv[1:])
    return args.config


@st.cache_data(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=16)
def config_inputs(config: FileStamp) -> tuple[str, ...]:
    """The inputs a config names (read again whenever the config file changes)."""
    return tuple(map(str, input_paths(load_config(config.path))))


def data_key(config_path: str) -> DataKey:
    """The study area's inputs as they are on disk now (a few ``stat`` calls per rerun)."""
    return DataKey.of(config_path, config_inputs(FileStamp.of(config_path)))


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner="Loading and validating the study area's data…", max_entries=4)
def load_prepared(data: DataKey, period: str | None = None, pool: int | None = None) -> Prepared:
    """Load → validate → join, once per state of the inputs and period window (again when any input file changes)."""
    config = load_config(data.config_path)
    return prepare(Scenario.of(data, need={}, engagement={}, mode="", minutes=0, period=period, pool=pool).window(config))


@st.cache_data(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=16)
def load_choices(data: DataKey) -> dict:
    """The options of the study area's controls: local authorities, hubs, venue types."""
    prepared = load_prepared(data)
    return {"las": views.la_names(prepared), "hubs": views.hub_names(prepared), "venue_types": views.venue_types(prepared),
            "periods": trends.period_options(prepared), "groups": groupmap.group_options(prepared.inputs.groups)}


@st.cache_data(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=64)
def load_venue_names(data: DataKey, types: tuple) -> dict:
    """Venues of these types that can be forced in or out: ``{venue_id: label}``."""
    return views.venue_names(load_prepared(data), list(types))


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner="Scoring areas and drawing catchments…", max_entries=16)
def load_result(scenario: Scenario):
    window = () if scenario.period is None and scenario.pool is None else (scenario.period, scenario.pool)
    prepared = load_prepared(scenario.data, *window)  # the default window: load_prepared(data)'s cache entry, not a second one
    return analyse(prepared, scenario.apply(prepared.config))


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner="Checking trends for small numbers…", max_entries=8)
def load_monitoring(scenario: Scenario):
    """Trends, changes and impact as published (the disclosure gate across periods); None if the gate
    cannot publish them (it then names the cells in the exception, which the Trends tab shows)."""
    result = load_result(scenario)
    rule = DisclosureRule.from_config(result.config)
    try:
        return trends.published_monitoring(result, rule, tables=views.gated_tables(result, rule))
    except DataError as err:
        return str(err)


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner="Choosing outreach venues…", max_entries=64)
def load_sites(scenario: Scenario, venues: VenueChoice, selection: Selection) -> app_venues.VenuePlan:
    """The suggested venues of the areas in view: k per hub (the pack's function) or k in total."""
    result = load_result(scenario)
    view = load_view(scenario, Selection.of(level="lsoa", las=selection.las, hubs=selection.hubs))
    in_view = set(view.lsoa["hub_id"]) if "hub_id" in view.lsoa.columns else set()
    hubs = [] if result.hubs is None else [h for h in result.hubs.loc[result.hubs["site_type"] == "hub", "hub_id"] if h in in_view]
    return app_venues.plan_venues(result, scope=venues.scope, k=venues.k, hubs=hubs, venue_types=venues.types,
                                  lsoa_mask=app_venues.lsoa_mask(result, view.lsoa.index),
                                  force_in=venues.force_in, force_out=venues.force_out)


def hub_names(result) -> dict[str, str]:
    """Hub id -> hub name (ids where the hubs file names none)."""
    return {} if result.hubs is None else dict(zip(result.hubs["hub_id"], result.hubs["name"].fillna(result.hubs["hub_id"])))


def venue_warnings(scenario: Scenario, venues: VenueChoice, selection: Selection, result, rule) -> list[str]:
    """Warnings about venues forced in that bring no child within reach, with what they displaced."""
    from dataclasses import replace

    def without(venue_id: str):
        return load_sites(scenario, replace(venues, force_in=tuple(v for v in venues.force_in if v != venue_id)), selection)

    plan = load_sites(scenario, venues, selection)
    cost = app_venues.forced_cost(plan, load_sites(scenario, replace(venues, force_in=()), selection), result, rule)
    return app_venues.forced_warnings(plan, without, result, rule, hub_names(result)) + ([cost] if cost else [])


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=32)
def load_view(scenario: Scenario, selection: Selection) -> views.View:
    """The areas, catchments and gaps the user selected (cached per selection)."""
    return views.filter_view(load_result(scenario), level=selection.level, las=selection.las, hubs=selection.hubs)


@st.cache_data(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=32)
def load_area_options(scenario: Scenario, selection: Selection) -> dict[str, str]:
    """The area picker's entries: the areas in view with their published (banded) priority ranks."""
    result = load_result(scenario)
    view = load_view(scenario, selection)
    key = "lsoa21cd" if selection.level == "lsoa" else "ward_code"
    published = views.published_areas(result, selection.level, DisclosureRule.from_config(result.config))
    return access.area_options(published[published[key].isin(set(view.areas[key]))], selection.level)


def map_loaders() -> mapview.MapLoaders:
    """This page's cached loaders, for the map (:mod:`geo.app.mapview`)."""
    return mapview.MapLoaders(prepared=load_prepared, result=load_result, view=load_view, monitoring=load_monitoring,
                              choices=load_choices, equity=load_equity, sites=load_sites, hub_names=hub_names)


def build_map(*map_key):
    """The whole map for a combination of controls (the HTML download)."""
    return mapview.build_map(map_loaders(), *map_key)


def map_component_args(*map_key) -> dict:
    """What the map component is sent for a combination of controls (cached in :mod:`geo.app.mapview`)."""
    return mapview.map_component_args(map_loaders(), *map_key)


@st.cache_resource(hash_funcs=CACHE_HASH_FUNCS, show_spinner=False, max_entries=8)
def load_pack(scenario: Scenario, k: int, hub: str | None, generated: str) -> bytes:
    """The ILT pack (zip bytes) of the build the app shows, made once per combination (it takes ~10 s)."""
    import datetime as dt

    from geo.export import pack_zip

    return pack_zip(load_result(scenario), hub=hub, k=k, generated=dt.date.fromisoformat(generated))


def pack_offer(scenario: Scenario, k: int, hubs: list[str], result) -> download.PackOffer | None:
    """The ILT pack for the current controls: one hub's if exactly one hub is selected, else every hub's.

    The pack last prepared in this session is kept in ``st.session_state`` (and every pack in
    :func:`load_pack`'s cache), so it stays offered until a control it depends on changes.
    """
    import datetime as dt

    from geo.export import pack_file_name

    n_hubs = 0 if result.hubs is None else int((result.hubs["site_type"] == "hub").sum())
    if not n_hubs:
        return None
    hub = hubs[0] if len(hubs) == 1 else None
    pack_key = (scenario, k, hub)
    held = st.session_state.get("ilt_pack")  # (pack key, generation date, zip bytes)
    held = held if held and held[0] == pack_key else None

    def prepare() -> bytes:
        from geo.export import generation_date

        generated = generation_date().isoformat()
        zipped = load_pack(*pack_key, generated)
        st.session_state["ilt_pack"] = (pack_key, generated, zipped)
        return zipped

    return download.PackOffer(
        covers=f"hub {hub} only" if hub else f"all {n_hubs} hubs", prepare=prepare,
        file_name=lambda suffix: pack_file_name(result.config.slug, hub, dt.date.fromisoformat(held[1]), suffix),
        data=held[2] if held else None)


@st.cache_data(hash_funcs=CACHE_HASH_FUNCS, show_spinner="Applying disclosure control…", max_entries=64)
def load_table(scenario: Scenario, selection: Selection, table: str) -> pd.DataFrame | None:
    """A suppressed, formatted table: ``priority``, ``wards`` or ``hubs`` (cached per selection)."""
    result = load_result(scenario)
    view = load_view(scenario, selection)
    rule = DisclosureRule.from_config(result.config)
    if table == "priority":
        return views.priority_frame(view, selection.level, rule, result=result)
    if table == "wards":
        return views.ward_frame(result, view, rule)
    return views.hub_frame(result, rule)


@st.cache_data(hash_funcs=CACHE_HASH_FUNCS, show_spinner="Equity by group…", max_entries=4)
def load_equity(scenario: Scenario):
    """The published equity table (:func:`geo.equity.publish.published_equity`), or None without group columns."""
    from geo.app import equity

    return equity.published(load_result(scenario))


@st.cache_data(hash_funcs=CACHE_HASH_FUNCS, show_spinner="Drawing charts…", max_entries=32)
def load_charts(scenario: Scenario, selection: Selection) -> list[bytes]:
    return views.chart_images(load_result(scenario), load_view(scenario, selection), selection.level)


def hub_tab(scenario: Scenario, venues: VenueChoice, areas: Selection, result, view, rule, selection: Selection) -> None:
    """Hub cards with each hub's own venues (k per hub, the pack's) and its visit list (CSV, printable page)."""
    from dataclasses import replace

    per_hub = load_sites(scenario, replace(venues, scope="hub"), areas)
    shown = app_venues.published_plan(per_hub, result, rule)
    views.hub_cards(st, result, view, shown, load_table(scenario, selection, "hubs"), notes=per_hub.notes,
                    extra=app_visits.visit_buttons(st, result, shown, rule, hub_names(result), download.csv_bytes))


def option_tab(config_path: str, controls, scenario: Scenario, venues: VenueChoice, areas: Selection, result, rule) -> None:
    """Keep, compare and download options (scenarios) of this study area."""
    plan = load_sites(scenario, venues, areas)
    reach = app_venues.reach_summary(plan, result, rule)
    names = load_venue_names(scenario.data, tuple(controls.types))
    current = app_options.option_row("Current settings", controls, reach, names=names,
                                     venue_names=list(dict.fromkeys(plan.table["name"].astype(str))))
    app_options.options_panel(st, config_path, current, download.csv_bytes)


@st.cache_resource(show_spinner=False, max_entries=8)
def warm_study_areas(paths: tuple[str, ...]):
    """Once per server and list: load, score and gate the study areas not shown (``geo.app.warm``)."""
    from geo.app import start_warm

    def warm_one(path: str) -> None:
        data = data_key(path)
        cfg = load_prepared(data).config
        scenario = Scenario.of(data, need=cfg.weights.need, engagement=cfg.weights.engagement,  # the sidebar's defaults
                               mode=cfg.travel.mode, minutes=float(int(cfg.travel.threshold_minutes)))
        result = load_result(scenario)
        views.gated_tables(result, DisclosureRule.from_config(result.config))
        mapview.load_map_base(map_loaders(), scenario, "lsoa")

    return start_warm(paths, warm_one)


def show_problems(err: BaseException) -> None:
    """The study area could not be loaded: one error box per problem, shown as plain text."""
    problems = problem_lines(err)
    st.error(f"The study area could not be loaded: {len(problems)} problem(s).")
    for problem in problems:
        st.error(plain_markdown(problem))


TABS = ["Map", "Priority areas", "Wards", "Hubs", "Options", "Charts", "Trends", "Equity", "Data and sources"]


def _rebuild(upload_id: int) -> None:
    """After an upload is written: forget every cached build so the app is rebuilt from the store."""
    st.cache_resource.clear()
    st.cache_data.clear()
    st.rerun()


def main() -> None:
    st.set_page_config(page_title="Family Hub outreach", page_icon="🗺️", layout="wide")
    access.page_style(st)
    from geo.app import setup as study_setup

    study_setup.apply_pending(st)  # a study area created on the last run is chosen now
    configs = views.available_configs(REPO, _cli_configs() + study_setup.created_configs(st))
    with st.sidebar:
        st.header("Study area")
        config_path = st.selectbox("Study area", list(configs), format_func=lambda p: configs[p], key="config")
        if study_setup.new_study_area_panel(st, repo=REPO, config_path=config_path) is not None:
            st.rerun()
    try:
        data = data_key(config_path)
        cfg = load_prepared(data).config
    except (ConfigError, DataError, ValidationError, OSError) as err:
        show_problems(err)
        st.stop()

    if cfg.extracts.synthetic:
        st.warning("**SYNTHETIC DEMO DATA.** Review take-up and hub attendance here are made up by the project's "
                   "seeded generator, keyed on real LSOAs. No real child is counted.", icon="⚠️")

    with st.sidebar:
        choices = load_choices(data)
        layers = {**LAYERS, groupmap.GROUP_LAYER: None} if choices["groups"] else LAYERS
        c = sidebar_controls(st, config_path, cfg, choices, layers=layers,
                             venue_names=lambda types: load_venue_names(data, types))
    if c is None:
        st.stop()
    las, hubs, level, layer, k, types = c.las, c.hubs, c.level, c.layer, c.k, c.types

    scenario = Scenario.of(data, need=c.need, engagement=c.engagement, mode=c.mode, minutes=c.minutes, period=c.period, pool=c.pool)
    selection = Selection.of(level=level, las=las, hubs=hubs)
    venues = VenueChoice.of(k=k, types=types, force_in=c.force_in, force_out=c.force_out, scope=c.scope)
    result = load_result(scenario)
    areas = Selection.of(level="lsoa", las=las, hubs=hubs)  # the venues do not depend on the geography level
    sites = load_sites(scenario, venues, areas)
    view = load_view(scenario, selection)
    rule = DisclosureRule.from_config(result.config)
    if view.areas.empty:
        st.warning("No area is in both the chosen local authorities and the chosen hub catchments: "
                   "change the local authorities or the hubs.")
        st.stop()

    st.markdown(f"### Family Hub outreach · {plain_markdown(result.config.name)}")
    if result.analysis_window:
        st.caption(plain_markdown(f"Figures for {result.analysis_window} (choose the period in the sidebar)."))
    views.headline(st, result, view, sites, rule)

    # only the open tab is computed (on_change="rerun" tracks which one it is)
    tab_map, tab_priority, tab_wards, tab_hubs, tab_options, tab_charts, tab_trends, tab_equity, tab_data = st.tabs(TABS, key="tab", on_change="rerun")
    map_layer = f"{groupmap.GROUP_LAYER}@{c.group}" if layer == groupmap.GROUP_LAYER and c.group else layer
    map_key = (scenario, venues, selection, map_layer, st.get_option("server.baseUrlPath"))
    if tab_map.open:
        with tab_map:
            access.skip_link(st)
            clicked = mapview.show_map(map_loaders(), map_key)
            picked = access.area_choice(st, load_area_options(scenario, selection), clicked)
            views.area_profile(st, result, view, picked, level, rule)
            app_venues.venue_panel(st, sites, result, rule, names=hub_names(result),
                                   warnings=venue_warnings(scenario, venues, areas, result, rule))
    if tab_priority.open:
        with tab_priority:
            views.priority_table(st, load_table(scenario, selection, "priority"))
    if tab_wards.open:
        with tab_wards:
            views.ward_table(st, load_table(scenario, selection, "wards"))
    if tab_hubs.open:
        with tab_hubs:
            hub_tab(scenario, venues, areas, result, view, rule, selection)
    if tab_options.open:
        with tab_options:
            option_tab(config_path, c, scenario, venues, areas, result, rule)
    if tab_charts.open:
        with tab_charts:
            views.charts(st, load_charts(scenario, selection), access.chart_alts(result, view, level))
    if tab_trends.open:
        with tab_trends:
            trends.trends_tab(st, load_monitoring(scenario), targets=result.config.analysis.targets,
                              hubs=hubs or None, wards=list(view.lsoa["ward_code"].unique()) if las or hubs else None)
    if tab_equity.open:
        with tab_equity:
            from geo.app import equity

            equity.equity_tab(st, load_equity(scenario), las=las, hubs=hubs)
    if tab_data.open:
        with tab_data:
            views.data_page(st, result)
            upload.upload_panel(st, result.config, public=result.public, on_stored=_rebuild)
    # cached parts: the map for the HTML download is built only if asked for
    download.downloads(st, result, view, sites, lambda: build_map(*map_key), rule, pack=pack_offer(scenario, k, hubs, result))
    if app_warm.warm_enabled():  # `python -m geo app` waits for it before it listens
        warm_study_areas(tuple(p for p in configs if p != config_path))  # after the page: other study areas ready for a switch


if __name__ == "__main__":
    main()
