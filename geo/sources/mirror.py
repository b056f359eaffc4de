"""The mirror's files (laid out like ``shared/data``) and their readers, clipped to a study area.

:data:`MIRROR_FILES` must be present; :data:`OPTIONAL_FILES` are used where present. Each
reader returns a standardised frame (lower-case codes, EPSG:27700 geometry) for
:func:`geo.sources.fetch.fetch` to write.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.config import Config
from geo.errors import DataError
from geo.sources.attribution import OGL
from geo.sources.national import LIBRARY_TYPES, NATIONAL_FILES, mirror_file, nearest_postcodes, study_postcodes
from geo.spatial import dissolve

__all__ = ["MIRROR_FILES", "OPTIONAL_FILES", "SCHOOL_PHASES"]

# Files read from a mirror laid out like shared/data: key -> (relative path, layer, publisher, licence)
MIRROR_FILES: dict[str, tuple[str, str | None, str, str]] = {
    "lsoa21_boundaries": ("boundaries/lsoa21_england_bgc.gpkg", "lsoa21_england", "ONS LSOA (Dec 2021) Boundaries EW BGC", OGL),
    "wards": ("boundaries/wards_wd25_london_bgc.gpkg", "wards_wd25_london", "ONS Wards (May 2025) Boundaries UK BGC", OGL),
    "imd2025": ("reference/imd2025_lsoa21_england.csv", None, "MHCLG English Indices of Deprivation 2025 (File 7)", OGL),
    "lookup_ward": ("reference/lookup_lsoa21_ward24_lad24_bestfit_ew.csv", None, "ONS LSOA21 to Ward 2024 best-fit lookup", OGL),
    "lookup_lsoa11": ("reference/lookup_lsoa11_lsoa21_lad22_ew.csv", None, "ONS LSOA 2011 to LSOA 2021 lookup", OGL),
    "census_age": ("reference/census2021_age6_usual_residents_lsoa21_ew.csv", None, "ONS Census 2021 usual residents by age", OGL),
}
# Optional files: used where present. Postcodes and venues: the England-wide files, else the
# study-area files (geo.sources.national.mirror_file chooses; these are the England-wide ones).
OPTIONAL_FILES: dict[str, tuple[str, str | None, str, str]] = dict(NATIONAL_FILES)
OPTIONAL_FILES["imd2025_indicators"] = ("reference/imd2025_indicators_lsoa21_england.csv", None, "MHCLG IoD2025 File 8 underlying indicators", OGL)
IDACI_NUMERATOR = "income_deprivation_affecting_children_index_idaci_numerator"
FILE7_GLOB = "reference/imd2025_file7_full_lsoa21_*.csv"

#: Default GIAS phases kept as candidate venues (``[data] venue_school_phases`` overrides it).
SCHOOL_PHASES = {"Nursery", "Primary", "All-through"}


def _in_clause(col: str, codes: tuple[str, ...]) -> str | None:
    if codes == ("all",):
        return None
    return f"{col} IN ({', '.join(repr(c) for c in codes)})"


def _lsoas(mirror: Path, config: Config) -> gpd.GeoDataFrame:
    rel, layer, *_ = MIRROR_FILES["lsoa21_boundaries"]
    gdf = pyogrio.read_dataframe(
        mirror / rel, layer=layer, columns=["LSOA21CD", "LSOA21NM", "LAD25CD"],
        where=_in_clause("LAD25CD", config.la_codes), use_arrow=True,
    )
    gdf = gdf[gdf["LSOA21CD"].str.startswith("E01")]
    if config.la_codes != ("all",):
        missing = sorted(set(config.la_codes) - set(gdf["LAD25CD"]))
        if missing:
            raise DataError(
                f"{config.path}: la_codes {missing} have no LSOAs in {mirror / rel} (column LAD25CD): "
                "check the codes are current English LA district codes"
            )
    gdf = gdf.rename(columns={"LSOA21CD": "lsoa21cd", "LSOA21NM": "lsoa21nm", "LAD25CD": "lad_code"})
    gdf = gdf.to_crs(27700) if gdf.crs is not None and gdf.crs.to_epsg() != 27700 else gdf
    gdf["geometry"] = gdf.geometry.make_valid() if (~gdf.geometry.is_valid).any() else gdf.geometry
    return gdf.sort_values("lsoa21cd").reset_index(drop=True)


def _ward_lookup(mirror: Path, codes: pd.Index) -> pd.DataFrame:
    rel = MIRROR_FILES["lookup_ward"][0]
    lk = pd.read_csv(mirror / rel, dtype=str, usecols=["LSOA21CD", "WD24CD", "WD24NM", "LAD24CD", "LAD24NM"])
    lk = lk[lk["LSOA21CD"].isin(codes)].rename(
        columns={"LSOA21CD": "lsoa21cd", "WD24CD": "ward_code", "WD24NM": "ward_name", "LAD24CD": "ward_lad_code", "LAD24NM": "ward_lad_name"}
    )
    return lk.sort_values("lsoa21cd").reset_index(drop=True)


def _wards(mirror: Path, lsoa: gpd.GeoDataFrame, lookup: pd.DataFrame) -> gpd.GeoDataFrame:
    """ONS ward polygons where every ward of an LA is present, else dissolved from LSOAs."""
    rel, layer, *_ = MIRROR_FILES["wards"]
    wanted = lookup.drop_duplicates("ward_code")[["ward_code", "ward_name", "ward_lad_code"]]
    ons = None
    if (mirror / rel).exists():
        ons = pyogrio.read_dataframe(
            mirror / rel, layer=layer, columns=["WD25CD", "WD25NM"],
            where=f"WD25CD IN ({', '.join(repr(c) for c in wanted['ward_code'])})" if len(wanted) < 5000 else None,
            use_arrow=True,
        )
        ons = ons[ons["WD25CD"].isin(wanted["ward_code"])].to_crs(27700)
    parts = []
    derived_lads = []
    for lad, group in wanted.groupby("ward_lad_code", sort=True):
        if ons is not None and set(group["ward_code"]) <= set(ons["WD25CD"]):
            g = ons[ons["WD25CD"].isin(group["ward_code"])].rename(columns={"WD25CD": "ward_code"})[["ward_code", "geometry"]]
            g = g.merge(group, on="ward_code")
            g["ward_source"] = "ONS ward boundaries (BGC)"
            parts.append(g)
        else:
            derived_lads.append(lad)
    if derived_lads:
        # every derived LA at once: one join and one dissolve by (LA, ward), as LA by LA before
        links = lookup[lookup["ward_lad_code"].isin(derived_lads)][["lsoa21cd", "ward_lad_code", "ward_code"]]
        sub = lsoa[["lsoa21cd", "geometry"]].merge(links, on="lsoa21cd")
        g = dissolve(sub[["ward_lad_code", "ward_code", "geometry"]], ["ward_lad_code", "ward_code"], {})
        g = g[["ward_lad_code", "ward_code", "geometry"]].merge(wanted, on=["ward_code", "ward_lad_code"])
        g["ward_source"] = "derived: LSOAs dissolved on ONS best-fit lookup"
        parts.append(g[["ward_code", "geometry", "ward_name", "ward_lad_code", "ward_source"]])
    wards = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=27700)
    wards = wards.rename(columns={"ward_lad_code": "lad_code"})
    return wards[["ward_code", "ward_name", "lad_code", "ward_source", "geometry"]].sort_values("ward_code").reset_index(drop=True)


def _imd(mirror: Path, codes: pd.Index) -> tuple[pd.DataFrame, list[Path]]:
    rel = MIRROR_FILES["imd2025"][0]
    imd = pd.read_csv(mirror / rel)
    imd = imd[imd["LSOA21CD"].isin(codes)]
    keep = ["LSOA21CD"] + [c for c in imd.columns if c.endswith(("_score", "_decile", "_rank")) and c.split("_")[0][0].isupper()]
    imd = imd[keep].rename(columns=lambda c: "lsoa21cd" if c == "LSOA21CD" else c.lower())
    used = [mirror / rel]
    idaci = []
    for f7 in sorted(mirror.glob(FILE7_GLOB)):
        t = pd.read_csv(f7, usecols=["LSOA21CD", "IDACI_score", "IDACI_rank", "IDACI_decile"])
        idaci.append(t[t["LSOA21CD"].isin(codes)])
        used.append(f7)
    if idaci:
        t = pd.concat(idaci).drop_duplicates("LSOA21CD").rename(
            columns={"LSOA21CD": "lsoa21cd", "IDACI_score": "idaci_score", "IDACI_rank": "idaci_rank", "IDACI_decile": "idaci_decile"}
        )
        imd = imd.merge(t, on="lsoa21cd", how="left")
    else:
        imd[["idaci_score", "idaci_rank", "idaci_decile"]] = np.nan
    imd["idaci_source"] = np.where(imd["idaci_score"].notna(), "IoD2025 File 7", "")
    # Where official IDACI is not in the mirror, estimate it as the File 8 IDACI numerator over
    # Census 2021 age 0-15 (Spearman 0.99 against the official score in the bi-borough).
    ind_rel = OPTIONAL_FILES["imd2025_indicators"][0]
    if imd["idaci_score"].isna().any() and (mirror / ind_rel).exists():
        ind = pd.read_csv(mirror / ind_rel, usecols=["LSOA21CD", IDACI_NUMERATOR])
        ind = ind[ind["LSOA21CD"].isin(codes)].set_index("LSOA21CD")[IDACI_NUMERATOR]
        pop = _population(mirror, codes).set_index("lsoa21cd")["pop_0_15"]
        est = (imd["lsoa21cd"].map(ind) / imd["lsoa21cd"].map(pop).where(lambda p: p > 0)).clip(0, 1)
        fill = imd["idaci_score"].isna() & est.notna()
        imd.loc[fill, "idaci_score"] = est[fill].round(4)
        imd.loc[fill, "idaci_source"] = "estimated: File 8 IDACI numerator / Census 2021 age 0-15"
        used.append(mirror / ind_rel)
    return imd.sort_values("lsoa21cd").reset_index(drop=True), used


def _population(mirror: Path, codes: pd.Index) -> pd.DataFrame:
    rel = MIRROR_FILES["census_age"][0]
    pop = pd.read_csv(mirror / rel, usecols=["LSOA21CD", "total", "age_0_15"])
    pop = pop[pop["LSOA21CD"].isin(codes)].rename(
        columns={"LSOA21CD": "lsoa21cd", "total": "pop_total", "age_0_15": "pop_0_15"}
    )
    return pop.sort_values("lsoa21cd").reset_index(drop=True)


def _lsoa11(mirror: Path, codes: pd.Index) -> pd.DataFrame:
    rel = MIRROR_FILES["lookup_lsoa11"][0]
    lk = pd.read_csv(mirror / rel, dtype=str, usecols=["LSOA11CD", "LSOA21CD", "CHGIND"])
    lk = lk[lk["LSOA21CD"].isin(codes)].rename(columns={"LSOA11CD": "lsoa11cd", "LSOA21CD": "lsoa21cd", "CHGIND": "chgind"})
    return lk.sort_values(["lsoa11cd", "lsoa21cd"]).reset_index(drop=True)


def _code_register(mirror: Path) -> pd.DataFrame:
    """Every LSOA 2021, LSOA 2011 and ward code of England and Wales with its LA.

    Used only to tell an unknown code from a valid code outside the study area.
    """
    wl = pd.read_csv(mirror / MIRROR_FILES["lookup_ward"][0], dtype=str, usecols=["LSOA21CD", "WD24CD", "LAD24CD"])
    l11 = pd.read_csv(mirror / MIRROR_FILES["lookup_lsoa11"][0], dtype=str, usecols=["LSOA11CD", "LAD22CD"])
    reg = pd.concat([
        pd.DataFrame({"code": wl["LSOA21CD"], "geography": "lsoa21", "lad_code": wl["LAD24CD"]}),
        pd.DataFrame({"code": wl["WD24CD"], "geography": "ward", "lad_code": wl["LAD24CD"]}),
        pd.DataFrame({"code": l11["LSOA11CD"], "geography": "lsoa11", "lad_code": l11["LAD22CD"]}),
    ])
    return reg.drop_duplicates(["code", "geography"]).sort_values(["geography", "code"]).reset_index(drop=True)


def _postcodes(mirror: Path, lsoa: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """The study area's postcodes with their LSOA 2021 (see :func:`geo.sources.national.study_postcodes`)."""
    found = study_postcodes(mirror, lsoa)
    return None if found is None else found[0]


