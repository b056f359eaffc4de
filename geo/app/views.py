"""Panels of the Streamlit app, as functions of a build result (``st`` is passed in).

Nothing here computes analysis: it selects, suppresses and formats what ``geo.build``,
``geo.sites`` and ``models`` produced. Every table shown or downloaded goes through
:mod:`geo.disclosure`.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import load_config
from geo.disclosure import DisclosureRule, format_count
from geo.display import percent as _pct
from geo.maps.reproject import to_crs
from geo.sources import public_paths
from geo.tables_out import for_display, hub_table, lsoa_table_out, suppressed_table, ward_table_out, xlsx_bytes
from geo.maps.webmap import MapBase

__all__ = ["View", "PackOffer", "filter_view", "view_map_base", "available_configs"]


@dataclass
class View:
    """What the user selected: areas (LSOAs or wards), hubs, catchments, gaps."""

    areas: gpd.GeoDataFrame
    lsoa: gpd.GeoDataFrame
    hubs: gpd.GeoDataFrame | None
    catchments: gpd.GeoDataFrame | None
    gaps: gpd.GeoDataFrame | None
    level: str


def available_configs(repo: Path, cli_configs: list[str] | str) -> dict[str, str]:
    """Study areas the app can switch between: ``{config path: label}``.

    The configs named on the command line come first (the first opens by default), then the
    repository's ``config.toml`` and every config in ``configs/`` whose public data is fetched.
    """
    named = [cli_configs] if isinstance(cli_configs, str) else list(cli_configs)
    given = {Path(c).resolve() for c in named}
    out = {}
    for path in [*map(Path, named), repo / "config.toml", *sorted((repo / "configs").glob("*.toml"))]:
        path = path.resolve()
        if str(path) in out or not path.exists():
            continue
        try:
            cfg = load_config(path)
        except Exception:  # a broken config is reported when it is chosen, not while listing
            if path in given:
                out[str(path)] = f"{path.name} (cannot be read)"
            continue
        if path in given or public_paths(cfg)["manifest"].exists():
            out[str(path)] = cfg.name
    # labels must be unique (widgets keep their value by label): name the file where names repeat
    names = list(out.values())
    for path, name in out.items():
        if names.count(name) > 1:
            shown = Path(path).relative_to(repo) if Path(path).is_relative_to(repo) else Path(path)
            out[path] = f"{name} [{shown}]"
    return out


def la_names(prepared) -> dict[str, str]:
    lk = prepared.public.lookup_ward
    codes = sorted(prepared.lsoa["lad_code"].unique())
    names = lk.drop_duplicates("ward_lad_code").set_index("ward_lad_code")["ward_lad_name"]
    return {c: names.get(c, c) for c in codes}


def hub_names(prepared) -> dict[str, str]:
    hubs = prepared.inputs.hubs
    if hubs is None:
        return {}
    h = hubs[hubs["site_type"] == "hub"]
    return dict(zip(h["hub_id"], h["name"] + " (" + h["hub_id"] + ")"))


def venue_types(prepared) -> list[str]:
    v = prepared.inputs.venues
    return [] if v is None else sorted(v["type"].unique())


def venue_names(prepared, types) -> dict[str, str]:
    v = prepared.inputs.venues
    if v is None:
        return {}
    v = v[v["type"].isin(types)].sort_values("name")
    return dict(zip(v["venue_id"], v["name"] + " (" + v["type"] + ")"))


def filter_view(result, *, level: str, las: tuple = (), hubs: tuple = ()) -> View:
    """Select LSOAs by local authority and hub catchment; wards follow their LSOAs."""
    lsoa = result.lsoa
    keep = np.ones(len(lsoa), dtype=bool)
    if las:
        keep &= lsoa["lad_code"].isin(las).to_numpy()
    if hubs and "hub_id" in lsoa.columns:
        keep &= lsoa["hub_id"].isin(hubs).to_numpy()
    sel = lsoa[keep]
    if level == "ward":
        areas = result.wards[result.wards["ward_code"].isin(sel["ward_code"])]
    else:
        areas = sel
    catch, gaps = result.catchments(), result.gaps()
    if catch is not None:
        catch = catch[catch["hub_id"].isin(sel["hub_id"])]
    if gaps is not None:
        gaps = gaps[gaps["hub_id"].isin(sel["hub_id"])]
    return View(areas, sel, result.hubs, catch, gaps, level)


def sites_frame(sites) -> gpd.GeoDataFrame:
    """The suggested venues as EPSG:27700 points (every view shows every venue)."""
    t = sites.table
    return to_crs(gpd.GeoDataFrame(t, geometry=gpd.points_from_xy(t["lon"], t["lat"]), crs=4326), 27700)


def view_map_base(base: MapBase, view: View) -> MapBase:
    """The rows of a whole-study-area :class:`geo.maps.webmap.MapBase` that ``view`` shows.

    ``base`` must come from the frames ``view`` was filtered from (the build's LSOAs or wards,
    catchments and gaps): then ``layer_map(view_map_base(base, view), layer)`` is the same
    map as :func:`geo.maps.webmap.area_map` draws from the view.
    """
    return base.take(view.areas.index,
                     None if view.catchments is None else view.catchments.index,
                     None if view.gaps is None else view.gaps.index)


def _text(value) -> str:
    """A name or code for Markdown: HTML special characters escaped (apostrophes kept)."""
    return html.escape(str(value), quote=False)


def headline(st, result, view: View, sites, rule: DisclosureRule) -> None:
    lsoa = view.lsoa
    cols = st.columns(5)
    elig, comp = int(lsoa["review_eligible"].sum()), int(lsoa["review_completed"].sum())
    cols[0].metric("Under-5s (estimate)", f"{lsoa['under5_est'].sum():,.0f}")
    cols[1].metric("Reviewed (2-2½ yr)", _pct(comp / elig) if elig >= rule.threshold and comp >= rule.threshold else "suppressed",
                   help=f"{format_count(comp, rule)} of {format_count(elig, rule)} eligible, latest period")
    reach = min(lsoa["hub_children"].sum(), lsoa["under5_est"].sum()) / max(lsoa["under5_est"].sum(), 1)
    cols[2].metric("Reached by a hub", _pct(reach))
    pri = lsoa[lsoa["quadrant"] == "high need, low engagement"]
    cols[3].metric("Priority LSOAs", f"{len(pri):,}", help="High need and low engagement")
    cols[4].metric("Children not reached in high-need areas", f"{lsoa.loc[lsoa['quadrant'].str.startswith('high need'), 'children_not_reached'].sum():,.0f}")
    for note in result.notes:
        st.caption(note)


def area_profile(st, result, view: View, clicked, level: str, rule: DisclosureRule) -> None:
    """The profile of the area the user clicked on the map."""
    code = None
    if clicked and clicked.get("last_active_drawing"):
        code = clicked["last_active_drawing"].get("properties", {}).get("code")
    st.subheader("Area profile")
    if not code:
        st.caption("Click an area on the map to see its profile.")
        return
    table = result.lsoa if level == "lsoa" else result.wards
    key = "lsoa21cd" if level == "lsoa" else "ward_code"
    match = table[table[key] == code]
    if match.empty:
        st.caption(f"No area {_text(str(code))} in this view.")
        return
    r = match.iloc[0]
    name = r["lsoa21nm"] if level == "lsoa" else r["ward_name"]
    st.markdown(f"**{_text(str(name))}** ({_text(str(code))}) · priority rank **{int(r['priority_rank'])}** of {len(table)} · {_text(str(r['quadrant']))}")
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Need** (percentiles in the study area)")
        st.dataframe(pd.DataFrame({
            "component": ["IDACI" if r.get("idaci_source", "idaci") != "income" else "IMD income (IDACI missing)", "IMD score", "Under-5s"],
            "value": [f"{r['idaci_score'] if pd.notna(r.get('idaci_score')) else r['income_score']:.3f}", f"{r['imd_score']:.1f}", f"{r['under5_est']:.0f}"],
            "percentile": [round(r["need_idaci_pct"]), round(r["need_imd_pct"]), round(r["need_under5_pct"])],
        }), hide_index=True, width="stretch")
        st.caption(f"Need score {r['need_score']:.0f}/100")
    with c2:
        comp, elig = r["review_completed"], r["review_eligible"]
        small = 0 < comp < rule.threshold or 0 < elig - comp < rule.threshold
        st.markdown("**Review take-up** (2-2½ year)")
        shown = format_count(comp, rule) if not small or 0 < comp < rule.threshold else "c"
        st.write(f"Completed {shown} of {format_count(elig, rule)} eligible")
        if small:
            st.write("Rate suppressed (small numbers)")
        else:
            st.write(f"Observed {_pct(r['review_rate'])} (95% CI {_pct(r['review_rate_lo'])}–{_pct(r['review_rate_hi'])})")
        st.write(f"Smoothed {_pct(r['review_rate_smoothed'])} · expected for an area like this {_pct(r.get('expected_review_rate'))}")
        st.write(f"Funnel plot (99.8%): **{_text(str(r['review_funnel_flag']))}**")
    with c3:
        st.markdown("**Hub reach and travel**")
        st.write(f"Children attending: {format_count(r['hub_children'], rule)} · reach (smoothed) {_pct(r['reach_rate_smoothed'])}")
        if "travel_minutes_to_hub" in r and pd.notna(r["travel_minutes_to_hub"]):
            st.write(f"Hub: {_text(str(r.get('hub_id', '')))} · {r['travel_minutes_to_hub']:.0f} min ({_text(result.config.travel.mode)})")
        if r.get("gap_type"):
            st.write(f"Gap: **{_text(str(r['gap_type']))}**")
        st.caption(f"Engagement score {r['engagement_score']:.0f}/100")


def sites_panel(st, sites, rule: DisclosureRule) -> None:
    st.subheader("Suggested outreach venues")
    r = sites.result
    status = "optimal" if r.optimal else f"{r.status}, gap {r.mip_gap:.1%}"
    st.caption(f"{len(sites.table)} venue(s) chosen to reach the most priority-weighted children not yet within "
               f"{sites.minutes:.0f} minutes of a hub or spoke ({status}, {r.solve_seconds:.2f} s).")
    t = sites.table[["rank", "name", "type", "hub_id", "covered_children", "covered_lsoas", "covered_weight"]].round(
        {"covered_children": 0, "covered_weight": 1}).rename(columns={
        "covered_children": "children newly within reach (est.)", "covered_lsoas": "LSOAs newly covered", "covered_weight": "priority-weighted children"})
    st.dataframe(t, hide_index=True, width="stretch")


def priority_frame(view: View, level: str, rule: DisclosureRule) -> pd.DataFrame:
    """The priority table as shown: LSOAs or wards in priority order, suppressed, formatted."""
    table = lsoa_table_out(view.areas) if level == "lsoa" else ward_table_out(view.areas)
    return for_display(suppressed_table(table, rule, level).display)


def ward_frame(result, view: View, rule: DisclosureRule) -> pd.DataFrame:
    """The ward summary as shown, with LA subtotals and a total (secondary suppression applied)."""
    wards = result.wards[result.wards["ward_code"].isin(view.lsoa["ward_code"])]
    return for_display(suppressed_table(ward_table_out(wards), rule, "ward", totals=True).display)


def hub_frame(result, rule: DisclosureRule) -> pd.DataFrame | None:
    """The hub table (suppressed, with a total row), or ``None`` without a hubs file."""
    table = hub_table(result)
    return None if table is None else suppressed_table(table, rule, "hub", totals=True).display


def priority_table(st, frame: pd.DataFrame) -> None:
    st.subheader("Priority areas")
    st.caption("Sortable. Counts 1-4 are shown as <5 and rates from them as c. Rates come with 95% Wilson intervals; "
               "smoothed rates are shrunk toward the study-area rate (empirical Bayes).")
    st.dataframe(frame, hide_index=True, width="stretch", height=520)


def ward_table(st, frame: pd.DataFrame) -> None:
    st.subheader("Ward summary")
    st.caption("Ward figures are recomputed from ward counts. Subtotals per local authority and a total; "
               "cells that could reveal a suppressed count by subtraction are suppressed too (c).")
    st.dataframe(frame, hide_index=True, width="stretch", height=520)


def hub_cards(st, result, view: View, sites, shown: pd.DataFrame | None) -> None:
    """One card per hub in view, then the hub table."""
    if shown is None:
        st.info("No hubs file configured.")
        return
    hubs = [h for h in shown["hub_id"] if h in set(view.lsoa["hub_id"])]
    cols = st.columns(3)
    for i, hub in enumerate(hubs):
        r = shown[shown["hub_id"] == hub].iloc[0]
        venues = sites.table[sites.table["hub_id"] == hub]
        with cols[i % 3].container(border=True):
            st.markdown(f"**{_text(str(r['name']))}** ({_text(hub)})")
            st.write(f"Under-5s (est.): {r['under5']:,.0f} · within {sites.minutes:.0f} min: {_pct(r['share_under5_within_threshold'])}")
            st.write(f"Reviewed: {_pct(r['reviewed_pct'])} · reached: {_pct(r['reached_pct'])}")
            st.write(f"Children not reached in high-need areas (est.): {r['children_not_reached_high_need']:,.0f}")
            if len(venues):
                st.write("Suggested venues: " + "; ".join(f"{int(v.rank)}. {_text(str(v.name))}" for v in venues.itertuples()))
            else:
                st.write("No suggested venue in this catchment.")
    st.subheader("All hubs")
    st.dataframe(for_display(shown), hide_index=True, width="stretch")


def chart_images(result, view: View, level: str) -> list[bytes]:
    """The funnel plot and the distance-decay plot as PNG bytes."""
    from geo.maps.charts import distance_decay_plot, funnel_plot

    figs = [funnel_plot(view.areas if level == "ward" else view.lsoa, level=level, threshold=result.config.disclosure_threshold)]
    if "travel_minutes_to_hub" in view.lsoa.columns:
        figs.append(distance_decay_plot(view.lsoa, result.config.travel.mode))
    out = []
    for fig in figs:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        out.append(buf.getvalue())
    return out


def charts(st, images: list[bytes], alts: list[str] | None = None) -> None:
    st.caption("Funnel plot: each point is an area; outside the 99.8% limits is significantly different from the "
               "study-area rate (OHID method). Distance decay: hub reach falls with travel time to the nearest hub.")
    cols = st.columns(2)
    alts = list(alts or []) + [None] * (len(images) - len(alts or []))
    for col, png, alt in zip(cols, images, alts):
        col.image(png, width="stretch", alt=alt)


def data_page(st, result) -> None:
    rec = result.reconciliation()
    st.subheader("What was loaded")
    st.write(f"{len(result.lsoa):,} LSOAs, {len(result.wards):,} wards in {', '.join(result.config.la_codes)}; "
             f"periods: {', '.join(f'{k} {v}' for k, v in rec['periods'].items())}.")
    st.subheader("Reconciliation: every row accounted for")
    rows = []
    for f in rec["files"]:
        rows.append({"file": Path(f["file"]).name, "kind": f["kind"], "rows in": f["rows_in"], "rows used": f["rows_used"],
                     "rows excluded": f["rows_excluded"],
                     "excluded because": "; ".join(f"{n} {r}" for r, n in f["excluded_by_reason"].items()),
                     "balanced": "yes" if f["balanced"] else "NO", "notes": "; ".join(f["notes"])})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for note in rec["notes"]:
        st.caption(note)
    st.subheader("Data sources and attribution")
    manifest = result.public.manifest
    st.write(manifest.get("attribution", ""))
    src = {(s["publisher"], s["licence"]) for f in manifest.get("files", []) for s in f["sources"]}
    st.dataframe(pd.DataFrame(sorted(src), columns=["source", "licence"]), hide_index=True, width="stretch")
    st.caption("IoD2025: Contains public sector information licensed under the Open Government Licence v3.0 (MHCLG). "
               "OS Code-Point Open: Contains OS data © Crown copyright and database right 2025; Royal Mail data © Royal Mail "
               "copyright and database right 2025; National Statistics data © Crown copyright and database right 2025.")
    if result.config.extracts.synthetic:
        st.warning("Service extracts are SYNTHETIC demo data.")


def download_tables(result, view: View, sites, rule: DisclosureRule) -> dict[str, pd.DataFrame]:
    """The tables offered for download, disclosure control applied (LSOAs, wards, hubs, sites)."""
    wards = result.wards[result.wards["ward_code"].isin(view.lsoa["ward_code"])]
    sheets = {
        "LSOAs": suppressed_table(lsoa_table_out(view.lsoa), rule, "lsoa").display,
        "wards": suppressed_table(ward_table_out(wards), rule, "ward", totals=True).display,
        "sites": sites.table.drop(columns=["lsoa_codes"], errors="ignore"),
    }
    hubs = hub_table(result)
    if hubs is not None:
        sheets["hubs"] = suppressed_table(hubs, rule, "hub", totals=True).display
    return sheets


@dataclass
class PackOffer:
    """The ILT pack in the downloads panel: prepared on request (it takes 10-20 s), then offered.

    Attributes
    ----------
    covers : str
        What the pack covers, e.g. ``"all 5 hubs"`` or ``"hub WCC-QPK only"``.
    prepare : callable
        Makes (or fetches from a cache) the pack's zip bytes; called when the user asks.
    file_name : callable
        ``file_name(suffix)``: the download's file name for ``"zip"`` or ``"pdf"``.
    data : bytes or None
        The zip, if already prepared for the current controls.
    """

    covers: str
    prepare: Callable[[], bytes]
    file_name: Callable[[str], str]
    data: bytes | None = None


def downloads(st, result, view: View, sites, m, rule: DisclosureRule, pack: PackOffer | None = None) -> None:
    """Download buttons: tables as CSV and XLSX (suppressed), the areas as GeoPackage, the map as HTML, the ILT pack.

    Files are made only when a button is clicked (deferred callables), so changing a control
    does not rebuild them. ``m`` is the map shown (a folium map, or a callable returning a new
    one). ``pack`` offers the ILT pack: a "Prepare ILT pack" button runs ``pack.prepare`` (with a
    spinner) and reruns the page, which then offers the zip and its PDF (``pack.data``).
    """
    import copy

    from geo.export.bundle import read_member
    from geo.maps.assets import standalone_html

    tables = lambda: download_tables(result, view, sites, rule)  # noqa: E731
    map_copy = m if callable(m) else (lambda: copy.deepcopy(m))
    with st.sidebar:
        st.header("Downloads")
        st.caption("Counts 1-4 are shown as <5 and rates from them as c in every download.")
        st.download_button("LSOA table (CSV)", lambda: tables()["LSOAs"].to_csv(index=False).encode("utf-8"),
                           "lsoa.csv", "text/csv", key="dl_lsoa", on_click="ignore")
        st.download_button("Ward table (CSV)", lambda: tables()["wards"].to_csv(index=False).encode("utf-8"),
                           "wards.csv", "text/csv", key="dl_wards", on_click="ignore")
        st.download_button("All tables (XLSX)", lambda: xlsx_bytes(tables()), "tables.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx", on_click="ignore")
        st.download_button("Areas (GeoPackage)", lambda: _gpkg_bytes(view, rule), "areas.gpkg",
                           "application/geopackage+sqlite3", key="dl_gpkg", on_click="ignore")
        st.download_button("Map (HTML, works offline)", lambda: standalone_html(map_copy()).encode("utf-8"),
                           "map.html", "text/html", key="dl_map", on_click="ignore")
        if pack is None:
            return
        st.subheader("ILT map pack")
        st.caption(f"For {pack.covers}: A4 PDF (cover, a page per hub with its map, ward summary, visit lists), "
                   "300 dpi hub maps, offline map.html and the tables, zipped. Uses the weights, travel mode and "
                   "minutes chosen here, and suggests k venues per hub (of any type); every count under disclosure control.")
        data = pack.data
        if data is None:
            if st.button("Prepare ILT pack", key="pack_prepare", icon=":material/picture_as_pdf:",
                         help="Takes 10-20 seconds; then download the zip or the PDF."):
                with st.spinner("Preparing the ILT pack: maps, PDF pages and tables…"):
                    pack.prepare()
                st.rerun()  # the page again, now offering the pack instead of the button
        else:
            st.download_button("ILT pack (zip)", lambda: data, pack.file_name("zip"), "application/zip",
                               key="dl_pack", on_click="ignore", type="primary")
            st.download_button("ILT pack (PDF only)", lambda: read_member(data, "pack.pdf"), pack.file_name("pdf"),
                               "application/pdf", key="dl_pack_pdf", on_click="ignore")


def _gpkg_bytes(view: View, rule: DisclosureRule) -> bytes:
    import tempfile

    import pyogrio

    lsoa = suppressed_table(lsoa_table_out(view.lsoa), rule, "lsoa").display
    gdf = gpd.GeoDataFrame(lsoa.astype({c: str for c in lsoa.columns if lsoa[c].dtype == object}),
                           geometry=view.lsoa.geometry.to_numpy(), crs=27700)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "areas.gpkg"
        pyogrio.write_dataframe(gdf, p, layer="lsoa", driver="GPKG")
        return p.read_bytes()
