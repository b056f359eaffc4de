"""Panels of the Streamlit app, as functions of a build result (``st`` is passed in).

Nothing here computes analysis: it selects, suppresses and formats what ``geo.build``,
``geo.sites`` and ``models`` produced. Every table shown or downloaded goes through
:mod:`geo.disclosure`. The downloads panel is :mod:`geo.app.download`, the area profile
:mod:`geo.app.profile`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.app import labels
from geo.app.gated import gated_tables
from geo.app.profile import area_profile
from geo.app.profile import shown as _shown
from geo.config import load_config
from geo.disclosure import DisclosureRule
from geo.disclosure.gate import ExportTables, round_to
from geo.disclosure.tables import for_display
from geo.disclosure.venues import published_venue_figures
from geo.display import percent as _pct
from geo.maps.reproject import to_crs
from geo.maps.webmap import MapBase
from geo.safety import neutralise_frame, plain_markdown
from geo.sources import public_paths

__all__ = ["View", "filter_view", "view_map_base", "available_configs", "selected_rows", "area_profile"]


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
    return dict(zip(v["venue_id"], v["name"] + " (" + v["type"].map(labels.text) + ")"))  # "GP practice", not the code


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




def published_areas(result, level: str, rule: DisclosureRule) -> pd.DataFrame:
    """The build's LSOAs or wards with every published column replaced by its published value (NaN where withheld).

    What the app's map colours and tooltips are drawn from: bands instead of exact scores, no
    withheld count or rate. Same index as ``result.lsoa`` / ``result.wards``.
    """
    gated = gated_tables(result, rule)
    frame, key, pub = ((result.lsoa, "lsoa21cd", gated.lsoa) if level == "lsoa" else (result.wards, "ward_code", gated.wards))
    published = pub.numeric.set_index(key)
    out = frame.copy()
    for c in published.columns:
        if c in out.columns and c not in (key, "lsoa21nm", "ward_name", "ward_code", "lad_code", "hub_id", "lsoa21cd"):
            out[c] = out[key].map(published[c])
    for c in ("engagement_index", "engagement_shortfall", "eng_review_pct", "eng_reach_pct", "shortfall_review",
              "shortfall_reach", "need_weighted_not_reached", "need_weighted_not_reviewed"):
        if c in out.columns:  # exact functions of the counts that no table publishes
            out[c] = np.nan
    return out


def selected_rows(frame: pd.DataFrame, key: str, keep) -> pd.DataFrame:
    """The rows of ``frame`` whose ``key`` is in ``keep`` (the selection), renumbered."""
    return frame[frame[key].isin(set(keep))].reset_index(drop=True)


def view_wards(gated: ExportTables, view: View) -> pd.DataFrame:
    """Published ward rows of the selection, with the subtotals of its LAs and the total."""
    d = gated.wards.display
    las = set(view.lsoa["lad_code"])
    keep = set(view.lsoa["ward_code"]) | {f"{la} total" for la in las} | {"Total"}
    return selected_rows(d, "ward_code", keep)


def _selection_row(gated: ExportTables, result, view: View) -> pd.Series | None:
    """The published row whose counts are the selection's (study-area total, one LA, or one hub), if any."""
    codes = set(view.lsoa["lsoa21cd"])
    lsoa = result.lsoa
    if codes == set(lsoa["lsoa21cd"]):
        return gated.wards.display.set_index("ward_code").loc["Total"]
    las = set(view.lsoa["lad_code"])
    wards = gated.wards.display.set_index("ward_code")
    if len(las) == 1 and codes == set(lsoa.loc[lsoa["lad_code"].isin(las), "lsoa21cd"]) and f"{next(iter(las))} total" in wards.index:
        return wards.loc[f"{next(iter(las))} total"]
    hubs = set(view.lsoa.get("hub_id", pd.Series(dtype=object)).dropna())
    if gated.hubs is not None and len(hubs) == 1 and codes == set(lsoa.loc[lsoa["hub_id"].isin(hubs), "lsoa21cd"]):
        h = gated.hubs.display.set_index("hub_id")
        if next(iter(hubs)) in h.index:
            return h.loc[next(iter(hubs))]
    return None


