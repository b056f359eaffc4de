"""Publishers' column headers -> the mirror's: ArcGIS attributes, IoD2025 File 7, Census 2021 age bands."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from geo.errors import DownloadError

__all__ = [
    "CENSUS_AGE_GROUPS",
    "IMD2025_COLUMNS",
    "IMD2025_ENGLAND_COLUMNS",
    "IMD2025_FILE7_COLUMNS",
    "census_age6",
    "map_imd2025_columns",
]


def _canon(name: str) -> str:
    """Header key tolerant of case, whitespace, punctuation and parentheses.

    Parenthesised parts are dropped (also an unclosed one at the end, as in a truncated
    header: "...Decile (where 1 is most deprived 10% of LSO").
    """
    s = str(name).replace("\ufeff", "").lower()
    s = re.sub(r"\([^()]*\)", " ", s)
    s = re.sub(r"\(.*$", " ", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


def _pick(
    df: pd.DataFrame,
    wanted: Iterable[str],
    aliases: Mapping[str, Iterable[str]] | None = None,
    *,
    required: bool = True,
    what: str = "",
) -> pd.DataFrame:
    """Select ``wanted`` columns case-insensitively (with aliases) and rename them."""
    aliases = aliases or {}
    by_lower = {str(c).lower(): c for c in df.columns}
    rename, missing = {}, []
    for w in wanted:
        for cand in (w, *aliases.get(w, ())):
            if cand.lower() in by_lower:
                rename[by_lower[cand.lower()]] = w
                break
        else:
            missing.append(w)
    if missing and required:
        raise DownloadError(f"{what}: missing column(s) {missing}; got {list(df.columns)}")
    out = df[list(rename)].rename(columns=rename)
    return out


# --------------------------------------------------------------------------------------
# IoD2025 File 7: MHCLG long headers -> mirror short names (one table)
# --------------------------------------------------------------------------------------

_R = "Rank (where 1 is most deprived)"
_D = "Decile (where 1 is most deprived 10% of LSOAs)"

#: (mirror name, MHCLG File 7 header). Matching ignores case, whitespace, punctuation and
#: anything in parentheses, so "(2021)", "(rate)" and truncated "(where ..." suffixes vary freely.
IMD2025_COLUMNS: tuple[tuple[str, str], ...] = (
    ("LSOA21CD", "LSOA code (2021)"),
    ("LSOA21NM", "LSOA name (2021)"),
    ("LAD24CD", "Local Authority District code (2024)"),
    ("LAD24NM", "Local Authority District name (2024)"),
    ("IMD_score", "Index of Multiple Deprivation (IMD) Score"),
    ("IMD_rank", f"Index of Multiple Deprivation (IMD) {_R}"),
    ("IMD_decile", f"Index of Multiple Deprivation (IMD) {_D}"),
    ("Income_score", "Income Score (rate)"),
    ("Income_rank", f"Income {_R}"),
    ("Income_decile", f"Income {_D}"),
    ("Employment_score", "Employment Score (rate)"),
    ("Employment_rank", f"Employment {_R}"),
    ("Employment_decile", f"Employment {_D}"),
    ("Education_score", "Education, Skills and Training Score"),
    ("Education_rank", f"Education, Skills and Training {_R}"),
    ("Education_decile", f"Education, Skills and Training {_D}"),
    ("Health_score", "Health Deprivation and Disability Score"),
    ("Health_rank", f"Health Deprivation and Disability {_R}"),
    ("Health_decile", f"Health Deprivation and Disability {_D}"),
    ("Crime_score", "Crime Score"),
    ("Crime_rank", f"Crime {_R}"),
    ("Crime_decile", f"Crime {_D}"),
    ("Housing_and_Services_score", "Barriers to Housing and Services Score"),
    ("Housing_and_Services_rank", f"Barriers to Housing and Services {_R}"),
    ("Housing_and_Services_decile", f"Barriers to Housing and Services {_D}"),
    ("Environment_score", "Living Environment Score"),
    ("Environment_rank", f"Living Environment {_R}"),
    ("Environment_decile", f"Living Environment {_D}"),
    ("IDACI_score", "Income Deprivation Affecting Children Index (IDACI) Score (rate)"),
    ("IDACI_rank", f"Income Deprivation Affecting Children Index (IDACI) {_R}"),
    ("IDACI_decile", f"Income Deprivation Affecting Children Index (IDACI) {_D}"),
    ("IDAOPI_score", "Income Deprivation Affecting Older People (IDAOPI) Score (rate)"),
    ("IDAOPI_rank", f"Income Deprivation Affecting Older People (IDAOPI) {_R}"),
    ("IDAOPI_decile", f"Income Deprivation Affecting Older People (IDAOPI) {_D}"),
    ("children_and_young_people_score", "Children and Young People Sub-domain Score"),
    ("children_and_young_people_rank", f"Children and Young People Sub-domain {_R}"),
    ("children_and_young_people_decile", f"Children and Young People Sub-domain {_D}"),
    ("adult_skills_score", "Adult Skills Sub-domain Score"),
    ("adult_skills_rank", f"Adult Skills Sub-domain {_R}"),
    ("adult_skills_decile", f"Adult Skills Sub-domain {_D}"),
    ("geographical_barriers_score", "Geographical Barriers Sub-domain Score"),
    ("geographical_barriers_rank", f"Geographical Barriers Sub-domain {_R}"),
    ("geographical_barriers_decile", f"Geographical Barriers Sub-domain {_D}"),
    ("wider_barriers_score", "Wider Barriers Sub-domain Score"),
    ("wider_barriers_rank", f"Wider Barriers Sub-domain {_R}"),
    ("wider_barriers_decile", f"Wider Barriers Sub-domain {_D}"),
    ("indoors_score", "Indoors Sub-domain Score"),
    ("indoors_rank", f"Indoors Sub-domain {_R}"),
    ("indoors_decile", f"Indoors Sub-domain {_D}"),
    ("outdoors_score", "Outdoors Sub-domain Score"),
    ("outdoors_rank", f"Outdoors Sub-domain {_R}"),
    ("outdoors_decile", f"Outdoors Sub-domain {_D}"),
    ("pop_total_mid2022", "Total population: mid 2022"),
    ("pop_children_0_15_mid2022", "Dependent Children aged 0-15: mid 2022"),
    ("pop_60plus_mid2022", "Older population aged 60 and over: mid 2022"),
    (
        "pop_working_age_18_66_mid2022",
        "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022",
    ),
)

#: Column order of the mirror's full File 7 file (all 56 columns).
IMD2025_FILE7_COLUMNS: tuple[str, ...] = tuple(short for short, _ in IMD2025_COLUMNS)

_DOMAINS8 = ("IMD", "Income", "Employment", "Education", "Health", "Crime", "Housing_and_Services", "Environment")
_SUBDOMAINS = (
    "children_and_young_people",
    "adult_skills",
    "geographical_barriers",
    "wider_barriers",
    "indoors",
    "outdoors",
)
#: Column order of the mirror's reference/imd2025_lsoa21_england.csv (43 columns).
IMD2025_ENGLAND_COLUMNS: tuple[str, ...] = (
    ("LSOA21CD",)
    + tuple(f"{d}_decile" for d in _DOMAINS8)
    + tuple(f"{d}_rank" for d in _DOMAINS8)
    + tuple(f"{d}_score" for d in _DOMAINS8)
    + tuple(f"{s}_{m}" for s in _SUBDOMAINS for m in ("score", "rank", "decile"))
)

_IMD_LOOKUP: dict[str, str] = {}
for _short, _long in IMD2025_COLUMNS:
    for _k in (_canon(_long), _canon(_short)):
        if _IMD_LOOKUP.get(_k, _short) != _short:
            raise AssertionError(f"ambiguous IMD header key {_k!r}")
        _IMD_LOOKUP[_k] = _short
assert set(IMD2025_ENGLAND_COLUMNS) <= set(IMD2025_FILE7_COLUMNS)


def map_imd2025_columns(df: pd.DataFrame, *, required: Iterable[str] = IMD2025_ENGLAND_COLUMNS) -> pd.DataFrame:
    """Rename MHCLG File 7 headers to the mirror's short names (unknown columns dropped)."""
    rename: dict[str, str] = {}
    for col in df.columns:
        short = _IMD_LOOKUP.get(_canon(col))
        if short and short not in rename.values():
            rename[col] = short
    out = df[list(rename)].rename(columns=rename)
    missing = [c for c in required if c not in out.columns]
    if missing:
        raise DownloadError(f"IoD2025 File 7: no column for {missing}. Headers seen: {list(df.columns)}")
    order = [c for c in IMD2025_FILE7_COLUMNS if c in out.columns]
    return out[order]


