"""ILT map packs and exports: everything that leaves the tool, under disclosure control.

:func:`export_pack` writes into one folder::

    pack.pdf              A4 landscape, tagged (PDF/UA-1): cover, per hub its map page and top-10 table,
                          ward summary, one visit list per hub (HTML laid out by WeasyPrint)
    maps/<hub>.png        each hub's map (300 dpi by default)
    map.html              interactive map (geo.maps.webmap.area_map), self-contained: Leaflet inlined, no tiles
    tables.xlsx           sheets LSOAs, wards, hubs, sites, reconciliation, disclosure, notes
    tables/<name>.csv     the same tables as CSV
    visits/<hub>.csv      leafleting postcodes of the hub's top priority LSOAs and its suggested venues

``<hub>`` is the hub id as a safe file name (:func:`geo.safety.file_slugs`: the id itself when it
is plain ASCII letters, digits, ``.``, ``_`` and ``-``, else a slug with a short hash); ``pack.json``
maps each hub id to its files. Every text cell of the tables and visit lists that a spreadsheet
would read as a formula gets a leading ``'`` (:func:`geo.safety.neutralise_frame`).

All counts come from :func:`geo.export.tables.export_tables` (primary, derived and secondary
suppression within each table and across the linked LSOA, ward and hub tables). Nothing is
downloaded unless ``[map]`` names tiles (the print maps then draw them: :mod:`geo.maps.printtiles`); the web map carries its own copy of Leaflet. Other features
add sections to the hub pages and the study area's pages through :mod:`geo.export.providers`.

Output is deterministic for the same inputs and generation date: PDF dates come from
``generated`` (or ``SOURCE_DATE_EPOCH``), web-map element ids are renumbered, and the XLSX
zip entries and document dates are fixed.

:func:`export_pack` runs the steps in order; the work is elsewhere: the hubs, page plan and
contents in :mod:`geo.export.plan`, the web map in :mod:`geo.export.web`, the helper process in
:mod:`geo.export.helper`, the tables in :mod:`geo.export.tables` (written by :mod:`geo.export.workbook`), the pages' content in
:mod:`geo.export.pack_pages` and :mod:`geo.export.pack_content`, the PDF in :mod:`geo.export.document`,
the maps in :mod:`geo.maps.printmap` (drawn once: ``maps/<hub>.png`` is also the map in the PDF) and the
visit lists in :mod:`geo.export.visits`.

Examples
--------
>>> from geo.build import run
>>> from geo.config import load_config
>>> result = run(load_config("config.toml"))                        # doctest: +SKIP
>>> out = export_pack(result, "out/pack", generated=dt.date(2026, 1, 5))   # doctest: +SKIP
>>> out.pages                                                        # doctest: +SKIP
12
"""

from __future__ import annotations

import datetime as dt
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.disclosure import DisclosureRule
from geo.disclosure.venues import published_venue_figures
from geo.errors import DataError
from geo.export.document import render_html, write_pdf
from geo.export.helper import Helper
from geo.export.pack_pages import PackContext, pack_content, section_anchors
from geo.export.plan import (
    Progress,
    generation_date,
    hub_name,
    listed_hub_ids,
    pack_hub_ids,
    page_plan,
    steps,
)
from geo.export.providers import pack_sections
from geo.export.tables import ExportTables, export_tables, hub_sites, lsoa_rule
from geo.export.visits import VISIT_LSOAS, postcode_lsoas, visit_list
from geo.export.web import map_html, map_inputs, render_map_html, write_map_html
from geo.export.workbook import SHEETS, notes_table, with_zeros_note, workbook_sheets, write_tables
from geo.maps.printmap import hub_view, map_layers, write_hub_pngs
from geo.maps.printtiles import prefetch_hubs
from geo.safety import file_slugs, inside, neutralise_frame