def headline(st, result, view: View, sites, rule: DisclosureRule) -> None:
    """Headline figures: estimates rounded to the nearest 10, review take-up from a published row only."""
    lsoa = view.lsoa
    gated = gated_tables(result, rule)
    cols = st.columns(5)
    cols[0].metric("Under-5s (estimate)", f"{float(round_to(pd.Series([lsoa['under5_est'].sum()])).iat[0]):,.0f}",
                   help="Rounded to the nearest 10")
    row = _selection_row(gated, result, view)
    if row is not None and not isinstance(row["review_completed"], str) and not isinstance(row["review_eligible"], str) \
            and float(row["review_eligible"]) > 0:
        cols[1].metric("Reviewed (2-2½ yr)", _pct(float(row["review_completed"]) / float(row["review_eligible"])),
                       help=f"{_shown(row['review_completed'])} of {_shown(row['review_eligible'])} eligible, {result.analysis_window or 'latest period'}")
    else:
        cols[1].metric("Reviewed (2-2½ yr)", "see tables",
                       help="Shown for the study area, one local authority or one hub (the rows the tables publish)")
    cols[2].metric("Reached by a hub", "see tables", help="Published per hub and per area in the tables")
    shown = gated.lsoa.display  # the published quadrants: a withheld one must not be counted back
    pri = shown[shown["lsoa21cd"].isin(lsoa["lsoa21cd"]) & (shown["quadrant"] == "high need, low engagement")]
    cols[3].metric("Priority LSOAs", f"{float(round_to(pd.Series([len(pri)])).iat[0]):,.0f}",
                   help="Published as high need and low engagement (rounded to the nearest 10)")
    cols[4].metric("Children not reached in high-need areas",
                   f"{float(round_to(pd.Series([lsoa.loc[lsoa['quadrant'].str.startswith('high need', na=False), 'children_not_reached'].sum()])).iat[0]):,.0f}",
                   help="Estimate, rounded to the nearest 10")
    st.caption(rule.statement())
    for note in result.notes:
        st.caption(plain_markdown(note))


def venue_table(result, sites, rule: DisclosureRule) -> pd.DataFrame:
    """The suggested venues as shown and downloaded: children newly within reach from published cells only.

    See :mod:`geo.disclosure.venues`: forcing venues in and out gives many covered sets, so the
    figure is computed from the published LSOA table (nearest 10), never from exact counts.
    """
    return published_venue_figures(sites.table, gated_tables(result, rule).lsoa.display).drop(columns=["lsoa_codes"])


def priority_frame(view: View, level: str, rule: DisclosureRule, *, result) -> pd.DataFrame:
    """The priority table as shown: the published LSOA or ward rows of the view, in priority order, formatted."""
    gated = gated_tables(result, rule)
    if level == "lsoa":
        return for_display(selected_rows(gated.lsoa.display, "lsoa21cd", view.areas["lsoa21cd"]))
    wards = selected_rows(gated.wards.display, "ward_code", view.areas["ward_code"])
    order = pd.to_numeric(wards["priority_rank"], errors="coerce").fillna(np.inf).to_numpy()
    return for_display(wards.iloc[np.lexsort((wards["ward_code"].astype(str).to_numpy(), order))].reset_index(drop=True))


def ward_frame(result, view: View, rule: DisclosureRule) -> pd.DataFrame:
    """The ward summary as shown: published ward rows of the view, their LA subtotals and the total."""
    return for_display(view_wards(gated_tables(result, rule), view))


def hub_frame(result, rule: DisclosureRule) -> pd.DataFrame | None:
    """The published hub table (with its total row), or ``None`` without a hubs file."""
    hubs = gated_tables(result, rule).hubs
    return None if hubs is None else hubs.display


def priority_table(st, frame: pd.DataFrame) -> None:
    st.subheader("Priority areas")
    st.caption("Sortable. Counts 1-4 are shown as <5 and rates from them as c. Rates come with 95% Wilson intervals; "
               "smoothed rates are shrunk toward the study-area rate (empirical Bayes).")
    labels.show_table(st, frame, height=520)


def ward_table(st, frame: pd.DataFrame) -> None:
    st.subheader("Ward summary")
    st.caption("Ward figures are recomputed from ward counts. Subtotals per local authority and a total; "
               "cells that could reveal a suppressed count by subtraction are suppressed too (c).")
    labels.show_table(st, frame, height=520)


