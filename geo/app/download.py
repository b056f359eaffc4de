"""The app's downloads panel: the selection's published tables (CSV, XLSX), its areas
(GeoPackage), the map (HTML) and the ILT pack, each made only when its button is clicked.

Every table goes through :mod:`geo.disclosure` (:func:`geo.app.views.gated_tables`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.app.views import View, gated_tables, selected_rows, venue_table, view_wards
from geo.disclosure import DisclosureRule
from geo.disclosure.tables import xlsx_bytes
from geo.safety import neutralise_frame, plain_markdown

__all__ = ["PackOffer", "download_tables", "csv_bytes", "downloads"]


def download_tables(result, view: View, sites, rule: DisclosureRule) -> dict[str, pd.DataFrame]:
    """The tables offered for download: the published rows of the selection (the pack's cells), and the venues."""
    gated = gated_tables(result, rule)
    site_table = venue_table(result, sites, rule)  # children newly within reach from published cells only
    sheets = {
        "LSOAs": selected_rows(gated.lsoa.display, "lsoa21cd", view.lsoa["lsoa21cd"]),
        "wards": view_wards(gated, view),
        "sites": site_table,
    }
    if gated.hubs is not None:
        sheets["hubs"] = gated.hubs.display
    sheets["notes"] = pd.DataFrame({"note": [rule.statement(),
                                             "Scores are published as 10-point bands and ranked by band; see the README's "
                                             "disclosure section for what is withheld and why."]})
    return sheets


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes for download (text cells neutralised: :func:`geo.safety.neutralise_frame`)."""
    return neutralise_frame(table).to_csv(index=False).encode("utf-8")


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
        st.caption(rule.statement() + " Every download holds the pack's published cells.")
        st.download_button("LSOA table (CSV)", lambda: csv_bytes(tables()["LSOAs"]),
                           "lsoa.csv", "text/csv", key="dl_lsoa", on_click="ignore")
        st.download_button("Ward table (CSV)", lambda: csv_bytes(tables()["wards"]),
                           "wards.csv", "text/csv", key="dl_wards", on_click="ignore")
        st.download_button("All tables (XLSX)", lambda: xlsx_bytes(tables()), "tables.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx", on_click="ignore")
        st.download_button("Areas (GeoPackage)", lambda: _gpkg_bytes(result, view, rule), "areas.gpkg",
                           "application/geopackage+sqlite3", key="dl_gpkg", on_click="ignore")
        st.download_button("Map (HTML, works offline)", lambda: standalone_html(map_copy()).encode("utf-8"),
                           "map.html", "text/html", key="dl_map", on_click="ignore")
        if pack is None:
            return
        st.subheader("ILT map pack")
        st.caption(f"For {plain_markdown(pack.covers)}: A4 PDF (cover, a page per hub with its map, ward summary, visit lists), "
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


def _gpkg_bytes(result, view: View, rule: DisclosureRule) -> bytes:
    import tempfile

    import pyogrio

    from geo.outputs import geopackage_writing

    lsoa = selected_rows(gated_tables(result, rule).lsoa.display, "lsoa21cd", view.lsoa["lsoa21cd"])
    geometry = view.lsoa.set_index("lsoa21cd").geometry.reindex(lsoa["lsoa21cd"])
    gdf = gpd.GeoDataFrame(lsoa.astype({c: str for c in lsoa.columns if lsoa[c].dtype == object}),
                           geometry=geometry.to_numpy(), crs=27700)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "areas.gpkg"
        with geopackage_writing():
            pyogrio.write_dataframe(gdf, p, layer="lsoa", driver="GPKG")
        return p.read_bytes()
