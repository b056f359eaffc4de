"""Hubs, spokes and candidate venues: locate every site (lat/lon, easting/northing or postcode)
and check the hub and spoke rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputProblem, ValidationError
from geo.inputs.counts import FileReport, _duplicates, _require_text
from geo.inputs.postcodes import POSTCODE, normalise_postcode
from geo.inputs.read import examples, file_rows, read_table

__all__ = ["validate_sites", "inside_area", "POSTCODE"]



def _locate(t: pd.DataFrame, path: Path, problems: list, postcodes: pd.DataFrame | None) -> pd.DataFrame:
    """Turn lat+lon, easting+northing or postcode columns into easting/northing (EPSG:27700)."""
    from pyproj import Transformer

    e = pd.Series(np.nan, index=t.index)
    n = pd.Series(np.nan, index=t.index)
    how = pd.Series(pd.NA, index=t.index, dtype="string")
    if {"easting", "northing"} <= set(t.columns):
        ee = pd.to_numeric(t["easting"], errors="coerce")
        nn = pd.to_numeric(t["northing"], errors="coerce")
        given = t["easting"].notna() | t["northing"].notna()
        bad = given & (ee.isna() | nn.isna() | ~ee.between(0, 700_000) | ~nn.between(0, 1_300_000))
        if bad.any():
            problems.append(InputProblem(path, "easting/northing are not British National Grid metres", column="easting", rows=file_rows(t, bad)))
        ok = given & ~bad
        e[ok], n[ok], how[ok] = ee[ok], nn[ok], "easting/northing"
    if {"lat", "lon"} <= set(t.columns):
        lat = pd.to_numeric(t["lat"], errors="coerce")
        lon = pd.to_numeric(t["lon"], errors="coerce")
        given = how.isna() & (t["lat"].notna() | t["lon"].notna())
        bad = given & (lat.isna() | lon.isna() | ~lat.between(49.8, 55.9) | ~lon.between(-6.5, 2.0))
        if bad.any():
            problems.append(InputProblem(path, "lat/lon are not WGS84 degrees inside England (lat 49.8-55.9, lon -6.5-2.0)",
                                         column="lat", rows=file_rows(t, bad)))
        ok = given & ~bad
        if ok.any():
            x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon[ok].to_numpy(), lat[ok].to_numpy())
            e[ok], n[ok], how[ok] = x, y, "lat/lon"
    if "postcode" in t.columns:
        need = how.isna() & t["postcode"].notna()
        norm = normalise_postcode(t["postcode"])
        valid = norm.notna()
        bad = need & ~valid
        if bad.any():
            problems.append(InputProblem(path, f"postcode cannot be parsed ({examples(t.loc[bad, 'postcode'])})",
                                         column="postcode", rows=file_rows(t, bad)))
        look = need & valid
        if look.any():
            if postcodes is None:
                problems.append(InputProblem(path, "postcodes need the Code-Point postcode file, which fetch did not find: give lat/lon or easting/northing",
                                             column="postcode", rows=file_rows(t, look)))
            else:
                pc = postcodes.drop_duplicates("postcode").set_index("postcode")
                found = norm.isin(pc.index)
                nf = look & ~found
                if nf.any():
                    problems.append(InputProblem(path, f"postcode not found in the Code-Point file for the study area ({examples(norm[nf])})",
                                                 column="postcode", rows=file_rows(t, nf)))
                ok = look & found
                e[ok] = norm[ok].map(pc["easting"]).astype(float)
                n[ok] = norm[ok].map(pc["northing"]).astype(float)
                how[ok] = "postcode centroid"
    nowhere = how.isna() & ~t["_row"].isin([r for p in problems for r in p.rows])
    if nowhere.any():
        problems.append(InputProblem(path, "no location: give lat+lon, easting+northing or postcode", column="lat", rows=file_rows(t, nowhere)))
    return t.assign(easting=e, northing=n, located_by=how)


def inside_area(area, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``shapely.contains_xy(union of area, x, y)`` without computing the union.

    Parameters
    ----------
    area : shapely geometry, or GeoSeries / array of polygons
        One geometry is tested directly. For polygons, a point strictly inside one of them
        is inside their union; a point on a polygon's boundary is inside the union only if
        the polygons touching it close around it, which is decided by the union of those few
        polygons alone (near a point, the union is made only of the polygons that touch the
        point). So the result equals ``contains_xy(union_all(area), x, y)``
        while the union of a whole country's LSOAs (tens of seconds) is never formed.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> inside_area([box(0, 0, 1, 1), box(1, 0, 2, 1)], np.array([0.5, 1.0, 2.0, 3.0]), np.array([0.5, 0.5, 0.5, 0.5])).tolist()
    [True, True, False, False]
    """
    import shapely

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if isinstance(area, shapely.Geometry):
        return shapely.contains_xy(area, x, y)
    polys = np.asarray(getattr(area, "array", area), dtype=object)
    inside = np.zeros(len(x), dtype=bool)
    if not len(x) or not len(polys):
        return inside
    tree = shapely.STRtree(polys)
    pts = shapely.points(x, y)
    hit, _ = tree.query(pts, predicate="within")
    inside[hit] = True
    rest = np.flatnonzero(~inside)
    if len(rest):
        pt_i, poly_i = tree.query(pts[rest], predicate="intersects")  # sorted by point
        cuts = np.flatnonzero(np.diff(pt_i)) + 1
        for i, polys_i in zip(pt_i[np.r_[0, cuts]] if len(pt_i) else [], np.split(poly_i, cuts)):
            j = rest[i]
            inside[j] = bool(shapely.contains_xy(shapely.union_all(polys[polys_i]), x[j], y[j]))
    return inside


