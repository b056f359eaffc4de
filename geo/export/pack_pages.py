"""The content of the ILT pack's pages, for the template of :mod:`geo.export.document`.

:func:`pack_content` turns a :class:`PackContext` (the gated tables, the suggested venues, the
visit lists, the maps written by the helper) into the plain values the template prints: the
cover's facts, contents and explanations; per hub its map with alt text, key figures, venues,
top-10 table and sections; the ward summary; the visit lists. Every figure comes from the
gate's output (:mod:`geo.export.pack_content`).

Examples
--------
>>> alt = map_alt("Abbey Hub", "H1", n_lsoas=30, n_priority=4, venues=["Library", "School"], wards=3)
>>> alt[:60]
'Map of the catchment of Abbey Hub (H1): 30 LSOAs coloured by'
>>> alt[-60:]
' 2 suggested venues numbered by rank: 1. Library; 2. School.'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo.config import Config
from geo.disclosure import DisclosureRule
from geo.export.pack_content import (
    CONVENTION,
    TOP_COLUMNS,
    key_figures,
    top_lsoa_table,
    venue_table,
    ward_table,
)
from geo.export.plan import hub_name, page_plan
from geo.export.sections import PackSection
from geo.export.tables import ExportTables
from geo.export.visits import sector_columns
from geo.maps.printmap import attribution_lines

__all__ = ["PackContext", "pack_content", "map_alt", "section_anchors", "POSTCODE_ATTRIBUTION"]

POSTCODE_ATTRIBUTION = ("OS Code-Point Open: Contains OS data © Crown copyright and database right 2025; Royal Mail data © "
                        "Royal Mail copyright and database right 2025; National Statistics data © Crown copyright and "
                        "database right 2025.")
#: right-aligned columns of the printed tables
NUMERIC = {"#", "LSOAs", "Children", "Rank", "Priority", "Under-5s", "Eligible", "Reviewed", "Not reviewed",
           "Take-up (smoothed)", "Attending", "Reach", "Not reached", "Minutes", "Engagement", "Ward take-up"}


@dataclass
class PackContext:
    """What the pages need (built by :func:`geo.export.pack.export_pack`)."""

    config: Config
    generated: dt.date
    periods: dict[str, str]
    rule: DisclosureRule
    tables: ExportTables
    hubs: gpd.GeoDataFrame
    hub_ids: list[str]
    sites: pd.DataFrame
    site_notes: dict[str, str]
    visits: dict[str, pd.DataFrame]
    attribution: str
    la_names: dict[str, str]
    notes: list[str]
    reconciliation: dict
    postcodes: pd.DataFrame | None
    #: hub id -> {"map": "maps/<safe>.png", "visits": "visits/<safe>.csv"}
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    #: hub id (or None: the study area) -> sections from other features
    sections: Callable[[str | None], list[PackSection]] = lambda hub_id: []

    @property
    def synthetic(self) -> bool:
        return bool(self.config.extracts.synthetic)

    def hub_name(self, hub_id: str) -> str:
        return hub_name(self.hubs, hub_id)

    def period_text(self) -> str:
        names = {"review_takeup": "2-2½ year review take-up", "hub_attendance": "hub attendance"}
        return "; ".join(f"{names.get(k, k)} {v}" for k, v in self.periods.items() if v) or "no service extracts"


def section_anchors(ctx: PackContext) -> dict[str, str]:
    """Section (:func:`geo.export.plan.page_plan`) -> the HTML id of its first element, in page order."""
    out = {}
    for kind in page_plan(ctx.hub_ids, area=True):
        what, _, hub = kind.partition(":")
        out[kind] = f"{what}-{_slug(ctx, hub)}" if hub else what
    return out


def _slug(ctx: PackContext, hub_id: str) -> str:
    return ctx.files[hub_id]["map"].removeprefix("maps/").removesuffix(".png")


def map_alt(name: str, hub_id: str, *, n_lsoas: int, n_priority: int, venues: list[str], wards: int) -> str:
    """Alt text of a hub map: what it shows (hub, areas, priority areas, venues)."""
    ven = (f"{len(venues)} suggested venues numbered by rank: " + "; ".join(f"{i}. {v}" for i, v in enumerate(venues, 1))
           if venues else "no suggested venue")
    return (f"Map of the catchment of {name} ({hub_id}): {n_lsoas} LSOAs coloured by priority band (darker red = higher "
            f"priority), {n_priority} of them high need with low engagement; catchment gaps patterned with dotted "
            f"(beyond reach) and dash-dot (near but not engaged) outlines; {wards} wards with dashed boundaries; the hub "
            f"as a blue square, spokes as blue circles; {ven}.")


def _cover(ctx: PackContext) -> dict:
    las = ", ".join(f"{ctx.la_names.get(c, c)} ({c})" for c in ctx.config.la_codes)
    travel = ctx.config.travel
    facts = [
        ("Local authorities", las), ("Data periods", ctx.period_text()),
        ("Generated", ctx.generated.strftime("%d %B %Y").lstrip("0")),
        ("Travel to a hub", f"{travel.mode}, {travel.threshold_minutes:g} minutes (catchments and gaps)"),
        ("Hubs in this pack", f"{len(ctx.hub_ids)}: " + ", ".join(ctx.hub_ids)),
        ("Disclosure", ctx.rule.statement() + " Scores are published as 10-point bands."),
    ]
    anchors = section_anchors(ctx)
    contents = [(f"{h} {ctx.hub_name(h)}", anchors[f"hub:{h}"]) for h in ctx.hub_ids] + [("Ward summary", "wards")]
    if ctx.sections(None):
        contents.append(("The study area", "area"))
    contents += [(f"Visit list {h}", anchors[f"visits:{h}"]) for h in ctx.hub_ids]
    return {"facts": facts, "contents": contents, "how_to_read": _how_to_read(ctx), "notes": _notes(ctx)}


def _notes(ctx: PackContext) -> list[str]:
    notes = list(ctx.notes)
    rec = ctx.reconciliation
    files = rec.get("files", [])
    if files:
        balanced = "all balanced" if rec.get("all_balanced") else "NOT all balanced: see the reconciliation sheet"
        notes.append(f"Input files ({balanced}): " + "; ".join(
            f"{f['kind']} {f['rows_used']:,} of {f['rows_in']:,} rows used" for f in files) + ".")
    return notes


def _how_to_read(ctx: PackContext) -> list[str]:
    travel = ctx.config.travel
    audit = ctx.tables.counts_by_reason()
    n_cells = {r: sum(v[r] for v in audit.values()) for r in ("primary", "secondary", "derived")}
    return [
        "Priority score (0-100) ranks LSOAs by high need (IDACI, IMD, under-5s) and low engagement (review take-up, "
        "hub reach). Maps colour it in quantile classes of the whole study area; tables show 10-point bands.",
        f"Catchment gaps: LSOAs beyond {travel.threshold_minutes:g} minutes of a hub or spoke ('beyond reach': diagonal "
        "lines, dotted outline), or near one but with low engagement ('near but not engaged': dots, dash-dot outline).",
        "Suggested venues are chosen for each hub's catchment (exact maximal covering) to bring the most "
        "priority-weighted children not yet reached within the travel threshold. Numbers on the maps are their ranks.",
        "Each hub's top-10 table says what the ranking used (priority, need and engagement bands, the ward's smoothed "
        "take-up) and what to do there: the venue that brings the area within reach, or the hub, and the postcode "
        "sectors to leaflet. Visit lists give every postcode of the hub's top priority LSOAs (OS Code-Point Open), "
        "grouped by sector, and the addresses of the suggested venues.",
        f"Disclosure control: counts of 1 to 4 are shown as <5 (on LSOA rows 0 to 4) and values derived from them are "
        f"withheld (c). Further cells are withheld so that no small count can be worked out from totals, within a table "
        f"or across the LSOA, ward and hub tables. In this pack's tables {n_cells['primary']:,} cells are small counts, "
        f"{n_cells['secondary']:,} are withheld to protect them ({ctx.tables.linked_cells:,} of these across tables) and "
        f"{n_cells['derived']:,} derived values are withheld. Children not reached per hub or venue are estimates "
        "rounded to the nearest 10.",
    ]


def _hub(ctx: PackContext, hub_id: str) -> dict:
    name = ctx.hub_name(hub_id)
    travel = ctx.config.travel
    lsoa = ctx.tables.lsoa.display
    mine = lsoa[lsoa["hub_id"] == hub_id]
    venues = ctx.sites[ctx.sites["hub_id"] == hub_id]
    top = top_lsoa_table(ctx.tables, hub_id, sites=venues, postcodes=ctx.postcodes, threshold=travel.threshold_minutes)
    note = ctx.site_notes.get(hub_id) or ("" if len(venues) else "no venue suggested")
    explain = (f"Each venue brings the LSOAs shown within {travel.threshold_minutes:g} min ({travel.mode}) for the first "
               "time; Children = children in them not yet reached by a hub (estimate, nearest 10).")
    n_priority = int((mine["quadrant"] == "high need, low engagement").sum())
    return {
        "anchor": section_anchors(ctx)[f"hub:{hub_id}"], "name": name,
        "subtitle": f"{hub_id} · catchment of {len(mine):,} LSOAs · travel {travel.mode}, "
                    f"{travel.threshold_minutes:g} min · {ctx.period_text()}",
        "map": "pack-file:" + ctx.files[hub_id]["map"],
        "alt": map_alt(name, hub_id, n_lsoas=len(mine), n_priority=n_priority,
                       venues=[str(v) for v in venues.sort_values("rank")["name"]], wards=int(mine["ward_name"].nunique())),
        "key": key_figures(ctx.tables, hub_id, travel=travel),
        "venues": venue_table(venues) if len(venues) else None,
        "venue_note": (note + ". " if note else "") + explain,
        "top": top.drop(columns="lsoa21cd"), "sections": ctx.sections(hub_id),
    }


def _visits(ctx: PackContext, hub_id: str) -> dict:
    visits = ctx.visits[hub_id]
    pcs = visits[visits["item"] == "leaflet postcode"]
    ven = visits[visits["item"] == "suggested venue"]
    n_all = len(ctx.tables.lsoa.display)
    areas = []
    for rank, part in pcs.groupby("rank", sort=True):
        first = part.iloc[0]
        have = part["postcode"].astype(bool)
        prank = "c" if pd.isna(first["priority_rank"]) else f"{int(first['priority_rank'])}"
        areas.append({
            "heading": f"{rank}. {first['lsoa21cd']} {first['lsoa21nm']} · ward {first['ward_name']} · priority rank "
                       f"{prank} of {n_all:,} · {int(have.sum()):,} postcodes",
            "columns": sector_columns(part.loc[have, "postcode"]), "note": str(first["note"]),
        })
    venues = []
    for _, v in ven.iterrows():
        addr = v["address"] or "no address in the venue file"
        venues.append({"title": f"{v['rank']}. {v['name']}",
                       "detail": f"{v['type']} · {addr}" + (f", {v['postcode']}" if v["postcode"] else "")
                                 + f" · map position (latitude, longitude) {v['lat']:.5f}, {v['lon']:.5f} · {v['note']}"})
    return {"anchor": section_anchors(ctx)[f"visits:{hub_id}"], "name": ctx.hub_name(hub_id),
            "subtitle": f"{hub_id} · full list in {ctx.files[hub_id]['visits']}", "areas": areas, "venues": venues,
            "no_venue": ctx.site_notes.get(hub_id, "no venue suggested")}


def pack_content(ctx: PackContext) -> dict:
    """Everything the template prints (plain values; the template escapes them)."""
    wards, totals = ward_table(ctx.tables.wards.display, ctx.la_names)
    n_wards = len(wards) - sum(totals)
    return {
        "title": f"Family Hub outreach pack: {ctx.config.name}", "study": ctx.config.name,
        "subject": "SYNTHETIC DATA" if ctx.synthetic else "Family Hub outreach",
        "stamp": f"{ctx.generated.isoformat()}T00:00:00Z", "synthetic": ctx.synthetic,
        **_cover(ctx),
        "attribution": attribution_lines(ctx.attribution).replace("\n", " "), "postcode_attribution": POSTCODE_ATTRIBUTION,
        "hubs": [_hub(ctx, h) for h in ctx.hub_ids], "n_lsoas": f"{len(ctx.tables.lsoa.display):,}",
        "top_columns": list(TOP_COLUMNS.items()), "convention": CONVENTION, "numeric": NUMERIC,
        "wards": wards, "ward_totals": totals,
        "ward_subtitle": f"{n_wards:,} wards with local-authority subtotals and the total · {ctx.period_text()} · ward "
                         "counts are sums of their LSOAs (ONS best-fit)",
        "area_sections": ctx.sections(None), "visits": [_visits(ctx, h) for h in ctx.hub_ids],
    }
