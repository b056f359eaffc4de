"""Outreach visit lists: where a hub's team can leaflet and which venues to approach.

A hub's visit list has the postcodes inside its top priority LSOAs (from the study area's
postcode file that ``fetch`` wrote: OS Code-Point Open, public data, not personal data) and
its suggested venues with their addresses. Every top LSOA has at least one row: an LSOA with
no postcode on file gets a row saying so, never silence.

Examples
--------
>>> visits = visit_list(result, "WCC-BES", sites[sites["hub_id"] == "WCC-BES"])   # doctest: +SKIP
>>> visits.groupby("item").size()                                                    # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["VISIT_COLUMNS", "VISIT_LSOAS", "top_lsoas", "visit_list", "postcode_sectors"]

#: top priority LSOAs of a hub whose postcodes are listed
VISIT_LSOAS = 5

VISIT_COLUMNS = [
    "hub_id", "item", "rank", "lsoa21cd", "lsoa21nm", "ward_name", "priority_rank", "postcode", "venue_id", "name",
    "type", "address", "lat", "lon", "note",
]

NO_POSTCODE_FILE = "no postcode file for this study area (fetch writes postcodes.csv when the mirror has Code-Point Open)"
EMPTY_POSTCODE_FILE = ("the study area's postcode file lists no postcodes (Code-Point Open for this area was not in the "
                       "data mirror when fetch ran): use the LSOA boundary on the hub map")
NO_POSTCODES = "no postcode in the study area's postcode file falls in this LSOA"


def top_lsoas(lsoa: pd.DataFrame, hub_id: str, n: int = VISIT_LSOAS) -> pd.DataFrame:
    """A hub's ``n`` highest-priority LSOAs (priority rank order).

    Examples
    --------
    >>> df = pd.DataFrame({"lsoa21cd": ["a", "b", "c"], "hub_id": ["H", "H", "G"], "priority_rank": [3, 1, 2]})
    >>> top_lsoas(df, "H", 5)["lsoa21cd"].tolist()
    ['b', 'a']
    """
    sel = lsoa[lsoa["hub_id"] == hub_id]
    return sel.sort_values("priority_rank", kind="stable", na_position="last").head(n).reset_index(drop=True)


def postcode_sectors(postcodes) -> list[tuple[str, list[str]]]:
    """Group postcodes by sector for print: ``[("W10 6", ["AA", "AB"]), ...]``.

    Examples
    --------
    >>> postcode_sectors(["W10 6AB", "W10 6AA", "W9 1NZ", "BAD"])
    [('BAD', ['']), ('W10 6', ['AA', 'AB']), ('W9 1', ['NZ'])]
    """
    groups: dict[str, list[str]] = {}
    for pc in sorted(str(p).strip().upper() for p in postcodes):
        parts = pc.split()
        if len(parts) == 2 and len(parts[1]) == 3:
            groups.setdefault(f"{parts[0]} {parts[1][0]}", []).append(parts[1][1:])
        else:
            groups.setdefault(pc, []).append("")
    return sorted(groups.items())


def visit_list(result, hub_id: str, venues: pd.DataFrame, *, n_lsoas: int = VISIT_LSOAS,
               ranks: pd.Series | None = None) -> pd.DataFrame:
    """The visit list of one hub.

    Parameters
    ----------
    result : geo.build.BuildResult
        Gives the LSOAs (``priority_rank``, ``hub_id``) and ``public.postcodes``.
    ranks : Series, optional
        LSOA code -> published priority rank (NaN where withheld); the list follows it instead
        of the model's exact rank, so it says no more than the published tables.
    hub_id : str
    venues : DataFrame
        The hub's suggested venues (``rank, venue_id, name, type, address, postcode, lat,
        lon, covered_lsoas`` and ``covered_children_nearest_10``).
    n_lsoas : int
        How many top priority LSOAs to list postcodes for.

    Returns
    -------
    DataFrame
        :data:`VISIT_COLUMNS`: ``item`` is ``"leaflet postcode"`` (``rank`` = the LSOA's rank
        within the hub) or ``"suggested venue"`` (``rank`` = the venue's rank).

    Examples
    --------
    >>> v = visit_list(result, "WCC-BES", sites[sites["hub_id"] == "WCC-BES"])   # doctest: +SKIP
    """
    lsoa = result.lsoa
    if ranks is not None:  # the published (banded) rank: withheld ranks last, by need
        lsoa = lsoa.assign(priority_rank=lsoa["lsoa21cd"].map(ranks).astype(float))
        lsoa = lsoa.sort_values(["priority_rank", "need_score"], ascending=[True, False], na_position="last")
    top = top_lsoas(lsoa, hub_id, n_lsoas)
    pcs = result.public.postcodes
    rows = []
    for i, area in enumerate(top.itertuples(), start=1):
        base = {"hub_id": hub_id, "item": "leaflet postcode", "rank": i, "lsoa21cd": area.lsoa21cd,
                "lsoa21nm": area.lsoa21nm, "ward_name": getattr(area, "ward_name", ""), "priority_rank": area.priority_rank}
        if pcs is None:
            rows.append(base | {"note": NO_POSTCODE_FILE})
            continue
        inside = pcs[pcs["lsoa21cd"] == area.lsoa21cd].sort_values("postcode")
        if inside.empty:
            rows.append(base | {"note": EMPTY_POSTCODE_FILE if pcs.empty else NO_POSTCODES})
            continue
        lat = inside["latitude"] if "latitude" in inside else pd.Series(np.nan, index=inside.index)
        lon = inside["longitude"] if "longitude" in inside else pd.Series(np.nan, index=inside.index)
        for pc, y, x in zip(inside["postcode"], lat, lon):
            rows.append(base | {"postcode": pc, "lat": y, "lon": x})
    for v in venues.sort_values("rank").itertuples():
        children = getattr(v, "covered_children_nearest_10", np.nan)
        rows.append({
            "hub_id": hub_id, "item": "suggested venue", "rank": int(v.rank), "lsoa21cd": getattr(v, "lsoa21cd", ""),
            "postcode": v.postcode or "", "venue_id": v.venue_id, "name": v.name,
            "type": (getattr(v, "subtype", "") or str(v.type).replace("_", " ")),
            "address": v.address or "", "lat": v.lat, "lon": v.lon,
            "note": (f"brings {v.covered_lsoas} LSOA(s) within reach, "
                     + (f"about {children:,.0f} children not yet reached" if children > 0 else "under 5 children not yet reached (est.)")),
        })
    out = pd.DataFrame(rows, columns=VISIT_COLUMNS)
    for c in ("postcode", "venue_id", "name", "type", "address", "note", "lsoa21cd", "lsoa21nm", "ward_name"):
        out[c] = out[c].fillna("")
    out["priority_rank"] = out["priority_rank"].astype("Int64")
    return out