# the pack's own names, then names of geo.export.plan, .helper and .web that callers import from here
__all__ = ["ExportResult", "export_pack", "write_tables", "notes_table", "SHEETS",
           "pack_hub_ids", "listed_hub_ids", "steps", "Helper", "page_plan", "generation_date", "Progress",
           "map_html", "map_inputs", "render_map_html"]

@dataclass
class ExportResult:
    """What :func:`export_pack` wrote.

    Attributes
    ----------
    out_dir : Path
    paths : dict
        ``pack``, ``map``, ``xlsx`` -> path; ``maps``, ``visits``, ``tables`` -> list of paths.
    pages : list of str
        What each page of ``pack.pdf`` is (``cover``, ``hub:<id>``, ``wards``, ``area``, ``visits:<id>``;
        a section over several pages repeats).
    hub_ids : list of str
    tables : ExportTables
    sites : DataFrame
    timings : dict
        Seconds per step.
    """

    out_dir: Path
    paths: dict
    pages: list[str]
    hub_ids: list[str]
    tables: ExportTables
    sites: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def _la_names(result) -> dict[str, str]:
    lk = result.public.lookup_ward
    if {"ward_lad_code", "ward_lad_name"} <= set(lk.columns):
        return dict(zip(lk["ward_lad_code"], lk["ward_lad_name"]))
    return {}


def _venue_points(sites: pd.DataFrame) -> Callable[[str], gpd.GeoDataFrame | None]:
    pts = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["lon"], sites["lat"]), crs=4326).to_crs(27700)

    def of(hub_id: str) -> gpd.GeoDataFrame | None:
        sel = pts[pts["hub_id"] == hub_id]
        return sel if len(sel) else None

    return of


# --------------------------------------------------------------------------- the pack


