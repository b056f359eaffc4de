"""Pages of the ILT pack (A4 landscape, matplotlib): cover, hub pages, ward summary, visit lists.

Every number on a page comes from the suppressed tables of :mod:`geo.export.tables` (counts
1-4 as ``"<5"``, withheld values as ``"c"``); pages only format them. Tables put their text
columns first and their numeric columns last, and keep at least two character widths between
columns, so that ``pdftotext -layout`` reads them back column by column (the tests do).

Examples
--------
>>> fig = cover_page(ctx)                 # doctest: +SKIP
>>> fig.savefig(pdf_pages)                 # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from geo.config import Config
from geo.disclosure import DisclosureRule
from geo.display import fmt_value, rank_range_text
from geo.export.pdf_layout import PAGE_SIZE, Column, draw_table, fit_text, paragraphs, text_width, wrap_to
from geo.export.plan import WARD_ROWS_PER_PAGE, hub_name, ward_page_count
from geo.export.tables import ExportTables
from geo.export.visits import postcode_sectors
from geo.maps.printmap import MapLayers, attribution_lines, draw_hub_map, legend_handles, plain

__all__ = ["PackContext", "cover_page", "hub_page", "ward_pages", "visit_page", "key_figures"]

RED = "#c0392b"
GREY = "#555555"
CONVENTION = ("Counts of 1 to 4 children are shown as <5 (LSOA rows: 0 to 4); c = withheld so that no small count can be "
              "worked out. Under-5s and 'not reached' are estimates (children not reached per hub or venue: nearest 10). "
              "Eligible, Reviewed: 2-2½ year review; Attending: children seen at a hub.")


# --------------------------------------------------------------------------- context


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
    layers: MapLayers
    la_names: dict[str, str]
    notes: list[str]
    reconciliation: dict
    venue_points: Callable[[str], gpd.GeoDataFrame | None]
    total_pages: int = 0
    contents: list[tuple[str, int]] = field(default_factory=list)
    #: hub id -> its visit list's file in the pack (``visits/<safe name>.csv``)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return bool(self.config.extracts.synthetic)

    def hub_name(self, hub_id: str) -> str:
        return hub_name(self.hubs, hub_id)

    def period_text(self) -> str:
        names = {"review_takeup": "2-2½ year review take-up", "hub_attendance": "hub attendance"}
        return "; ".join(f"{names.get(k, k)} {v}" for k, v in self.periods.items() if v) or "no service extracts"


def _page(ctx: PackContext, title: str, subtitle: str, page_no: int, *, footer_attribution: bool = True,
          badge_x: float = 0.975) -> Figure:
    fig = Figure(figsize=PAGE_SIZE)
    room = (0.42 if badge_x < 0.9 else 0.75) * PAGE_SIZE[0]
    size = next((f for f in (15, 13.5, 12) if text_width(title, f, True) <= room), 12)  # long names: smaller, then cut
    fig.text(0.025, 0.955, plain(fit_text(title, room, size, True)), fontsize=size, fontweight="bold", va="center")
    if subtitle:
        fig.text(0.025, 0.922, plain(subtitle), fontsize=8.5, va="center", color="#333333")
    if ctx.synthetic:
        fig.text(badge_x, 0.955, " SYNTHETIC DATA ", fontsize=11, fontweight="bold", color="white", ha="right", va="center",
                 bbox={"facecolor": RED, "edgecolor": "none", "pad": 3})
    foot = f"{plain(ctx.config.name)} · generated {ctx.generated.isoformat()} · page {page_no} of {ctx.total_pages}"
    fig.text(0.975, 0.014, foot, fontsize=6.5, ha="right", va="center", color=GREY)
    if footer_attribution:
        fig.text(0.025, 0.034, CONVENTION, fontsize=5.5, va="center", color=GREY)
        fig.text(0.025, 0.02, attribution_lines(ctx.layers.attribution).replace("\n", "  ·  "), fontsize=5.5, va="center", color=GREY)
    return fig


# --------------------------------------------------------------------------- cover


def cover_page(ctx: PackContext) -> Figure:
    """Study area, local authorities, data periods, generation date, contents and how to read the pack."""
    fig = Figure(figsize=PAGE_SIZE)
    top = _cover_title(fig, ctx)
    y = _cover_facts(fig, ctx, top - 0.115) - 0.015
    col_top = y
    y = _cover_contents(fig, ctx, y)  # left column
    _cover_notes(fig, ctx, y)
    fig.text(0.53, col_top, "How to read this pack", fontsize=11, fontweight="bold", va="top")  # right column
    paragraphs(fig, 0.53, col_top - 0.035, 0.42, _how_to_read(ctx), 8, bullet=True)
    fig.text(0.05, 0.045, attribution_lines(ctx.layers.attribution).replace("\n", "  ·  "), fontsize=6.5, va="center", color=GREY)
    fig.text(0.05, 0.027, "OS Code-Point Open: Contains OS data © Crown copyright and database right 2025; Royal Mail "
             "data © Royal Mail copyright and database right 2025; National Statistics data © Crown copyright and database "
             "right 2025.", fontsize=6.5, va="center", color=GREY)
    fig.text(0.975, 0.012, f"page 1 of {ctx.total_pages}", fontsize=6.5, ha="right", va="center", color=GREY)
    return fig


def _cover_title(fig: Figure, ctx: PackContext) -> float:
    """The synthetic-data banner (if any), the title and the study area; returns the top of the title."""
    top = 0.90
    if ctx.synthetic:
        fig.patches.append(Rectangle((0, 0.87), 1, 0.13, transform=fig.transFigure, facecolor=RED, edgecolor="none"))
        fig.text(0.5, 0.952, "SYNTHETIC DATA", fontsize=30, fontweight="bold", color="white", ha="center", va="center")
        fig.text(0.5, 0.895, "Review take-up and hub attendance in this pack are made up by the project's seeded demo "
                 "generator. No real child is counted. Do not use for decisions.", fontsize=10, color="white",
                 ha="center", va="center")
        top = 0.835
    fig.text(0.05, top, "Family Hub outreach pack", fontsize=24, fontweight="bold", va="top")
    fig.text(0.05, top - 0.06, plain(ctx.config.name), fontsize=15, va="top", color="#1b4f9c")
    return top


def _cover_facts(fig: Figure, ctx: PackContext, y: float) -> float:
    """Local authorities, periods, date, travel and hubs, from ``y`` down; returns the y below them."""
    las = ", ".join(f"{ctx.la_names.get(c, c)} ({c})" for c in ctx.config.la_codes)
    travel = ctx.config.travel
    facts = [
        ("Local authorities", las),
        ("Data periods", ctx.period_text()),
        ("Generated", ctx.generated.strftime("%d %B %Y").lstrip("0")),
        ("Travel to a hub", f"{travel.mode}, {travel.threshold_minutes:g} minutes (catchments and gaps)"),
        ("Hubs in this pack", f"{len(ctx.hub_ids)}: " + ", ".join(ctx.hub_ids)),
        ("Disclosure", ctx.rule.statement() + " Scores are published as 10-point bands."),
    ]
    for label, value in facts:
        fig.text(0.05, y - 9.5 * 0.8 / 72 / PAGE_SIZE[1], label, fontsize=9.5, fontweight="bold", va="baseline")
        y = paragraphs(fig, 0.19, y, 0.76, [value], 9.5, gap=0.35)
    return y


def _cover_contents(fig: Figure, ctx: PackContext, y: float) -> float:
    """The contents, in up to 8 rows per column; returns the y below them."""
    fig.text(0.05, y, "Contents", fontsize=11, fontweight="bold", va="top")
    y -= 0.035
    entries = _grouped_contents(ctx) if len(ctx.contents) > 16 else [(lbl, f"{p}") for lbl, p in ctx.contents]
    for i, (label, page) in enumerate(entries):
        col, row = divmod(i, 8)
        fig.text(0.05 + col * 0.22, y - 0.012 - row * 0.021, plain(fit_text(label, 2.15, 8)), fontsize=8, va="baseline")
        fig.text(0.05 + col * 0.22 + 0.205, y - 0.012 - row * 0.021, page, fontsize=8, va="baseline", ha="right")
    return y - (0.021 * min(len(entries), 8) + 0.02)


def _cover_notes(fig: Figure, ctx: PackContext, y: float) -> None:
    """The build's data notes and the input files' reconciliation, as many as fit above the footer."""
    notes = list(ctx.notes)
    rec = ctx.reconciliation
    files = rec.get("files", [])
    if files:
        balanced = "all balanced" if rec.get("all_balanced") else "NOT all balanced: see the reconciliation sheet"
        notes.append(f"Input files ({balanced}): " + "; ".join(
            f"{f['kind']} {f['rows_used']:,} of {f['rows_in']:,} rows used" for f in files) + ".")
    if not notes:
        return
    fig.text(0.05, y - 0.01, "Data notes", fontsize=11, fontweight="bold", va="top")
    y -= 0.045
    for i, note in enumerate(notes):
        lines = len(wrap_to(note, 0.41 * PAGE_SIZE[0], 7.5))
        if y - lines * 7.5 * 1.45 / 72 / PAGE_SIZE[1] < 0.075:
            paragraphs(fig, 0.05, y, 0.42, [f"… and {len(notes) - i} more in the notes sheet of tables.xlsx."], 7.5,
                       color="#333333")
            break
        y = paragraphs(fig, 0.05, y, 0.42, [note], 7.5, bullet=True, color="#333333")


def _how_to_read(ctx: PackContext) -> list[str]:
    """The cover's explanations: score, gaps, venues, visit lists, and this pack's disclosure control."""
    travel = ctx.config.travel
    audit = ctx.tables.counts_by_reason()
    n_cells = {r: sum(v[r] for v in audit.values()) for r in ("primary", "secondary", "derived")}
    return [
        "Priority score (0-100) ranks LSOAs by high need (IDACI, IMD, under-5s) and low engagement (review take-up, "
        "hub reach). Maps colour it in quantile classes of the whole study area.",
        f"Catchment gaps: LSOAs beyond {travel.threshold_minutes:g} minutes of a hub or spoke ('beyond reach', hatched "
        "magenta), or near one but with low engagement ('near but not engaged', hatched orange).",
        "Suggested venues are chosen for each hub's catchment (exact maximal covering) to bring the most "
        "priority-weighted children not yet reached within the travel threshold. Numbers on the maps are their ranks.",
        "Visit lists give the postcodes of each hub's top 5 priority LSOAs (OS Code-Point Open) for leafleting, and the "
        "addresses of the suggested venues.",
        f"Disclosure control: counts of 1 to 4 are shown as <5 (on LSOA rows 0 to 4) and values derived from them are "
        f"withheld (c). Further cells are withheld so that no small count can be worked out from totals, within a table "
        f"or across the LSOA, ward and hub tables. In this pack's tables {n_cells['primary']:,} cells are small counts, "
        f"{n_cells['secondary']:,} are withheld to protect them ({ctx.tables.linked_cells:,} of these across tables) and "
        f"{n_cells['derived']:,} derived values are withheld. Children not reached per hub or venue are estimates "
        "rounded to the nearest 10.",
    ]


def _grouped_contents(ctx: PackContext) -> list[tuple[str, str]]:
    """Contents by kind of page with page ranges (for packs with many hubs)."""
    groups: dict[str, list[int]] = {}
    for label, page in ctx.contents:
        kind = "Visit lists (one per hub)" if label.startswith("Visit list") else (
            "Ward summary" if label == "Ward summary" else "Hub pages (one per hub)")
        groups.setdefault(kind, []).append(page)
    out = []
    for kind, pages in groups.items():
        first, last = min(pages), max(pages)
        if kind == "Ward summary":
            last = first + ward_page_count(len(ctx.tables.wards.display)) - 1
        out.append((kind, f"{first}–{last}" if last > first else f"{first}"))
    hubs = ctx.hub_ids
    out.append((f"Hubs in order: {hubs[0]} to {hubs[-1]}", ""))
    return out


# --------------------------------------------------------------------------- hub page

LSOA_COLUMNS = [
    Column("priority_rank", "Rank", "int"), Column("lsoa21cd", "LSOA"), Column("lsoa21nm", "Name", grow=1.2),
    Column("ward_name", "Ward", grow=1.0), Column("quadrant", "Quadrant", "quadrant", grow=0.6),
    Column("gap_type", "Gap", grow=0.6), Column("priority_score", "Priority", "score"),
    Column("under5_est", "Under-5s", "count"), Column("review_eligible", "Eligible", "count"),
    Column("review_completed", "Reviewed", "count"), Column("review_rate", "Take-up", "pct"),
    Column("hub_children", "Attending", "count"), Column("reach_rate_smoothed", "Reach", "pct"),
    Column("children_not_reached", "Not reached", "count"), Column("travel_minutes_to_hub", "Minutes", "minutes"),
    Column("rank_range", "Rank 90%", "int"), Column("p_top", "Top N", "int"),
]
VENUE_COLUMNS = [
    Column("rank", "#", "int"), Column("name", "Venue", grow=2.0), Column("kind", "Type"),
    Column("postcode", "Postcode"), Column("covered_lsoas", "LSOAs", "int"),
    Column("covered_children_nearest_10", "Children", "count"),
]


def _venue_kind(row) -> str:
    sub = row.get("subtype") if isinstance(row.get("subtype"), str) else ""
    return sub.split(" (")[0] if sub else str(row.get("type", "")).replace("_", " ")


def key_figures(ctx: PackContext, hub_id: str) -> list[tuple[str, str]]:
    """(label, value) lines of a hub, from the suppressed hub and LSOA tables."""
    hubs = ctx.tables.hubs.display if ctx.tables.hubs is not None else pd.DataFrame(columns=["hub_id"])
    row = hubs[hubs["hub_id"] == hub_id]
    lsoa = ctx.tables.lsoa.display
    mine = lsoa[lsoa["hub_id"] == hub_id]
    travel = ctx.config.travel
    if row.empty:
        return [("Catchment", "no LSOA is nearest to this hub, so it has no catchment figures")]
    r = row.iloc[0]
    gaps = mine["gap_type"].fillna("").value_counts() if "gap_type" in mine else pd.Series(dtype=int)
    return [
        ("LSOAs in the catchment", f"{len(mine):,}"),
        ("Under-5s (estimate)", fmt_value(r["under5"], "count")),
        (f"Within {travel.threshold_minutes:g} min ({travel.mode}) of a hub or spoke", fmt_value(r["share_under5_within_threshold"], "pct")),
        ("Reviewed at 2-2½ years", f"{fmt_value(r['reviewed_pct'], 'pct')} ({fmt_value(r['review_completed'], 'count')} of "
                                   f"{fmt_value(r['review_eligible'], 'count')} eligible)"),
        ("Reached by a hub", f"{fmt_value(r['reached_pct'], 'pct')} ({fmt_value(r['children_reached'], 'count')} children attending)"),
        ("Children not reached in high-need areas", f"about {fmt_value(r['children_not_reached_high_need_nearest_10'], 'count')} (est.)"),
        ("Priority LSOAs (high need, low engagement)", f"{int((mine['quadrant'] == 'high need, low engagement').sum()):,}"),
        ("Gaps: beyond reach / near but not engaged", f"{int(gaps.get('beyond reach', 0)):,} / {int(gaps.get('near but not engaged', 0)):,} LSOAs"),
    ]


def hub_page(ctx: PackContext, hub_id: str, page_no: int) -> Figure:
    """A hub's page: priority map, key figures, suggested venues, top-10 priority LSOAs.

    Returns
    -------
    Figure
    """
    name = ctx.hub_name(hub_id)
    travel = ctx.config.travel
    lsoa = ctx.tables.lsoa.display
    mine = lsoa[lsoa["hub_id"] == hub_id]  # already in published rank order (withheld ranks last)
    subtitle = (f"{hub_id} · catchment of {len(mine):,} LSOAs · travel {travel.mode}, {travel.threshold_minutes:g} min · "
                f"{ctx.period_text()}")
    fig = _page(ctx, name, subtitle, page_no, footer_attribution=False, badge_x=0.595)
    ax = fig.add_axes((0.025, 0.355, 0.445, 0.545))
    draw_hub_map(ax, ctx.layers, hub_id, ctx.venue_points(hub_id), fontsize=6.5)
    lax = fig.add_axes((0.478, 0.355, 0.12, 0.545))
    lax.set_axis_off()
    venues = ctx.sites[ctx.sites["hub_id"] == hub_id]
    lax.legend(handles=legend_handles(ctx.layers, venues=len(venues) > 0), loc="upper left", fontsize=6,
               title="Priority score\n(quantile classes)", title_fontsize=6.5, frameon=False, alignment="left",
               handlelength=1.8, handleheight=1.2, borderaxespad=0, labelspacing=0.55)
    fig.text(0.025, 0.342, attribution_lines(ctx.layers.attribution), fontsize=5.5, va="top", color=GREY, linespacing=1.35)
    # key figures
    fig.text(0.615, 0.895, "Key figures", fontsize=10, fontweight="bold", va="center")
    y = 0.866
    for label, value in key_figures(ctx, hub_id):
        fig.text(0.615, y, plain(label) + ":", fontsize=7.5, va="center", color="#333333")
        fig.text(0.975, y, plain(value), fontsize=7.5, va="center", ha="right", fontweight="bold")
        y -= 0.027
    # venues
    fig.text(0.615, y - 0.012, "Suggested outreach venues", fontsize=10, fontweight="bold", va="center")
    vy = y - 0.03
    if len(venues):
        v = venues.copy()
        v["kind"] = [_venue_kind(r) for _, r in v.iterrows()]
        vax = fig.add_axes((0.615, vy - 0.024 * (len(v) + 1.3), 0.36, 0.024 * (len(v) + 1.3)))
        draw_table(vax, v, VENUE_COLUMNS, fontsize=6.8)
        vy -= 0.024 * (len(v) + 1.3) + 0.012
    note = ctx.site_notes.get(hub_id)
    if not len(venues) and not note:
        note = "no venue suggested"
    explain = (f"Each venue brings the LSOAs shown within {travel.threshold_minutes:g} min ({travel.mode}) for the first "
               "time; children est. = children in them not yet reached by a hub (nearest 10).")
    paragraphs(fig, 0.615, vy, 0.36, [(note + ". " if note else "") + explain], 6.8, color="#333333")
    # top-10 LSOAs
    fig.text(0.025, 0.285, f"Top {min(10, len(mine))} priority LSOAs in this catchment (rank in the study area of "
             f"{len(lsoa):,})", fontsize=9.5, fontweight="bold", va="center")
    tax = fig.add_axes((0.025, 0.05, 0.95, 0.22))
    top = mine.head(10)
    if "priority_rank_lo" in top:  # issue 18: the published rank interval (whole blocks of ranks) as one cell
        top = top.assign(rank_range=[rank_range_text(lo, hi) for lo, hi in zip(top["priority_rank_lo"], top["priority_rank_hi"])])
    draw_table(tax, top, [c for c in LSOA_COLUMNS if c.key in top], fontsize=6.6)
    fig.text(0.025, 0.034, CONVENTION, fontsize=5.5, va="center", color=GREY)
    return fig


# --------------------------------------------------------------------------- wards

WARD_COLUMNS = [
    Column("ward_code", "Ward code"), Column("ward_name", "Ward", grow=1.5), Column("la", "Local authority", grow=1.0),
    Column("quadrant", "Quadrant", "quadrant", grow=0.5), Column("priority_rank", "Rank", "int"),
    Column("priority_score", "Priority", "score"), Column("under5_est", "Under-5s", "count"),
    Column("review_eligible", "Eligible", "count"), Column("review_completed", "Reviewed", "count"),
    Column("children_not_reviewed", "Not reviewed", "count"), Column("review_rate", "Take-up", "pct"),
    Column("hub_children", "Attending", "count"), Column("reach_rate_smoothed", "Reach", "pct"),
    Column("children_not_reached", "Not reached", "count"), Column("travel_minutes_to_hub", "Minutes", "minutes"),
]


def ward_pages(ctx: PackContext, first_page: int) -> list[Figure]:
    """The ward summary (suppressed, with local-authority subtotals and the total), over as many pages as needed."""
    wards = ctx.tables.wards.display.copy()
    key = wards["ward_code"].astype(str)
    is_total = key.str.endswith(" total") | (key == "Total")
    wards["la"] = [ctx.la_names.get(c, c) if isinstance(c, str) else "" for c in wards["lad_code"]]
    wards.loc[is_total, "ward_name"] = [f"{ctx.la_names.get(k[:-6], k[:-6])} total" if k.endswith(" total") else "All wards"
                                        for k in key[is_total]]
    n_pages = ward_page_count(len(wards))
    figs = []
    for p in range(n_pages):
        part = wards.iloc[p * WARD_ROWS_PER_PAGE:(p + 1) * WARD_ROWS_PER_PAGE]
        title = "Ward summary" + (f" ({p + 1} of {n_pages})" if n_pages > 1 else "")
        sub = (f"{len(wards) - int(is_total.sum()):,} wards with local-authority subtotals and the total · {ctx.period_text()} · "
               "ward counts are sums of their LSOAs (ONS best-fit)")
        fig = _page(ctx, title, sub, first_page + p)
        ax = fig.add_axes((0.025, 0.06, 0.95, 0.835))
        draw_table(ax, part, WARD_COLUMNS, fontsize=6.6, emphasis=is_total.iloc[p * WARD_ROWS_PER_PAGE:(p + 1) * WARD_ROWS_PER_PAGE].tolist(),
                   max_row_height=0.165)
        figs.append(fig)
    return figs


# --------------------------------------------------------------------------- visit list


def _postcode_lines(postcodes: Sequence[str], width: int) -> list[str]:
    text = "; ".join(f"{sector} {' '.join(units)}".strip() for sector, units in postcode_sectors(postcodes))
    return textwrap.wrap(text, width, break_on_hyphens=False)


def visit_page(ctx: PackContext, hub_id: str, page_no: int) -> Figure:
    """A hub's visit list: postcodes of its top priority LSOAs, and its suggested venues with addresses."""
    visits = ctx.visits[hub_id]
    name = ctx.hub_name(hub_id)
    pcs = visits[visits["item"] == "leaflet postcode"]
    ven = visits[visits["item"] == "suggested venue"]
    n_lsoa = pcs["lsoa21cd"].nunique()
    fig = _page(ctx, f"Visit list: {name}", f"{hub_id} · postcodes of the top {n_lsoa} priority LSOAs for leafleting, "
                f"and the suggested venues · full list in {ctx.files.get(hub_id, 'visits/')}", page_no)
    fig.text(0.025, 0.885, "Leafleting: postcodes by LSOA (sector, then units)", fontsize=10, fontweight="bold", va="center")
    y, line_h, bottom = 0.855, 0.0215, 0.06
    width = 115
    for rank, part in pcs.groupby("rank", sort=True):
        first = part.iloc[0]
        have = part["postcode"].astype(bool)
        head = (f"{rank}. {first['lsoa21cd']} {first['lsoa21nm']} · ward {first['ward_name']} · priority rank "
                f"{'c' if pd.isna(first['priority_rank']) else int(first['priority_rank'])} of {len(ctx.tables.lsoa.display):,} · {int(have.sum()):,} postcodes")
        fig.text(0.025, y, plain(head), fontsize=7.8, fontweight="bold", va="top")
        y -= line_h * 1.15
        if not have.any():
            y = paragraphs(fig, 0.035, y, 0.56, [str(first["note"])], 7, color="#333333") - line_h * 0.35
            continue
        lines = _postcode_lines(part.loc[have, "postcode"], width)
        remaining_lsoas = pcs["rank"].nunique() - int(rank)
        room = int((y - bottom) / (line_h * 0.9)) - 2 * remaining_lsoas  # keep room for the other headings
        if len(lines) > max(room, 1):
            shown = lines[: max(room - 1, 1)]
            hidden = sum(len(ln.split()) for ln in lines[len(shown):])
            lines = shown + [f"… and about {hidden:,} more postcode units of this LSOA: see {ctx.files.get(hub_id, 'visits/')}"]
        for ln in lines:
            fig.text(0.035, y, plain(ln), fontsize=6.8, va="top", family="monospace")
            y -= line_h * 0.9
        y -= line_h * 0.35
    x = 0.625
    fig.text(x, 0.885, "Suggested venues to approach", fontsize=10, fontweight="bold", va="center")
    y = 0.855
    if ven.empty:
        fig.text(x, y, plain(ctx.site_notes.get(hub_id, "no venue suggested")), fontsize=7.5, va="top", wrap=True)
    for _, v in ven.iterrows():
        fig.text(x, y, plain(fit_text(f"{v['rank']}. {v['name']}", 3.9, 8.2)), fontsize=8.2, fontweight="bold", va="top")
        y -= 0.024
        addr = v["address"] or "no address on file: use the map position"
        detail = [f"{v['type']} · {addr}" + (f", {v['postcode']}" if v["postcode"] else ""),
                  f"map position (latitude, longitude) {v['lat']:.5f}, {v['lon']:.5f}", v["note"]]
        y = paragraphs(fig, x + 0.012, y, 0.34, detail, 7, gap=0.15, color="#333333") - 0.01
    return fig