def _hub_rules(t: pd.DataFrame, path: Path, problems: list) -> None:
    """One spelling per hub_id; at least one hub; every ``parent_hub_id`` exists and is a hub; no spoke chain loops back on itself."""
    key = t["hub_id"].str.casefold().str.replace(r"\s+", "", regex=True)
    spellings = t["hub_id"].groupby(key).transform("nunique")
    near = key.notna() & (spellings > 1)
    if near.any():
        problems.append(InputProblem(path, f"hub_id values differ only in capitals or spaces ({examples(t.loc[near, 'hub_id'], n=6)}): "
                                     "one hub must have one hub_id", column="hub_id", rows=file_rows(t, near)))
    st = t["site_type"]
    if st.notna().any() and not (st == "hub").any():
        problems.append(InputProblem(path, "no row has site_type 'hub': at least one hub is needed (spokes belong to a hub)",
                                     column="site_type", rows=file_rows(t, st.notna())))
    if "parent_hub_id" not in t.columns:
        return
    parent = t["parent_hub_id"]
    ids = t["hub_id"]
    has = parent.notna()
    kind_of = pd.Series(st.to_numpy(), index=ids.to_numpy())
    kind_of = kind_of[~kind_of.index.duplicated()]
    missing = has & ~parent.isin(ids)
    if missing.any():
        problems.append(InputProblem(path, f"parent_hub_id is not a hub_id in this file ({examples(parent[missing])})",
                                     column="parent_hub_id", rows=file_rows(t, missing)))
    hub_with_parent = has & (st == "hub")
    if hub_with_parent.any():
        problems.append(InputProblem(path, "a hub cannot have a parent_hub_id (only spokes belong to a hub): "
                                     "leave it empty or make the row a spoke", column="parent_hub_id", rows=file_rows(t, hub_with_parent)))
    to_spoke = has & ~missing & parent.map(kind_of).eq("spoke").fillna(False)
    if to_spoke.any():
        problems.append(InputProblem(path, f"parent_hub_id names a spoke, not a hub ({examples(parent[to_spoke])}): "
                                     "a spoke's parent must be a hub", column="parent_hub_id", rows=file_rows(t, to_spoke)))
    links = dict(zip(ids[has], parent[has]))
    in_cycle = set()
    for start in links:
        seen, node = [], start
        while node in links and node not in seen:
            seen.append(node)
            node = links[node]
        if node in seen:
            in_cycle.update(seen[seen.index(node):])
    if in_cycle:
        cyc = ids.isin(in_cycle) & has
        problems.append(InputProblem(path, f"parent_hub_id links go round in a cycle ({examples(sorted(in_cycle), n=6)})",
                                     column="parent_hub_id", rows=file_rows(t, cyc)))