def export_pack(result, out_dir: str | Path, *, hub: str | None = None, k: int = 5, dpi: int = 300,
                generated: dt.date | None = None, progress: bool | Progress = True, time_limit: float = 60.0,
                helper: Helper | None = None, parallel: bool = True) -> ExportResult:
    """Write the ILT pack and every export of a build into ``out_dir``.

    Parameters
    ----------
    result : geo.build.BuildResult
    out_dir : str or Path
    hub : str, optional
        Only this hub's pages, map, and visit list (the tables always cover the study area,
        with the same suppression).
    k : int
        Suggested venues per hub.
    dpi : int
        Resolution of the hub maps ``maps/<hub>.png`` (default 300).
    generated : date, optional
        Date printed on the pack and stored in file metadata (default: ``SOURCE_DATE_EPOCH``
        or today).
    progress : bool or Progress
        Numbered progress lines on stderr.
    time_limit : float
        Seconds allowed to each venue MILP.
    helper : Helper, optional
        A helper process already started (the CLI starts one before the build); by default
        one is started here when ``parallel`` is true.
    parallel : bool
        Use a helper process (False: everything in this process; same output).

    Returns
    -------
    ExportResult

    Raises
    ------
    DataError
        Unknown hub id, or no hubs file.

    Examples
    --------
    >>> res = export_pack(result, "out/pack", hub="WCC-BES", dpi=150)   # doctest: +SKIP
    >>> res.pages                                                         # doctest: +SKIP
    ['cover', 'hub:WCC-BES', 'wards', 'visits:WCC-BES']
    """
    if k < 1:
        raise DataError(f"--k must be at least 1, got {k}")
    hub_ids = pack_hub_ids(result, hub)
    generated = generation_date(generated)
    out_dir = Path(out_dir)
    rule = DisclosureRule.from_config(result.config)
    n_steps = steps(len(hub_ids))
    step = progress if isinstance(progress, Progress) else Progress(n_steps, enabled=bool(progress))
    if isinstance(progress, Progress):
        step.total = step.done + n_steps
    lap = _Laps()
    own_helper = helper is None
    helper = helper if helper is not None else Helper(enabled=parallel)
    try:
        step(f"suggested venues ({k} per hub, {len(hub_ids)} hub{'s' if len(hub_ids) != 1 else ''})")
        sites, site_notes = hub_sites(result, hub_ids, k=k, time_limit=time_limit)
        step("disclosure control of the LSOA, ward and hub tables")
        tables = export_tables(result, rule)  # before the maps: their colours are the published bands
        sites = published_venue_figures(sites, tables.lsoa.display)[list(sites.columns)]  # from published cells only
        ranks = tables.lsoa.numeric.set_index("lsoa21cd")["priority_rank"]  # published ranks (by band)
        visits = {h: visit_list(result, h, sites[sites["hub_id"] == h], n_lsoas=VISIT_LSOAS, ranks=ranks) for h in hub_ids}
        published = result.lsoa["lsoa21cd"].map(tables.lsoa.numeric.set_index("lsoa21cd")["priority_score"])
        layers = _layers(result, published)
        prefetch_hubs(layers.tiles, layers, hub_ids, hub_view=hub_view)  # [map] tiles, fetched once here; a failure is noted below
        venue_points = _venue_points(sites)
        lap("sites")
        files = _hub_files(out_dir, hub_ids)
        pngs = helper.submit(write_hub_pngs, layers, _png_jobs(result, hub_ids, venue_points, out_dir, files), dpi)
        sheets = workbook_sheets(result, tables, sites, with_zeros_note(notes_table(result, generated, rule, k, site_notes), tables, rule))
        lap("tables")
        ctx = PackContext(
            config=result.config, generated=generated, periods=result.inputs.periods, rule=rule, tables=tables,
            hubs=result.hubs, hub_ids=hub_ids, sites=sites, site_notes=site_notes, visits=visits,
            attribution=layers.attribution, la_names=_la_names(result), notes=list(result.notes) + _tile_notes(layers),
            reconciliation=result.reconciliation(), postcodes=_postcodes(result), files=files,
            sections=lambda h: pack_sections(result, tables, h),
        )
        step("pages of the pack (cover, hubs, ward summary, visit lists)")
        html = render_html(pack_content(ctx))
        paths: dict = {"pack": out_dir / "pack.pdf", "map": out_dir / "map.html", "maps": [], "visits": []}
        # the helper lays out and writes pack.pdf after the maps it places; meanwhile the files here
        anchors = section_anchors(ctx)
        pdf = helper.submit(write_pdf, html, paths["pack"], base_url=out_dir, anchors=list(anchors.values()),
                            footer=f"{result.config.name} · generated {generated.isoformat()}", generated=generated)
        lap("pages")
        paths["visits"] = _write_visits(visits, out_dir, files)
        step("tables (tables.xlsx, tables/*.csv) and interactive map (map.html)")
        paths.update(write_tables(sheets, out_dir, generated))
        write_map_html(map_inputs(result, tables, sites, hub_ids, whole_area=hub is None), paths["map"])
        lap("tables and map.html")
        step(f"hub maps {', '.join(hub_ids)} (maps/*.png, {dpi} dpi)")
        paths["maps"] = [Path(p) for p in pngs.result()]
        lap("maps (waiting for the helper)")
        step("pack.pdf (tagged PDF)")
        kinds = {a: kind for kind, a in anchors.items()}
        pages = [kinds[i] for i in pdf.result()]
        lap("pack.pdf (waiting for the helper)")
        paths["manifest"] = _write_manifest(out_dir, result, generated, hub_ids, pages, k=k, dpi=dpi, tables=tables, rule=rule,
                                            site_notes=site_notes, files=files)
    finally:
        if own_helper:
            helper.close()
    return ExportResult(out_dir, paths, pages, hub_ids, tables, sites, lap.timings)


# --------------------------------------------------------------------------- the pack's steps


class _Laps:
    """Seconds per named step: ``lap(name)`` adds the time since the previous lap to ``name``."""

    def __init__(self):
        self.timings: dict[str, float] = {}
        self.clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - self.clock
        self.clock = now


