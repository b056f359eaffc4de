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

__all__ = ["VISIT_COLUMNS", "VISIT_LSOAS", "top_lsoas", "visit_list", "postcode_sectors", "sector_columns",
           "postcode_lsoas"]

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
    """Full postcodes grouped by sector for print: ``[("W10 6", ["W10 6AA", "W10 6AB"]), ...]``.

    A value that is not a postcode (no inward code of 3 characters) is its own group.

    Examples
    --------
    >>> postcode_sectors(["W10 6AB", "w10 6aa", "W9 1NZ", "BAD"])
    [('BAD', ['BAD']), ('W10 6', ['W10 6AA', 'W10 6AB']), ('W9 1', ['W9 1NZ'])]
    """
    groups: dict[str, list[str]] = {}
    for pc in sorted({str(p).strip().upper() for p in postcodes}):
        parts = pc.split()
        key = f"{parts[0]} {parts[1][0]}" if len(parts) == 2 and len(parts[1]) == 3 else pc
        groups.setdefault(key, []).append(pc)
    return sorted(groups.items())


def sector_columns(postcodes, *, columns: int = 7, max_lines: int = 28) -> list[list[list[tuple[str, str]]]]:
    """Postcodes by sector laid out in columns for print: blocks (rows of up to ``columns`` columns,
    each at most ``max_lines`` lines) of columns of ``(kind, text)`` lines, ``kind`` ``"sector"``
    (a heading; ``"W10 6 (cont.)"`` when a sector goes on in the next column) or ``"postcode"``.
    Columns read top to bottom, then left to right; a heading never ends a column.

    Examples
    --------
    >>> blocks = sector_columns(["W10 6AA", "W10 6AB", "W9 1NZ"], columns=2, max_lines=3)
    >>> [[[t for _, t in col] for col in block] for block in blocks]
    [[['W10 6', 'W10 6AA', 'W10 6AB'], ['W9 1', 'W9 1NZ']]]
    """
    lines: list[tuple[str, str]] = []
    for sector, pcs in postcode_sectors(postcodes):
        lines += [("sector", sector)] + [("postcode", pc) for pc in pcs]
    height = max(4, min(max_lines, -(-len(lines) // columns)))
    cols: list[list[tuple[str, str]]] = []
    sector = ""
    for kind, text in lines:
        if kind == "sector":
            sector = text
        if not cols or len(cols[-1]) >= height or (kind == "sector" and len(cols[-1]) >= height - 1):
            cols.append([] if kind == "sector" else [("sector", f"{sector} (cont.)")])
        cols[-1].append((kind, text))
    return [cols[i:i + columns] for i in range(0, len(cols), columns)]


def postcode_lsoas(postcodes: pd.DataFrame, lsoa) -> pd.Series:
    """The LSOA of each postcode: its ``lsoa21cd`` column when the file has one, else the LSOA its
    grid reference (``easting, northing``, EPSG:27700) falls in (NaN outside every LSOA).

    Examples
    --------
    >>> postcode_lsoas(pd.DataFrame({"postcode": ["A1 1AA"], "lsoa21cd": ["E01"]}), None).tolist()
    ['E01']
    """
    if "lsoa21cd" in postcodes.columns:
        return postcodes["lsoa21cd"]
    import geopandas as gpd

    pts = gpd.GeoDataFrame(index=postcodes.index, geometry=gpd.points_from_xy(postcodes["easting"], postcodes["northing"]),
                           crs=27700)
    areas = gpd.GeoDataFrame(lsoa[["lsoa21cd"]], geometry=lsoa.geometry.to_numpy(), crs=27700)
    hit = gpd.sjoin(pts, areas, how="left", predicate="within")
    return hit[~hit.index.duplicated()]["lsoa21cd"].reindex(postcodes.index)


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
    pcs_lsoa = postcode_lsoas(pcs, result.lsoa) if pcs is not None and len(pcs) else None
    rows = []
    for i, area in enumerate(top.itertuples(), start=1):
        base = {"hub_id": hub_id, "item": "leaflet postcode", "rank": i, "lsoa21cd": area.lsoa21cd,
                "lsoa21nm": area.lsoa21nm, "ward_name": getattr(area, "ward_name", ""), "priority_rank": area.priority_rank}
        if pcs is None:
            rows.append(base | {"note": NO_POSTCODE_FILE})
            continue
        inside = (pcs[pcs_lsoa == area.lsoa21cd] if pcs_lsoa is not None else pcs.iloc[:0]).sort_values("postcode")
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