def validate_sites(path: Path, kind: str, *, postcodes: pd.DataFrame | None = None, study_area=None,
                   sheet: str | None = None) -> tuple[pd.DataFrame, FileReport]:
    """Validate a hubs or venues file and locate every site.

    Parameters
    ----------
    path : Path
        The extract.
    kind : {"hubs", "venues"}
        Hubs are checked against the hub and spoke rules: at least one hub, every
        ``parent_hub_id`` names a hub of the file (not a spoke), hubs have no parent, no cycles.
    postcodes : DataFrame, optional
        ``postcode, easting, northing`` for geocoding.
    study_area : shapely geometry, or a GeoSeries / array of polygons, optional
        Venues outside it are excluded and counted; hubs outside it are kept (they may
        serve residents over the border) and noted. Polygons (the study area's LSOAs) are
        tested as their union without computing it (see :func:`inside_area`).
    sheet : str, optional
        The XLSX sheet to read (default: the first).

    Returns
    -------
    (DataFrame, FileReport)
        Columns ``<id>, name, type/site_type, la_code, easting, northing, located_by`` and
        for venues ``available``.
    """
    path = Path(path)
    idc = "hub_id" if kind == "hubs" else "venue_id"
    required = ["hub_id", "name", "la_code", "site_type"] if kind == "hubs" else ["venue_id", "name", "type"]
    optional = ["lat", "lon", "easting", "northing", "postcode", "available", "address", "subtype", "lsoa21cd", "parent_hub_id", "note",
                "postcode_note"]
    t = read_table(path, required, optional, alternatives=[["lat", "lon"], ["easting", "northing"], ["postcode"]], sheet=sheet)
    report = FileReport(kind, str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    for c in required:
        _require_text(t, c, path, problems)
    _duplicates(t, [idc], path, problems, idc)
    if kind == "hubs":
        st = t["site_type"].str.lower()
        bad = t["site_type"].notna() & ~st.isin(["hub", "spoke"])
        if bad.any():
            problems.append(InputProblem(path, f"site_type must be 'hub' or 'spoke' ({examples(t.loc[bad, 'site_type'])})",
                                         column="site_type", rows=file_rows(t, bad)))
        bad_la = t["la_code"].notna() & ~t["la_code"].str.fullmatch(r"E0[6789]\d{6}").fillna(False)
        if bad_la.any():
            problems.append(InputProblem(path, "la_code is not an English LA code (E06/E07/E08/E09…)", column="la_code", rows=file_rows(t, bad_la)))
        t["site_type"] = st
        _hub_rules(t, path, problems)
    if "available" in t.columns:
        av = t["available"].str.lower()
        truthy = av.isin(["true", "yes", "y", "1"])
        falsy = av.isin(["false", "no", "n", "0"])
        bad = av.notna() & ~truthy & ~falsy
        if bad.any():
            problems.append(InputProblem(path, "available must be true or false", column="available", rows=file_rows(t, bad)))
        t["available"] = ~falsy
    else:
        t["available"] = True
    t = _locate(t, path, problems, postcodes)
    if problems:
        raise ValidationError(problems)
    if kind == "venues":
        off = ~t["available"]
        report.exclude("venue marked not available", int(off.sum()))
        t = t[~off]
    if study_area is not None:
        inside = inside_area(study_area, t["easting"].to_numpy(), t["northing"].to_numpy())
        if kind == "venues":
            report.exclude("venue outside the study area", int((~inside).sum()))
            t = t[inside]
        elif (~inside).any():
            report.notes.append(f"{int((~inside).sum())} hub site(s) outside the study area kept (they may serve residents over the border)")
    report.rows_used = len(t)
    return t.drop(columns=["_row"]).reset_index(drop=True), report
