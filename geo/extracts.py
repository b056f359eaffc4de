"""Validate the service extracts and account for every row.

Schemas (documented for users in ``data/extracts/README.md``):

===============  =====================================================================
review_takeup    area_code, period, eligible, completed
hub_attendance   area_code, hub_id, period, children
hubs             hub_id, name, la_code, site_type (hub|spoke), lat+lon | easting+northing | postcode
venues           venue_id, name, type, lat+lon | easting+northing | postcode, [available]
under5           area_code, under5
hub_areas        ward_code, hub_id
===============  =====================================================================

Each ``validate_*`` function collects every problem in a file before raising
:class:`~geo.errors.ValidationError`, and returns the usable rows with a
:class:`FileReport` whose counts balance: rows in = rows used + rows excluded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputProblem, ValidationError
from geo.tables import file_rows, read_table

__all__ = [
    "CodeRegister",
    "FileReport",
    "validate_review_takeup",
    "validate_hub_attendance",
    "validate_sites",
    "inside_area",
    "validate_under5",
    "validate_hub_areas",
    "apportion",
    "POSTCODE",
]

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
GEOGRAPHY = {
    "E00": "output area", "E01": "LSOA", "E02": "MSOA", "E04": "parish", "E05": "ward",
    "E06": "local authority", "E07": "local authority", "E08": "local authority",
    "E09": "local authority", "E10": "county", "E12": "region", "E14": "constituency",
    "W01": "Welsh LSOA", "W05": "Welsh ward", "S01": "Scottish data zone",
}


@dataclass
class FileReport:
    """Row accounting for one input file: ``rows_in == rows_used + sum(excluded)``."""

    kind: str
    file: str
    rows_in: int = 0
    rows_used: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def exclude(self, reason: str, n: int) -> None:
        if n:
            self.excluded[reason] = self.excluded.get(reason, 0) + int(n)

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_used + sum(self.excluded.values())

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "file": self.file, "rows_in": self.rows_in, "rows_used": self.rows_used,
            "rows_excluded": sum(self.excluded.values()), "excluded_by_reason": dict(sorted(self.excluded.items())),
            "balanced": self.balanced, "notes": self.notes,
        }


@dataclass(frozen=True)
class CodeRegister:
    """What each area code is, for the study area and for England.

    Parameters
    ----------
    lsoa21 : Series
        LSOA 2021 code -> LA code, for all of England and Wales.
    ward : Series
        Ward code -> LA code, for all of England and Wales (best-fit lookup vintage).
    lsoa11_codes : Index
        Every LSOA 2011 code of England and Wales.
    lsoa11 : DataFrame
        The LSOA 2011 -> 2021 lookup (lsoa11cd, lsoa21cd, chgind) for the study area.
    study_lsoas : Index
        LSOA 2021 codes of the study area.
    study_wards : Index
        Ward codes of the study area.
    lsoa_ward : Series
        Study-area LSOA 2021 code -> ward code.
    weight : Series
        Study-area LSOA -> apportionment weight (estimated under-5s).
    """

    lsoa21: pd.Series
    ward: pd.Series
    lsoa11_codes: pd.Index
    lsoa11: pd.DataFrame
    study_lsoas: pd.Index
    study_wards: pd.Index
    lsoa_ward: pd.Series
    weight: pd.Series

    def classify(self, codes: pd.Series) -> pd.Series:
        """Label each code: lsoa21, lsoa11, ward, or a reason it cannot be used."""
        return _per_unique(codes, self._classify)

    def _classify(self, codes: pd.Series) -> pd.Series:
        c = codes.astype("string").str.upper().astype(object)  # object dtype: hash-based isin
        out = pd.Series("unknown", index=codes.index, dtype=object)
        prefix = c.str[:3]
        well_formed = c.str.fullmatch(r"[EWS]\d{8}").fillna(False).astype(bool)
        out[~well_formed] = "malformed"
        is21 = c.isin(self.lsoa21.index)
        is11 = c.isin(self.lsoa11_codes) & ~is21
        isward = c.isin(self.ward.index)
        out[well_formed & is21] = "lsoa21"
        out[well_formed & is11] = "lsoa11"
        out[well_formed & isward] = "ward"
        other = well_formed & ~is21 & ~is11 & ~isward & ~prefix.isin(["E01", "E05", "W01", "W05"]) & prefix.isin(list(GEOGRAPHY))
        out[other] = "wrong_geography"
        return out


def _per_unique(s: pd.Series, fn) -> pd.Series:
    """``fn(s)`` for an ``fn`` that treats each value on its own, computed on the distinct values.

    Extracts repeat each area code and count many times (every period, every hub), so the
    string work is done once per distinct value and the results are taken back to the rows.
    """
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    if 2 * len(uniq) >= len(s):
        return fn(s)
    # the distinct values and, last, the missing value (take with -1 fills it in)
    values = pd.Series(pd.api.extensions.take(uniq, np.r_[np.arange(len(uniq)), -1], allow_fill=True), name=s.name)
    res = fn(values)
    out = res.iloc[np.where(codes < 0, len(uniq), codes)]
    out.index = s.index
    return out


def _counts(frame: pd.DataFrame, col: str, path: Path, problems: list) -> pd.Series:
    """Parse a count column: whole numbers >= 0, naming every bad row."""
    s = frame[col]
    missing = s.isna()
    if missing.any():
        problems.append(InputProblem(path, "value is missing", column=col, rows=file_rows(frame, missing)))
    num = _per_unique(s, lambda v: pd.to_numeric(v.str.replace(",", "", regex=False), errors="coerce"))
    bad = ~missing & num.isna()
    if bad.any():
        examples = ", ".join(repr(v) for v in s[bad].unique()[:3])
        problems.append(InputProblem(path, f"is not a number ({examples})", column=col, rows=file_rows(frame, bad)))
    frac = num.notna() & (num != np.floor(num))
    if frac.any():
        problems.append(InputProblem(path, "must be a whole number of children", column=col, rows=file_rows(frame, frac)))
    neg = num < 0
    if neg.any():
        problems.append(InputProblem(path, "must not be negative", column=col, rows=file_rows(frame, neg.fillna(False))))
    return num


def _require_text(frame: pd.DataFrame, col: str, path: Path, problems: list) -> None:
    missing = frame[col].isna()
    if missing.any():
        problems.append(InputProblem(path, "value is missing", column=col, rows=file_rows(frame, missing)))


def _area_codes(frame: pd.DataFrame, path: Path, register: CodeRegister, report: FileReport, problems: list,
                *, allow_ward: bool = True, col: str = "area_code") -> pd.Series:
    """Classify codes, record problems, and return the kind per row (in-area rows only)."""
    codes = frame[col].str.upper()
    kind = register.classify(codes)
    for label, message in [
        ("malformed", "is not an ONS area code (expected e.g. E01004736 for an LSOA or E05013806 for a ward)"),
        ("unknown", "is not a known LSOA 2011, LSOA 2021 or ward code (check for typos or a retired code)"),
    ]:
        m = (kind == label) & codes.notna()
        if m.any():
            ex = ", ".join(codes[m].unique()[:3])
            problems.append(InputProblem(path, f"{message}: {ex}", column=col, rows=file_rows(frame, m)))
    wrong = kind == "wrong_geography"
    if wrong.any():
        geos = sorted({GEOGRAPHY.get(c[:3], c[:3]) for c in codes[wrong]})
        problems.append(InputProblem(
            path, f"codes are of the wrong geography ({', '.join(geos)}: {', '.join(codes[wrong].unique()[:3])}); "
            "give LSOA 2021 codes (E01…)" + (" or ward codes (E05…)" if allow_ward else ""),
            column=col, rows=file_rows(frame, wrong)))
    if not allow_ward and (kind == "ward").any():
        m = kind == "ward"
        problems.append(InputProblem(path, f"ward codes are not accepted here; give LSOA 2021 codes ({', '.join(codes[m].unique()[:3])})",
                                     column=col, rows=file_rows(frame, m)))
    return kind


def _in_study(codes: pd.Series, kind: pd.Series, register: CodeRegister) -> pd.Series:
    codes = codes.astype(object)  # object dtype: hash-based isin (the string dtype's is ~10x slower)
    inside = pd.Series(False, index=codes.index)
    inside[kind == "lsoa21"] = codes[kind == "lsoa21"].isin(register.study_lsoas)
    inside[kind == "ward"] = codes[kind == "ward"].isin(register.study_wards)
    inside[kind == "lsoa11"] = codes[kind == "lsoa11"].isin(register.lsoa11["lsoa11cd"])
    return inside


def apportion(values: pd.Series, targets: pd.DataFrame) -> pd.DataFrame:
    """Split whole-number counts over target areas by weight, conserving totals exactly.

    Parameters
    ----------
    values : Series
        Counts indexed by source key.
    targets : DataFrame
        Columns ``source``, ``target``, ``weight`` (weights need not sum to 1).

    Returns
    -------
    DataFrame
        ``source, target, value`` with integer values that sum, per source, to the
        source's count (largest-remainder rounding, ties broken by target code).

    Examples
    --------
    >>> t = pd.DataFrame({"source": ["a", "a"], "target": ["x", "y"], "weight": [1, 2]})
    >>> apportion(pd.Series({"a": 10}), t)["value"].tolist()
    [3, 7]
    """
    t = targets.copy()
    total_w = t.groupby("source")["weight"].transform("sum")
    n = t.groupby("source")["target"].transform("count")
    share = np.where(total_w > 0, t["weight"] / total_w.where(total_w > 0, 1), 1.0 / n)
    exact = t["source"].map(values).to_numpy(dtype=float) * share
    base = np.floor(exact)
    t["value"] = base
    t["_rem"] = exact - base
    short = (t["source"].map(values) - t.groupby("source")["value"].transform("sum")).round().astype(int)
    t = t.sort_values(["source", "_rem", "target"], ascending=[True, False, True])
    t["_order"] = t.groupby("source").cumcount()
    t["value"] = (t["value"] + (t["_order"] < short.loc[t.index]).astype(int)).astype("int64")
    return t.sort_values(["source", "target"])[["source", "target", "value"]].reset_index(drop=True)


def _to_lsoa21(frame: pd.DataFrame, kind: pd.Series, count_cols: list[str], keys: list[str],
               register: CodeRegister, report: FileReport) -> pd.DataFrame:
    """Map LSOA 2011 and ward rows onto LSOA 2021, apportioning splits by under-5s."""
    frame = frame.assign(_kind=kind.to_numpy())
    direct = frame[frame["_kind"] == "lsoa21"].assign(lsoa21cd=lambda d: d["area_code"])
    parts = [direct[keys + ["lsoa21cd"] + count_cols]]
    w = register.weight
    for k, lookup in [
        ("lsoa11", register.lsoa11.rename(columns={"lsoa11cd": "code", "lsoa21cd": "target"})),
        ("ward", register.lsoa_ward.rename_axis("target").reset_index(name="code")),
    ]:
        rows = frame[frame["_kind"] == k]
        if rows.empty:
            continue
        rows = rows.reset_index(drop=True).assign(_src=lambda d: d.index.astype(str))
        links = rows[["_src", "area_code"]].merge(lookup[["code", "target"]], left_on="area_code", right_on="code")
        links["weight"] = links["target"].map(w).fillna(0.0)
        out = rows[keys + ["_src"]].merge(links[["_src", "target"]], on="_src")
        for col in count_cols:
            split = apportion(rows.set_index("_src")[col], links.rename(columns={"_src": "source"})[["source", "target", "weight"]])
            out = out.merge(split.rename(columns={"source": "_src", "value": col}), on=["_src", "target"])
        n_split = int((links.groupby("_src").size() > 1).sum())
        label = "LSOA 2011" if k == "lsoa11" else "ward"
        report.notes.append(
            f"{len(rows)} row(s) with {label} codes mapped to LSOA 2021"
            + (f"; {n_split} split over several LSOAs, counts apportioned by estimated under-5s (totals conserved)" if n_split else "")
        )
        parts.append(out.rename(columns={"target": "lsoa21cd"})[keys + ["lsoa21cd"] + count_cols])
    res = pd.concat(parts, ignore_index=True)
    return res.groupby(keys + ["lsoa21cd"], as_index=False, sort=True)[count_cols].sum()


def _select_period(frame: pd.DataFrame, period: str | None, report: FileReport) -> tuple[pd.DataFrame, str]:
    periods = sorted(frame["period"].unique(), key=_period_key)
    chosen = periods[-1] if period in (None, "latest") else period
    if chosen not in periods:
        raise ValidationError([InputProblem(Path(report.file), f"has no rows for period {chosen!r} named in the config (periods present: {periods})", column="period")])
    other = frame["period"] != chosen
    report.exclude(f"other period (not {chosen})", int(other.sum()))
    return frame[~other], chosen


def _period_key(p: str):
    m = re.match(r"^(\d{4})\D*(\d{1,2})?", str(p))
    return (int(m.group(1)), int(m.group(2) or 0), str(p)) if m else (0, 0, str(p))


def _duplicates(frame: pd.DataFrame, keys: list[str], path: Path, problems: list, what: str) -> None:
    dup = frame.duplicated(subset=keys, keep=False) & frame[keys].notna().all(axis=1)
    if dup.any():
        problems.append(InputProblem(path, f"duplicate {what} rows (the same {' + '.join(keys)} appears more than once)",
                                     column=keys[0], rows=file_rows(frame, dup)))


def validate_review_takeup(path: Path, register: CodeRegister, *, period: str | None = None) -> tuple[pd.DataFrame, FileReport]:
    """Validate a review take-up extract and return LSOA 2021 counts for one period.

    Returns
    -------
    (DataFrame, FileReport)
        ``lsoa21cd, eligible, completed`` for the chosen period, and the row accounting
        (``report.notes`` names the period and any LSOA 2011 or ward mapping).
    """
    path = Path(path)
    t = read_table(path, ["area_code", "period", "eligible", "completed"])
    report = FileReport("review_takeup", str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    for c in ("area_code", "period"):
        _require_text(t, c, path, problems)
    eligible = _counts(t, "eligible", path, problems)
    completed = _counts(t, "completed", path, problems)
    over = completed > eligible
    if over.fillna(False).any():
        problems.append(InputProblem(path, "completed is greater than eligible", column="completed", rows=file_rows(t, over.fillna(False))))
    kind = _area_codes(t, path, register, report, problems)
    _duplicates(t.assign(area_code=t["area_code"].str.upper()), ["area_code", "period"], path, problems, "area/period")
    if problems:
        raise ValidationError(problems)
    t = t.assign(area_code=t["area_code"].str.upper(), eligible=eligible.astype("int64"), completed=completed.astype("int64"))
    inside = _in_study(t["area_code"], kind, register)
    report.exclude("area outside the study area", int((~inside).sum()))
    t, kind = t[inside], kind[inside]
    if t.empty:
        raise ValidationError([InputProblem(path, "no row has an area code inside the study area: is this the right file for the configured LAs?", column="area_code")])
    t, chosen = _select_period(t, period, report)
    kind = kind.loc[t.index]
    report.rows_used = len(t)
    report.notes.insert(0, f"period used: {chosen}")
    out = _to_lsoa21(t, kind, ["eligible", "completed"], [], register, report)
    out.attrs["period"] = chosen
    return out, report


def validate_hub_attendance(path: Path, register: CodeRegister, hub_ids: pd.Index, *, period: str | None = None) -> tuple[pd.DataFrame, FileReport]:
    """Validate a hub attendance extract; return ``lsoa21cd, hub_id, children`` for one period."""
    path = Path(path)
    t = read_table(path, ["area_code", "hub_id", "period", "children"])
    report = FileReport("hub_attendance", str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    for c in ("area_code", "hub_id", "period"):
        _require_text(t, c, path, problems)
    children = _counts(t, "children", path, problems)
    unknown_hub = t["hub_id"].notna() & ~t["hub_id"].isin(hub_ids)
    if unknown_hub.any():
        problems.append(InputProblem(path, f"hub_id not in the hubs file ({', '.join(t.loc[unknown_hub, 'hub_id'].unique()[:3])})",
                                     column="hub_id", rows=file_rows(t, unknown_hub)))
    kind = _area_codes(t, path, register, report, problems)
    _duplicates(t.assign(area_code=t["area_code"].str.upper()), ["area_code", "hub_id", "period"], path, problems, "area/hub/period")
    if problems:
        raise ValidationError(problems)
    t = t.assign(area_code=t["area_code"].str.upper(), children=children.astype("int64"))
    inside = _in_study(t["area_code"], kind, register)
    report.exclude("area outside the study area", int((~inside).sum()))
    t, kind = t[inside], kind[inside]
    if t.empty:
        raise ValidationError([InputProblem(path, "no row has an area code inside the study area", column="area_code")])
    t, chosen = _select_period(t, period, report)
    kind = kind.loc[t.index]
    report.rows_used = len(t)
    report.notes.insert(0, f"period used: {chosen}")
    out = _to_lsoa21(t, kind, ["children"], ["hub_id"], register, report)
    out.attrs["period"] = chosen
    return out, report


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
        norm = t["postcode"].str.upper().str.replace(r"\s+", "", regex=True).str.replace(r"^(.+)(\d[A-Z]{2})$", r"\1 \2", regex=True)
        valid = norm.str.fullmatch(POSTCODE.pattern).fillna(False)
        bad = need & ~valid
        if bad.any():
            problems.append(InputProblem(path, f"postcode cannot be parsed ({', '.join(t.loc[bad, 'postcode'].unique()[:3])})",
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
                    problems.append(InputProblem(path, f"postcode not found in the Code-Point file for the study area ({', '.join(norm[nf].unique()[:3])})",
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


def validate_sites(path: Path, kind: str, *, postcodes: pd.DataFrame | None = None, study_area=None) -> tuple[pd.DataFrame, FileReport]:
    """Validate a hubs or venues file and locate every site.

    Parameters
    ----------
    path : Path
        The extract.
    kind : {"hubs", "venues"}
    postcodes : DataFrame, optional
        ``postcode, easting, northing`` for geocoding.
    study_area : shapely geometry, or a GeoSeries / array of polygons, optional
        Venues outside it are excluded and counted; hubs outside it are kept (they may
        serve residents over the border) and noted. Polygons (the study area's LSOAs) are
        tested as their union without computing it (see :func:`inside_area`).

    Returns
    -------
    (DataFrame, FileReport)
        Columns ``<id>, name, type/site_type, la_code, easting, northing, located_by`` and
        for venues ``available``.
    """
    path = Path(path)
    idc = "hub_id" if kind == "hubs" else "venue_id"
    required = ["hub_id", "name", "la_code", "site_type"] if kind == "hubs" else ["venue_id", "name", "type"]
    optional = ["lat", "lon", "easting", "northing", "postcode", "available", "address", "subtype", "lsoa21cd", "parent_hub_id", "note"]
    t = read_table(path, required, optional, alternatives=[["lat", "lon"], ["easting", "northing"], ["postcode"]])
    report = FileReport(kind, str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    for c in required:
        _require_text(t, c, path, problems)
    _duplicates(t, [idc], path, problems, idc)
    if kind == "hubs":
        st = t["site_type"].str.lower()
        bad = t["site_type"].notna() & ~st.isin(["hub", "spoke"])
        if bad.any():
            problems.append(InputProblem(path, f"site_type must be 'hub' or 'spoke' ({', '.join(t.loc[bad, 'site_type'].unique()[:3])})",
                                         column="site_type", rows=file_rows(t, bad)))
        bad_la = t["la_code"].notna() & ~t["la_code"].str.fullmatch(r"E0[6789]\d{6}").fillna(False)
        if bad_la.any():
            problems.append(InputProblem(path, "la_code is not an English LA code (E06/E07/E08/E09…)", column="la_code", rows=file_rows(t, bad_la)))
        t["site_type"] = st
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


def validate_under5(path: Path, register: CodeRegister) -> tuple[pd.Series, FileReport]:
    """Validate a user-supplied under-5 count file (``area_code, under5``; LSOA 2021 codes)."""
    path = Path(path)
    t = read_table(path, ["area_code", "under5"])
    report = FileReport("under5", str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    _require_text(t, "area_code", path, problems)
    u5 = _counts(t, "under5", path, problems)
    kind = _area_codes(t, path, register, report, problems, allow_ward=False)
    l11 = kind == "lsoa11"
    if l11.any():
        problems.append(InputProblem(path, "LSOA 2011 codes are not accepted for under-5 counts: give LSOA 2021 codes", column="area_code", rows=file_rows(t, l11)))
    _duplicates(t.assign(area_code=t["area_code"].str.upper()), ["area_code"], path, problems, "area")
    if problems:
        raise ValidationError(problems)
    codes = t["area_code"].str.upper()
    inside = codes.isin(register.study_lsoas)
    report.exclude("area outside the study area", int((~inside).sum()))
    report.rows_used = int(inside.sum())
    return pd.Series(u5[inside].to_numpy(dtype=float), index=codes[inside].to_numpy(), name="under5"), report


def validate_hub_areas(path: Path, register: CodeRegister, hub_ids: pd.Index) -> tuple[pd.DataFrame, FileReport]:
    """Validate a council's own hub areas (``ward_code, hub_id``)."""
    path = Path(path)
    t = read_table(path, ["ward_code", "hub_id"])
    report = FileReport("hub_areas", str(path), rows_in=len(t))
    problems: list[InputProblem] = []
    for c in ("ward_code", "hub_id"):
        _require_text(t, c, path, problems)
    codes = t["ward_code"].str.upper()
    unknown = codes.notna() & ~codes.isin(register.ward.index)
    if unknown.any():
        problems.append(InputProblem(path, f"not a known ward code ({', '.join(codes[unknown].unique()[:3])})", column="ward_code", rows=file_rows(t, unknown)))
    bad_hub = t["hub_id"].notna() & ~t["hub_id"].isin(hub_ids)
    if bad_hub.any():
        problems.append(InputProblem(path, f"hub_id not in the hubs file ({', '.join(t.loc[bad_hub, 'hub_id'].unique()[:3])})", column="hub_id", rows=file_rows(t, bad_hub)))
    _duplicates(t.assign(ward_code=codes), ["ward_code"], path, problems, "ward")
    if problems:
        raise ValidationError(problems)
    inside = codes.isin(register.study_wards)
    report.exclude("ward outside the study area", int((~inside).sum()))
    report.rows_used = int(inside.sum())
    return pd.DataFrame({"ward_code": codes[inside], "hub_id": t.loc[inside, "hub_id"]}).reset_index(drop=True), report