def hub_cards(st, result, view: View, venues: pd.DataFrame, shown: pd.DataFrame | None, *, notes=None, extra=None) -> None:
    """One card per hub in view with its own suggested venues (``venues``: per hub, as the ILT pack,
    children from published cells), then the hub table. ``notes`` says why a hub has fewer
    venues; ``extra(hub)`` draws more in the card (the visit-list downloads)."""
    from geo.app.venues import hub_venue_lines

    if shown is None:
        st.info("No hubs file configured.")
        return
    notes = notes or {}
    hubs = [h for h in shown["hub_id"] if h in set(view.lsoa["hub_id"])]
    minutes = result.config.travel.threshold_minutes
    cols = st.columns(3)
    for i, hub in enumerate(hubs):
        r = shown[shown["hub_id"] == hub].iloc[0]
        with cols[i % 3].container(border=True):
            st.markdown(f"**{plain_markdown(str(r['name']))}** ({plain_markdown(hub)})")
            st.write(f"Under-5s (est.): {r['under5']:,.0f} · within {minutes:.0f} min: {_pct(r['share_under5_within_threshold'])}")
            st.write(f"Reviewed: {_pct(r['reviewed_pct'])} · reached: {_pct(r['reached_pct'])}")
            st.write(f"Children not reached in high-need areas (est., nearest 10): {_shown(r['children_not_reached_high_need_nearest_10'])}")
            lines = hub_venue_lines(venues, hub)
            st.markdown("Suggested venues (children newly within reach):\n\n" + "\n".join(lines) if lines else  # an ordered list
                        plain_markdown(f"No venue suggested for this hub ({notes.get(hub, 'no venue brings another area within reach')})."))
            if extra is not None:
                extra(hub)
    st.subheader("All hubs")
    labels.show_table(st, for_display(shown))


def chart_images(result, view: View, level: str) -> list[bytes]:
    """The funnel plot and the distance-decay plot as PNG bytes."""
    from geo.maps.charts import distance_decay_plot, funnel_plot

    rule = DisclosureRule.from_config(result.config)
    areas = published_areas(result, level, rule).loc[view.areas.index]  # withheld counts and rates are NaN: not plotted
    lsoa = published_areas(result, "lsoa", rule).loc[view.lsoa.index]
    total = gated_tables(result, rule).wards.display.set_index("ward_code").loc["Total"]  # the published study-area rate
    p0 = float(total["review_completed"]) / float(total["review_eligible"]) \
        if not isinstance(total["review_completed"], str) and not isinstance(total["review_eligible"], str) and float(total["review_eligible"]) > 0 else None
    figs = [funnel_plot(areas, level=level, threshold=rule.threshold, p0=p0)]
    if "travel_minutes_to_hub" in view.lsoa.columns:
        figs.append(distance_decay_plot(lsoa, result.config.travel.mode))
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
    st.write(plain_markdown(f"{len(result.lsoa):,} LSOAs, {len(result.wards):,} wards in {', '.join(result.config.la_codes)}; "
                            f"periods: {', '.join(f'{k} {v}' for k, v in rec['periods'].items())}."))
    st.subheader("Reconciliation: every row accounted for")
    rows = []
    for f in rec["files"]:
        rows.append({"file": Path(f["file"]).name, "kind": f["kind"], "rows in": f["rows_in"], "rows used": f["rows_used"],
                     "rows excluded": f["rows_excluded"],
                     "excluded because": "; ".join(f"{n} {r}" for r, n in f["excluded_by_reason"].items()),
                     "balanced": "yes" if f["balanced"] else "NO", "notes": "; ".join(f["notes"])})
    st.dataframe(neutralise_frame(pd.DataFrame(rows)), hide_index=True, width="stretch")
    for note in rec["notes"]:
        st.caption(plain_markdown(note))
    st.subheader("Data sources and attribution")
    manifest = result.public.manifest
    st.write(plain_markdown(manifest.get("attribution", "")))
    src = {(s["publisher"], s["licence"]) for f in manifest.get("files", []) for s in f["sources"]}
    st.dataframe(neutralise_frame(pd.DataFrame(sorted(src), columns=["source", "licence"])), hide_index=True, width="stretch")
    st.caption("IoD2025: Contains public sector information licensed under the Open Government Licence v3.0 (MHCLG). "
               "OS Code-Point Open: Contains OS data © Crown copyright and database right 2025; Royal Mail data © Royal Mail "
               "copyright and database right 2025; National Statistics data © Crown copyright and database right 2025.")
    if result.config.extracts.synthetic:
        st.warning("Service extracts are SYNTHETIC demo data.")