def _png_jobs(result, hub_ids: list[str], venue_points, out_dir: Path, files: dict[str, dict[str, str]]) -> list[dict]:
    """The helper's jobs for ``maps/<hub>.png`` (the folder is made here; ``files`` from :func:`_hub_files`)."""
    (out_dir / "maps").mkdir(parents=True, exist_ok=True)
    return [{"hub_id": h, "path": out_dir / files[h]["map"], "title": hub_name(result.hubs, h),
             "subtitle": _map_subtitle(result, h), "synthetic": bool(result.config.extracts.synthetic),
             "venues": venue_points(h)} for h in hub_ids]


def _postcodes(result) -> pd.DataFrame | None:
    """The study area's postcodes with the LSOA of each (its own column, else by grid reference)."""
    pcs = result.public.postcodes
    if pcs is None or pcs.empty:
        return pcs
    return pcs.assign(lsoa21cd=postcode_lsoas(pcs, result.lsoa))


def _write_visits(visits: dict[str, pd.DataFrame], out_dir: Path, files: dict[str, dict[str, str]]) -> list[Path]:
    """Write ``visits/<hub>.csv`` (text cells neutralised); return their paths in hub order."""
    (out_dir / "visits").mkdir(parents=True, exist_ok=True)
    paths = []
    for h, visit in visits.items():
        p = out_dir / files[h]["visits"]
        neutralise_frame(visit).to_csv(p, index=False)
        paths.append(p)
    return paths


def _write_manifest(out_dir: Path, result, generated: dt.date, hub_ids: list[str], pages: list[str], *, k: int, dpi: int,
                    tables: ExportTables, rule: DisclosureRule, site_notes: dict[str, str], files: dict[str, dict[str, str]]) -> Path:
    """Write ``pack.json``: what the pack covers and how its tables were protected."""
    path = out_dir / "pack.json"
    path.write_text(json.dumps({
        "study_area": result.config.name, "generated": generated.isoformat(), "hubs": hub_ids, "pages": pages,
        "k": k, "dpi": dpi, "synthetic": result.config.extracts.synthetic, "disclosure": tables.counts_by_reason(),
        "cells_added_across_tables": tables.linked_cells, "lsoa_rule_suppress_zero": lsoa_rule(rule).suppress_zero,
        "venue_notes": site_notes, "files": files,
    }, indent=2) + "\n")
    return path


def _tile_notes(layers) -> list[str]:
    """A note for the pack when the ``[map]`` tiles could not be fetched (the maps are drawn without them)."""
    return [layers.tiles.attribution] if layers.tiles is not None and layers.tiles.failed else []


def _layers(result, priority: pd.Series | None = None):
    with warnings.catch_warnings():  # mapclassify: ties leave fewer quantile classes; the legend shows what there is
        warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
        return map_layers(result, priority=priority)


def _hub_files(out_dir: Path, hub_ids: list[str]) -> dict[str, dict[str, str]]:
    """Each hub's map and visit list, as paths relative to ``out_dir`` with safe names.

    Examples
    --------
    >>> _hub_files(Path("out"), ["WCC-QPK", "../../evil"])["../../evil"]
    {'map': 'maps/evil_0fbfd372.png', 'visits': 'visits/evil_0fbfd372.csv'}
    """
    out = {}
    for h, slug in file_slugs(hub_ids).items():
        out[h] = {"map": f"maps/{slug}.png", "visits": f"visits/{slug}.csv"}
        for rel in out[h].values():
            inside(out_dir, rel)  # a slug never leaves the folder; checked all the same
    return out


def _map_subtitle(result, hub_id: str) -> str:
    travel = result.config.travel
    n = int((result.lsoa["hub_id"] == hub_id).sum()) if "hub_id" in result.lsoa.columns else 0
    names = {"review_takeup": "review", "hub_attendance": "attendance"}
    periods = ", ".join(f"{names.get(k, k)} {v}" for k, v in result.inputs.periods.items() if v)
    return (f"{hub_id} · {n:,} LSOAs in its catchment · {travel.mode}, {travel.threshold_minutes:g} min"
            + (f" · {periods}" if periods else ""))