def _points_in(gdf: gpd.GeoDataFrame, lsoa: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    gdf = gdf.to_crs(27700)
    j = gpd.sjoin(gdf, lsoa[["lsoa21cd", "lad_code", "geometry"]], how="inner", predicate="within")
    return j[~j.index.duplicated()].drop(columns="index_right")


def _read_points(mirror: Path, key: str, lsoa: gpd.GeoDataFrame, keep=None) -> gpd.GeoDataFrame | None:
    """Points of an optional mirror layer inside the study-area LSOAs (None if absent or empty)."""
    meta = mirror_file(mirror, key)
    if meta is None:
        return None
    rel, layer, *_ = meta
    gdf = pyogrio.read_dataframe(mirror / rel, layer=layer, bbox=tuple(lsoa.total_bounds), use_arrow=True)
    if keep is not None:
        gdf = gdf[keep(gdf)]
    gdf = _points_in(gdf, lsoa)
    return gdf if len(gdf) else None


def _venue_frame(g: gpd.GeoDataFrame, ids, names, vtype: str, subtype, address, postcode, note="") -> pd.DataFrame:
    from geo.inputs.postcodes import normalise_postcode

    postcode = normalise_postcode(pd.Series(postcode, index=g.index, dtype=object)).fillna("")
    return pd.DataFrame({
        "venue_id": ids, "name": names, "type": vtype, "subtype": subtype, "address": address, "postcode": postcode,
        "postcode_note": note, "easting": g.geometry.x, "northing": g.geometry.y, "lsoa21cd": g["lsoa21cd"],
        "la_code": g["lad_code"],
    })


def _join_address(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    parts = df[[c for c in cols if c in df.columns]].fillna("").astype(str)
    return parts.apply(lambda r: ", ".join(p.strip() for p in r if p.strip()), axis=1)


#: ``postcode_note`` of a school: GIAS has no address, so the nearest Code-Point postcode stands in.
SCHOOL_POSTCODE_NOTE = "nearest postcode (GIAS gives no address)"


def _venues(mirror: Path, lsoa: gpd.GeoDataFrame, phases: tuple[str, ...] = tuple(sorted(SCHOOL_PHASES)),
            postcodes: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Candidate outreach venues from the public data: schools of ``phases`` (``("all",)``: every
    open school; default nursery, primary and all-through), GP practices, and open static libraries
    (``year_closed`` empty, operating in 2023, type in :data:`~geo.sources.national.LIBRARY_TYPES`).

    GP practices and libraries carry their address and postcode from their files; schools
    (no address in GIAS) the nearest of ``postcodes``, said so in ``postcode_note``.
    """
    frames = []
    keep = None if tuple(phases) == ("all",) else (lambda d: d["education_phase"].isin(list(phases)))
    s = _read_points(mirror, "schools", lsoa, keep=keep)
    if s is not None:
        near = nearest_postcodes(s.geometry.x.to_numpy(), s.geometry.y.to_numpy(), postcodes)["postcode"].to_numpy()
        frames.append(_venue_frame(s, "URN" + s["urn"].astype("int64").astype(str), s["establishment_name"], "school",
                                   s["education_phase"] + " (" + s["establishment_type"] + ")", "", near,
                                   np.where(near != "", SCHOOL_POSTCODE_NOTE, "")))
    g = _read_points(mirror, "gp_practices", lsoa)
    if g is not None:
        frames.append(_venue_frame(g, "ODS" + g["org_code"].astype(str), g["name"].str.title(), "gp_practice", "GP practice",
                                   _join_address(g, ["address_1", "address_2", "address_3", "address_4"]).str.title(), g["postcode"]))
    lib = _read_points(mirror, "libraries", lsoa, keep=_open_library)
    if lib is not None:
        uprn = pd.to_numeric(lib["unique_property_reference_number"], errors="coerce")
        ids = "LIB" + uprn.map(lambda u: "" if pd.isna(u) else str(int(u)))
        ids = ids.where(uprn.notna(), "LIB-" + lib["name"].str.upper().str.replace(r"[^A-Z0-9]+", "-", regex=True))
        names = lib["name"].where(lib["name"].str.contains("library", case=False), lib["name"] + " Library")
        frames.append(_venue_frame(lib, ids, names, "library", lib["type"].fillna("library"),
                                   _join_address(lib, ["address_1", "address_2"]), lib["postcode"]))
    if not frames:
        return None
    v = pd.concat(frames, ignore_index=True)
    v["available"] = True
    v = v.drop_duplicates("venue_id").sort_values(["type", "venue_id"]).reset_index(drop=True)
    v[["easting", "northing"]] = v[["easting", "northing"]].round(1)
    return v


def _open_library(d: pd.DataFrame) -> pd.Series:
    """Open static libraries: not closed, operating in 2023, of a kept type."""
    return d["year_closed"].isna() & d["operation_in_2023"].notna() & d["type"].isin(LIBRARY_TYPES)
