"""The tables an export writes besides the gated LSOA, ward and hub tables.

The LSOA, ward and hub tables pass the one disclosure gate, :mod:`geo.disclosure.gate`
(re-exported here for existing importers). This module keeps the reconciliation table and
the suggested venues per hub (estimates rounded to the nearest 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geo.disclosure.gate import (  # noqa: F401  (re-exported)
    COUNT_COLUMNS,
    ROUNDED_ESTIMATES,
    Cell,
    ExportTables,
    Relation,
    export_tables,
    link_suppression,
    lsoa_rule,
    round_to,
    table_relations,
    ward_suppression,
)

__all__ = [
    "ExportTables",
    "Cell",
    "Relation",
    "COUNT_COLUMNS",
    "ROUNDED_ESTIMATES",
    "export_tables",
    "ward_suppression",
    "link_suppression",
    "round_to",
    "lsoa_rule",
    "reconciliation_table",
    "SITES_EXPORT_COLUMNS",
    "hub_sites",
]

SITES_EXPORT_COLUMNS = [
    "hub_id", "rank", "venue_id", "name", "type", "subtype", "address", "postcode", "lat", "lon", "covered_lsoas",
    "covered_children_nearest_10", "lsoa_codes", "solver_status",
]


def reconciliation_table(rec: dict) -> pd.DataFrame:
    """One row per input file: rows in, used, excluded (by reason), balanced, notes.

    Row counts are counts of extract rows (area aggregates), not of children. File names only,
    no local folders.
    """
    rows = []
    for f in rec.get("files", []):
        rows.append({
            "file": Path(str(f["file"])).name, "kind": f["kind"], "rows_in": f["rows_in"], "rows_used": f["rows_used"],
            "rows_excluded": f["rows_excluded"],
            "excluded_because": "; ".join(f"{n} {r}" for r, n in f["excluded_by_reason"].items()),
            "balanced": "yes" if f["balanced"] else "NO", "notes": "; ".join(f["notes"]),
        })
    for note in rec.get("notes", []):
        rows.append({"file": "", "kind": "note", "notes": note})
    cols = ["file", "kind", "rows_in", "rows_used", "rows_excluded", "excluded_because", "balanced", "notes"]
    return pd.DataFrame(rows, columns=cols)


def hub_sites(result, hub_ids: Sequence[str], *, k: int = 5, time_limit: float = 60.0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Suggested venues for each hub's catchment (up to ``k`` per hub), as exported.

    For each hub, :func:`geo.sites.suggest_sites` restricted to the hub's catchment LSOAs
    chooses venues that bring the most priority-weighted children not yet reached within the
    travel threshold. Venues that would bring no LSOA within reach are left out, and said
    so in the hub's note. Estimated children covered are rounded to the nearest 10.

    Parameters
    ----------
    result : geo.build.BuildResult
    hub_ids : list of str
    k : int
        Venues per hub.
    time_limit : float
        Seconds allowed to each MILP.

    Returns
    -------
    (DataFrame, dict)
        :data:`SITES_EXPORT_COLUMNS` rows in hub then rank order, and a note per hub.

    Examples
    --------
    >>> sites, notes = hub_sites(result, ["WCC-BES"], k=3)     # doctest: +SKIP
    """
    from geo.sites import suggest_sites

    tables, notes = [], {}
    minutes = result.config.travel.threshold_minutes
    subtypes = {}
    if result.venues is not None and "subtype" in result.venues.columns:
        subtypes = dict(zip(result.venues["venue_id"], result.venues["subtype"].fillna("")))
    for hub in hub_ids:
        mask = (result.lsoa["hub_id"] == hub).to_numpy() if "hub_id" in result.lsoa.columns else np.zeros(len(result.lsoa), bool)
        if not mask.any():
            notes[hub] = "no LSOA is in this hub's catchment, so no venue is suggested"
            continue
        if result.venues is None or not len(result.venues):
            notes[hub] = "no candidate venues (the config names no venues file)"
            continue
        s = suggest_sites(result, k=k, lsoa_mask=mask, time_limit=time_limit)
        t = s.table
        useful = t[t["covered_lsoas"] > 0].copy()
        status = "optimal" if s.result.optimal else f"{s.result.status} (gap {s.result.mip_gap:.1%})"
        if len(useful) < k:
            notes[hub] = (f"{len(useful)} of {k} venue(s) suggested: no further venue brings another LSOA of this catchment "
                          f"within {minutes:g} minutes")
        useful["rank"] = np.arange(1, len(useful) + 1)
        useful["hub_id"] = hub
        useful["solver_status"] = status
        useful["subtype"] = useful["venue_id"].map(subtypes).fillna("")
        useful["covered_children_nearest_10"] = round_to(useful["covered_children"]).astype("Int64")
        tables.append(useful)
    if not tables:
        return pd.DataFrame(columns=SITES_EXPORT_COLUMNS), notes
    return pd.concat(tables, ignore_index=True)[SITES_EXPORT_COLUMNS], notes
