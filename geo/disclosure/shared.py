"""Totals published in two tables: the same value everywhere (linked cells).

When every LSOA of the study area is in a hub's catchment, the hub table's ``Total`` row and
the ward table's ``Total`` row are the same sums (of every LSOA). Linked suppression treats
them as separate cells, so one table could show a total that the other withholds as ``c``:
the ``c`` then protects nothing (the reader has the value from the other table) and misleads.
:func:`align_shared_totals` shows the withheld copy with the published value (and the total
row's rates that depend only on shown cells). This adds nothing to what the reader knows: the
relations already fix the withheld copy to the published one.

Examples
--------
>>> tables = align_shared_totals(tables, lsoa)    # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from geo.disclosure.audit import audit_frame
from geo.disclosure.totals import SuppressedTable

__all__ = ["SHARED_TOTALS", "align_shared_totals"]

#: hub table column -> ward table column holding the same sum over the LSOAs
SHARED_TOTALS = {"review_eligible": "review_eligible", "review_completed": "review_completed",
                 "children_not_reviewed": "children_not_reviewed", "children_reached": "hub_children"}


def _show(st: SuppressedTable, key: str, row, col: str, value) -> SuppressedTable:
    display, numeric, mask, reason = st.display.copy(), st.numeric.copy(), st.mask.copy(), st.reason.copy()
    i = int(np.flatnonzero(display[key].astype(str).to_numpy() == str(row))[0])
    j = display.columns.get_loc(col)
    if display[col].dtype != object:
        display[col] = display[col].astype(object)
    shown = int(value) if col in SHARED_TOTALS or col in SHARED_TOTALS.values() else value  # counts are whole
    display.iat[i, j], mask.iat[i, j], reason.iat[i, j] = shown, False, ""
    numeric[col] = pd.to_numeric(numeric[col], errors="coerce").astype(float)
    numeric.iat[i, numeric.columns.get_loc(col)] = float(value)
    table = st.audit["table"].iat[0] if len(st.audit) else key
    return replace(st, display=display, numeric=numeric, mask=mask, reason=reason,
                   audit=audit_frame(table, list(display[key]), mask, reason))


def _total(st: SuppressedTable, key: str, col: str):
    """(shown value or None, is the cell there)."""
    rows = np.flatnonzero(st.display[key].astype(str).to_numpy() == "Total")
    if not len(rows) or col not in st.display.columns:
        return None, False
    i = int(rows[0])
    return (None if st.mask[col].iat[i] else st.numeric[col].iat[i]), True


def align_shared_totals(tables: dict[str, SuppressedTable], lsoa: pd.DataFrame) -> dict[str, SuppressedTable]:
    """Show a hub or ward ``Total`` cell withheld in one table but published in the other (same value).

    Only when every LSOA of ``lsoa`` (the LSOA table, with ``hub_id``) is in a hub listed in the
    hub table, so the two totals are the same sum. Recomputes the hub ``Total`` row's
    ``reviewed_pct`` once both of its counts are shown.
    """
    hubs, wards = tables.get("hub"), tables.get("ward")
    if hubs is None or wards is None:
        return tables
    hub_ids = set(hubs.display["hub_id"].astype(str)) - {"Total"}
    if lsoa["hub_id"].isna().any() or not set(lsoa["hub_id"].astype(str)) <= hub_ids:
        return tables
    for hcol, wcol in SHARED_TOTALS.items():
        (hv, h_there), (wv, w_there) = _total(hubs, "hub_id", hcol), _total(wards, "ward_code", wcol)
        if not (h_there and w_there) or (hv is None) == (wv is None):
            continue
        if hv is None:
            hubs = _show(hubs, "hub_id", "Total", hcol, wv)
        else:
            wards = _show(wards, "ward_code", "Total", wcol, hv)
    (k, k_there), (n, _) = _total(hubs, "hub_id", "review_completed"), _total(hubs, "hub_id", "review_eligible")
    pct, _ = _total(hubs, "hub_id", "reviewed_pct")
    if k_there and k is not None and n is not None and n > 0 and pct is None and "reviewed_pct" in hubs.display.columns:
        hubs = _show(hubs, "hub_id", "Total", "reviewed_pct", round(float(k) / float(n), 4))
    return {**tables, "hub": hubs, "ward": wards}