# --------------------------------------------------------------------------------------
# Census 2021 age -> six bands
# --------------------------------------------------------------------------------------

#: Mirror band name -> inclusive age range (upper bound None = open).
CENSUS_AGE_GROUPS: tuple[tuple[str, int, int | None], ...] = (
    ("age_0_15", 0, 15),
    ("age_16_24", 16, 24),
    ("age_25_34", 25, 34),
    ("age_35_49", 35, 49),
    ("age_50_64", 50, 64),
    ("age_65_plus", 65, None),
)


def _age_range(label: str) -> tuple[int, float] | None:
    """Parse a Census age label into an inclusive (low, high) range; None for totals."""
    s = str(label).lower()
    s = s.split(";")[0]  # "...; measures: Value"
    s = re.sub(r"^\s*age[^:]*:\s*", "", s).strip()
    if not s or "total" in s:
        return None
    if re.search(r"under 1\b", s):
        return (0, 0)
    m = re.search(r"(\d+)\s*(?:years?)?\s*(?:to|-)\s*(\d+)", s)
    if m:
        return (int(m.group(1)), int(m.group(2)))
    m = re.search(r"(\d+)\s*years?\s*and\s*under", s)
    if m:
        return (0, int(m.group(1)))
    m = re.search(r"(\d+)\s*years?\s*and\s*over|(\d+)\s*\+", s)
    if m:
        return (int(m.group(1) or m.group(2)), math.inf)
    m = re.search(r"(\d+)\s*years?\b", s)
    if m:
        return (int(m.group(1)), int(m.group(1)))
    return None


