"""The pack's tables: the sheets of ``tables.xlsx`` and ``tables/<name>.csv`` (:func:`write_tables`),
the ``notes`` sheet (:func:`notes_table`), and the XLSX made byte-for-byte reproducible
(:func:`fixed_xlsx`). The tables themselves come from the gate (:mod:`geo.export.tables`);
:func:`geo.export.pack.export_pack` calls these.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from geo.disclosure import DisclosureRule
from geo.disclosure.tables import xlsx_bytes
from geo.export.tables import ExportTables, reconciliation_table
from geo.maps.style import ATTRIBUTION
from geo.safety import neutralise_frame

__all__ = ["SHEETS", "fixed_xlsx", "notes_table", "with_zeros_note", "workbook_sheets", "write_tables"]

#: sheet name -> CSV file name
SHEETS = {"LSOAs": "lsoas", "wards": "wards", "hubs": "hubs", "sites": "sites", "reconciliation": "reconciliation",
          "disclosure": "disclosure", "notes": "notes"}


def notes_table(result, generated: dt.date, rule: DisclosureRule, k: int, site_notes: dict[str, str]) -> pd.DataFrame:
    """The ``notes`` sheet: what the tables are, their conventions and attribution."""
    cfg = result.config
    rows = [
        ("study area", cfg.name), ("local authorities", ", ".join(cfg.la_codes)),
        ("service extracts", "SYNTHETIC demo data: no real child is counted" if cfg.extracts.synthetic else "council extracts"),
        ("periods", "; ".join(f"{k_} {v}" for k_, v in result.inputs.periods.items())),
        ("generated", generated.isoformat()),
        ("disclosure rule", rule.statement()),
        ("derived statistics", "rates, intervals, smoothed rates and funnel flags are withheld (c) wherever a count they "
                               "come from is withheld; priority and engagement scores are published only as 10-point bands "
                               "(the lower edge: 30 means 30 to under 40) and priority_rank ranks the bands (ties by need "
                               "score, then code); where even a band, the quadrant or the gap type would narrow a withheld "
                               "count to one value it is withheld too (see the README's disclosure section)"),
        ("disclosure", f"counts from 1 to {rule.threshold - 1} are shown as {rule.label}; c = withheld (to protect a small "
                       "count, or a rate or other value derived from a withheld count); totals and subtotals are protected "
                       "within each table and across the LSOAs, wards and hubs sheets"),
        ("LSOAs sheet", f"zeros are withheld too: {rule.label} means 0 to {rule.threshold - 1} on the LSOAs sheet"),
        ("estimates", "under5_est and the children-not-reached figures are estimates; per hub and per venue they are "
                      "rounded to the nearest 10 (columns ending _nearest_10)"),
        ("travel", f"{cfg.travel.mode}, {cfg.travel.threshold_minutes:g} minutes"),
        ("venues", f"up to {k} suggested per hub for its catchment (exact maximal covering)"),
        ("attribution", ATTRIBUTION),
        ("postcodes", "OS Code-Point Open: Contains OS data © Crown copyright and database right 2025; Royal Mail data © "
                      "Royal Mail copyright and database right 2025"),
    ]
    rows += [("note", n) for n in result.notes]
    rows += [(f"venues {h}", n) for h, n in site_notes.items()]
    return pd.DataFrame(rows, columns=["item", "value"])


def fixed_xlsx(data: bytes, generated: dt.date) -> bytes:
    """Rewrite an XLSX with fixed zip timestamps and document dates (same inputs, same bytes)."""
    stamp = generated.strftime("%Y-%m-%dT00:00:00Z")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp.encode() + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=(generated.year, generated.month, generated.day, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, body)
    return out.getvalue()


def write_tables(sheets: dict[str, pd.DataFrame], out_dir: Path, generated: dt.date) -> dict:
    """Write ``tables.xlsx`` and ``tables/<name>.csv``; return their paths."""
    out_dir = Path(out_dir)
    (out_dir / "tables").mkdir(parents=True, exist_ok=True)
    xlsx = out_dir / "tables.xlsx"
    xlsx.write_bytes(fixed_xlsx(xlsx_bytes(sheets), generated))
    csvs = []
    for name, df in sheets.items():
        p = out_dir / "tables" / f"{SHEETS.get(name, name)}.csv"
        neutralise_frame(df).to_csv(p, index=False)
        csvs.append(p)
    return {"xlsx": xlsx, "tables": csvs}


def workbook_sheets(result, tables: ExportTables, sites: pd.DataFrame, notes: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The sheets of ``tables.xlsx`` (and ``tables/*.csv``), in order."""
    return {
        "LSOAs": tables.lsoa.display, "wards": tables.wards.display,
        "hubs": tables.hubs.display if tables.hubs is not None else pd.DataFrame(),
        "sites": sites, "reconciliation": reconciliation_table(result.reconciliation()),
        "disclosure": tables.audit(), "notes": notes,
    }


def with_zeros_note(notes: pd.DataFrame, tables: ExportTables, rule: DisclosureRule) -> pd.DataFrame:
    """Say, not hide, the LSOA cells shown as withheld that the published totals show to be 0."""
    zeros = tables.derived.get("zeros_pinned_by_totals", 0)
    if not zeros:
        return notes
    note = (f"{zeros} LSOA cell(s) shown as {rule.label} are 0 by the published ward or hub totals (e.g. a ward of one "
            f"LSOA with a count of 0); no count of 1 to {rule.threshold - 1} can be worked out")
    return pd.concat([notes, pd.DataFrame([{"item": "withheld zeros", "value": note}])], ignore_index=True)
