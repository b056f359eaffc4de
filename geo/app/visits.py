"""A hub's visit list in the app: CSV and a printable HTML page, from :func:`geo.export.visits.visit_list`.

The rows are the pack's (:func:`geo.export.pack.export_pack` calls the same function with the
same inputs): the hub's top priority LSOAs by *published* rank with the public postcodes inside
them, and the hub's suggested venues (per hub, as the pack) with children from published cells.
The CSV's text cells are neutralised (:func:`geo.app.download.csv_bytes`); the page escapes
every name, declares its language and title, and prints on A4 with a print stylesheet.

Examples
--------
>>> frame = pd.DataFrame({"hub_id": ["H"], "item": ["suggested venue"], "rank": [1], "name": ["<b>Hall</b>"],
...                       "postcode": ["W9 1NZ"], "note": ["brings 2 LSOA(s) within reach"]})
>>> page = visit_page(frame, hub_name="Church St & Co", study_area="Bi-borough", generated="2026-11-30")
>>> "&lt;b&gt;Hall&lt;/b&gt;" in page and "<b>Hall" not in page and '<html lang="en-GB">' in page
True
"""

from __future__ import annotations

import html

import pandas as pd

from geo.app.gated import gated_tables
from geo.disclosure import DisclosureRule
from geo.export.visits import VISIT_LSOAS, postcode_sectors, visit_list

__all__ = ["hub_visit_list", "visit_page", "visit_file_name", "visit_buttons", "PRINT_CSS"]

PRINT_CSS = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; color: #000; background: #fff; margin: 1.5em; }
h1 { font-size: 16pt; margin: 0 0 .2em; } h2 { font-size: 13pt; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; width: 100%; } caption { text-align: left; font-weight: bold; }
th, td { border: 1px solid #444; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #e8e8e8; } .tick { width: 2.2em; } p.meta { color: #222; }
@page { size: A4; margin: 14mm; }
@media print { body { margin: 0; font-size: 10pt; } tr { break-inside: avoid; } thead { display: table-header-group; }
  a { color: #000; text-decoration: none; } .noprint { display: none; } }
"""


def hub_visit_list(result, hub: str, shown_venues: pd.DataFrame, rule: DisclosureRule) -> pd.DataFrame:
    """The visit list of ``hub``: :func:`geo.export.visits.visit_list` with the pack's inputs.

    ``shown_venues`` are the per-hub venues with published children
    (:func:`geo.app.venues.published_plan` of a ``scope="hub"`` plan); ranks are the published ones.
    """
    ranks = gated_tables(result, rule).lsoa.numeric.set_index("lsoa21cd")["priority_rank"]
    return visit_list(result, hub, shown_venues[shown_venues["hub_id"] == hub], n_lsoas=VISIT_LSOAS, ranks=ranks)


def visit_file_name(slug: str, hub: str, suffix: str) -> str:
    """``visits_<study area>_<hub>.<suffix>``, safe as a file name."""
    from geo.safety import safe_slug

    return f"visits_{safe_slug(slug)}_{safe_slug(hub)}.{suffix}"


def _e(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def _postcode_rows(frame: pd.DataFrame) -> list[str]:
    rows = []
    areas = frame[frame["item"] == "leaflet postcode"]
    for _, area in areas.groupby("rank", sort=True):
        first = area.iloc[0]
        codes = [p for p in area["postcode"] if p]
        sectors = "; ".join(f"{s} {' '.join(u)}".strip() for s, u in postcode_sectors(codes)) if codes else _e(first.get("note", ""))
        rows.append(f"<tr><td class='tick'>☐</td><td>{_e(first.get('rank'))}</td><td>{_e(first.get('lsoa21nm'))} "
                    f"({_e(first.get('lsoa21cd'))})</td><td>{_e(first.get('ward_name'))}</td>"
                    f"<td>{_e(first.get('priority_rank'))}</td><td>{html.escape(sectors) if codes else sectors}</td></tr>")
    return rows


def _venue_rows(frame: pd.DataFrame) -> list[str]:
    venues = frame[frame["item"] == "suggested venue"]
    return [f"<tr><td class='tick'>☐</td><td>{_e(v.get('rank'))}</td><td>{_e(v.get('name'))}</td><td>{_e(v.get('type'))}</td>"
            f"<td>{_e(v.get('address'))} {_e(v.get('postcode'))}</td><td>{_e(v.get('note'))}</td></tr>"
            for _, v in venues.iterrows()]


def visit_page(frame: pd.DataFrame, *, hub_name: str, study_area: str, generated: str) -> str:
    """A printable HTML page of one hub's visit list (every name escaped; ``lang``, title, print stylesheet)."""
    title = f"Visit list: {hub_name}"
    pcs = _postcode_rows(frame) if "lsoa21nm" in frame.columns else []
    venues = _venue_rows(frame)
    return (
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(title)} ({_e(study_area)})</title><style>{PRINT_CSS}</style></head>\n<body>\n<main>\n"
        f"<h1>{_e(title)}</h1>\n<p class=\"meta\">{_e(study_area)} · made {_e(generated)} · postcodes: OS Code-Point "
        "Open (public data); counts under disclosure control.</p>\n"
        "<h2>Leaflet these postcodes</h2>\n<table><caption>Top priority areas of the hub (published rank) and the "
        "postcodes inside them, by sector</caption><thead><tr><th scope=\"col\">Done</th><th scope=\"col\">#</th>"
        "<th scope=\"col\">Area</th><th scope=\"col\">Ward</th><th scope=\"col\">Priority rank</th>"
        "<th scope=\"col\">Postcodes</th></tr></thead>\n<tbody>" + "\n".join(pcs or ["<tr><td colspan='6'>No area listed.</td></tr>"])
        + "</tbody></table>\n<h2>Venues to approach</h2>\n<table><caption>Suggested outreach venues, in rank order"
        "</caption><thead><tr><th scope=\"col\">Done</th><th scope=\"col\">Rank</th><th scope=\"col\">Venue</th>"
        "<th scope=\"col\">Type</th><th scope=\"col\">Address</th><th scope=\"col\">Why</th></tr></thead>\n<tbody>"
        + "\n".join(venues or ["<tr><td colspan='6'>No venue suggested for this hub.</td></tr>"])
        + "</tbody></table>\n</main>\n</body>\n</html>\n"
    )


def visit_buttons(st, result, shown_venues: pd.DataFrame, rule: DisclosureRule, names: dict, csv_bytes):
    """``draw(hub)``: the two visit-list download buttons of a hub card (files made only when clicked).

    ``csv_bytes`` is the app's CSV writer (:func:`geo.app.download.csv_bytes`, text cells neutralised).
    """
    from geo.export import generation_date

    def draw(hub: str) -> None:
        frame = lambda: hub_visit_list(result, hub, shown_venues, rule)  # noqa: E731 (made when clicked)
        page = lambda: visit_page(frame(), hub_name=names.get(hub, hub), study_area=result.config.name,  # noqa: E731
                                  generated=generation_date().isoformat()).encode("utf-8")
        st.download_button("Visit list (CSV)", lambda: csv_bytes(frame()), visit_file_name(result.config.slug, hub, "csv"),
                           "text/csv", key=f"dl_visits_csv_{hub}", on_click="ignore", icon=":material/table_view:")
        st.download_button("Visit list (printable page)", page, visit_file_name(result.config.slug, hub, "html"),
                           "text/html", key=f"dl_visits_html_{hub}", on_click="ignore", icon=":material/print:")

    return draw