def _band_plan(labels: Iterable[str]) -> dict[str, list[str]]:
    """Choose the finest non-overlapping age columns and assign them to the six groups."""
    parsed = [(lab, r) for lab in labels if (r := _age_range(lab)) is not None]
    parsed.sort(key=lambda x: (x[1][1] - x[1][0], x[1][0]))
    chosen: list[tuple[str, tuple[int, float]]] = []
    for lab, (lo, hi) in parsed:
        if all(hi < clo or lo > chi for _, (clo, chi) in chosen):
            chosen.append((lab, (lo, hi)))
    chosen.sort(key=lambda x: x[1][0])
    expect = 0
    for _lab, (lo, hi) in chosen:
        if lo != expect:
            raise DownloadError(f"Census age columns leave a gap at age {expect}: {[c for c, _ in chosen]}")
        expect = hi + 1
    if expect != math.inf:
        raise DownloadError(f"Census age columns stop at age {expect - 1}; no open top band")
    plan: dict[str, list[str]] = {g: [] for g, _, _ in CENSUS_AGE_GROUPS}
    for lab, (lo, hi) in chosen:
        for g, glo, ghi in CENSUS_AGE_GROUPS:
            top = math.inf if ghi is None else ghi
            if glo <= lo and hi <= top:
                plan[g].append(lab)
                break
        else:
            raise DownloadError(
                f"Census age band {lab!r} straddles the 0-15/16-24/25-34/35-49/50-64/65+ groups; "
                "use single years of age (TS007), not five-year bands (TS007A)"
            )
    return plan


def census_age6(df: pd.DataFrame) -> pd.DataFrame:
    """Sum Census 2021 age columns into the mirror's six bands.

    Accepts the Nomis bulk (wide) CSV, with "geography code", "geography" and one column
    per age ("Age: Aged 1 year", ...), or the Nomis API (long) CSV with GEOGRAPHY_CODE,
    GEOGRAPHY_NAME, C2021_AGE_102_NAME (or the numeric C2021_AGE_102) and OBS_VALUE.
    ``total`` is the sum of the six bands.
    """
    lower = {str(c).lower().strip(): c for c in df.columns}
    if "obs_value" in lower:  # long API format
        code, name = lower.get("geography_code"), lower.get("geography_name")
        age_name = next((lower[k] for k in lower if re.fullmatch(r"c2021_age_\d+_name", k)), None)
        if age_name is None:
            age_code = next((lower[k] for k in lower if re.fullmatch(r"c2021_age_\d+", k)), None)
            if age_code is None or code is None:
                raise DownloadError(f"Nomis CSV: no geography/age columns in {list(df.columns)}")
            n = pd.to_numeric(df[age_code], errors="coerce")
            # c2021_age_102: 0 = total, k = aged k-1, 101 = aged 100 and over, 1000+ = aggregates
            labels = n.map(
                lambda v: (
                    "total"
                    if v == 0
                    else (
                        "aged 100 years and over"
                        if v == 101
                        else (f"aged {int(v) - 1} years" if 0 < v < 101 else "total")
                    )
                )
            )
            df = df.assign(_age=labels)
            age_name = "_age"
        wide = df.pivot_table(index=[code], columns=age_name, values=lower["obs_value"], aggfunc="sum")
        names = df.drop_duplicates(code).set_index(code)[name] if name else None
        wide.columns = [str(c) for c in wide.columns]
        wide = wide.reset_index().rename(columns={code: "LSOA21CD"})
        wide["LSOA21NM"] = wide["LSOA21CD"].map(names) if names is not None else pd.NA
    else:  # wide bulk format
        code = lower.get("geography code") or lower.get("geography_code")
        name = lower.get("geography") or lower.get("geography_name")
        if code is None:
            raise DownloadError(f"Census CSV: no 'geography code' column in {list(df.columns)}")
        wide = df.rename(columns={code: "LSOA21CD", name: "LSOA21NM"})
    skip = {"LSOA21CD", "LSOA21NM", "date", "geography", "geography code"}
    plan = _band_plan([c for c in wide.columns if c not in skip and str(c).lower() not in skip])
    out = wide[["LSOA21CD", "LSOA21NM"]].copy()
    for g, cols in plan.items():
        out[g] = wide[cols].apply(pd.to_numeric, errors="raise").sum(axis=1).astype("int64")
    out.insert(2, "total", out[[g for g, _, _ in CENSUS_AGE_GROUPS]].sum(axis=1))
    return out.sort_values("LSOA21CD", kind="stable").reset_index(drop=True)
