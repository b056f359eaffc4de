"""The tables an export writes besides the gated LSOA, ward and hub tables.

The LSOA, ward and hub tables pass the one disclosure gate, :mod:`geo.disclosure.gate`
(re-exported here for existing importers). This module keeps the reconciliation table and
the suggested venues per hub (estimates rounded to the nearest 10).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from geo.disclosure import gate as _gate
from geo.disclosure.gate import (  # noqa: F401  (re-exported: the gate's public names)
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

__all__ = [*_gate.__all__, "reconciliation_table", "SITES_EXPORT_COLUMNS", "hub_sites"]

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

    :func:`geo.sites.suggest_sites_per_hub` (venues that bring the most priority-weighted
    children not yet reached within each hub's catchment), with the estimated children covered
    rounded to the nearest 10.

    Parameters
    ----------
    result, hub_ids, k, time_limit
        As :func:`geo.sites.suggest_sites_per_hub` (the build, the hubs, venues per hub, seconds per MILP).

    Returns
    -------
    (DataFrame, dict)
        :data:`SITES_EXPORT_COLUMNS` rows in hub then rank order, and a note per hub.

    Examples
    --------
    >>> sites, notes = hub_sites(result, ["WCC-BES"], k=3)     # doctest: +SKIP
    """
    from geo.sites import suggest_sites_per_hub  # the venue MILP lives in geo.sites; this only formats

    sites, notes = suggest_sites_per_hub(result, hub_ids, k=k, time_limit=time_limit)
    sites["covered_children_nearest_10"] = round_to(sites["covered_children"]).astype("Int64")
    return sites[SITES_EXPORT_COLUMNS], notes
