"""Download the public data from the official publishers into a mirror-shaped cache.

``python -m geo fetch --mirror DIR`` reads files from a folder laid out like
``shared/data`` (see its ``SOURCES.md``). Without ``--mirror`` the same files are
downloaded from their publishers by :func:`download_to_mirror` and written at the
same relative paths, with the same GeoPackage layer names and column names, so the
rest of the pipeline reads a download and a mirror identically.

Publisher URLs
--------------
Every URL in :data:`DATASETS` is **as published at the time of writing** (late 2025)
and was checked against other public code that uses it, **not** against the live
services (this module was written offline). Publishers re-version their services
(ONS appends ``_v2``/``_V5`` to ArcGIS service names; GOV.UK asset URLs contain a
media hash that changes with every re-issue), so every URL can be overridden per
dataset key with ``base_urls`` (e.g. for a council behind a proxy or an internal
mirror); auxiliary lookups are overridden with ``"<key>.<name>"`` keys, e.g.
``"wards.lad_lookup"``. ``HTTP(S)_PROXY`` environment variables are honoured.

Only the standard library is used for HTTP (``urllib``): no extra dependency.

Examples
--------
>>> from geo.download import download_to_mirror
>>> manifest = download_to_mirror("data/cache/public", keys=["lookup_ward"])  # doctest: +SKIP
>>> manifest[0]["path"], manifest[0]["sha256"][:8]                          # doctest: +SKIP
('reference/lookup_lsoa21_ward24_lad24_bestfit_ew.csv', '3f9a...')
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import logging
import math
import os
import re
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

__all__ = [
    "Dataset",
    "DATASETS",
    "DownloadError",
    "IMD2025_COLUMNS",
    "IMD2025_ENGLAND_COLUMNS",
    "IMD2025_FILE7_COLUMNS",
    "CENSUS_AGE_GROUPS",
    "arcgis_query",
    "arcgis_features",
    "download_file",
    "download_to_mirror",
    "map_imd2025_columns",
    "census_age6",
]

log = logging.getLogger(__name__)

USER_AGENT = "familyhubs-geo/0.1 (open-source; Python urllib)"
DEFAULT_TIMEOUT = 120.0  # seconds, per request
DEFAULT_RETRIES = 4  # attempts in total (1 try + 3 retries)
DEFAULT_BACKOFF = 2.0  # seconds; doubles after each failed attempt
MAX_PAGES = 10_000  # safety net against a server that never stops paging
BNG = "EPSG:27700"

ONS_ARCGIS = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"
OGL = "Open Government Licence v3.0"
ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right {year}."
)
MHCLG_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 "
    "(Ministry of Housing, Communities and Local Government)."
)


class DownloadError(RuntimeError):
    """A download failed; the message names the URL."""


# --------------------------------------------------------------------------------------
# Dataset registry
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """One public dataset and where it lives in the mirror layout.

    ``url`` is the main source (an ArcGIS layer URL for ``kind="arcgis"``, a file URL
    otherwise). ``aux`` holds auxiliary source URLs by name (e.g. a lookup joined in
    to add LAD codes). ``extra_paths`` are further files written from the same source.
    ``member`` is a glob selecting the CSV inside a zip (``kind="zip_csv"``).
    """

    key: str
    title: str
    mirror_path: str
    kind: str  # "arcgis" | "csv" | "zip_csv" | "xlsx"
    url: str
    publisher: str
    licence: str
    attribution: str
    layer: str | None = None
    where: str = "1=1"
    aux: tuple[tuple[str, str], ...] = ()
    member: str | None = None
    extra_paths: tuple[str, ...] = ()
    landing_page: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if self.kind not in {"arcgis", "csv", "zip_csv", "xlsx"}:
            raise ValueError(f"{self.key}: unknown kind {self.kind!r}")
        if self.mirror_path.endswith(".gpkg") and not self.layer:
            raise ValueError(f"{self.key}: a GeoPackage needs a layer name")

    @property
    def aux_urls(self) -> dict[str, str]:
        return dict(self.aux)

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.mirror_path, *self.extra_paths)


def _ons(service: str) -> str:
    return f"{ONS_ARCGIS}/{service}/FeatureServer/0"


DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in [
        Dataset(
            key="lsoa21_boundaries",
            title="Lower layer Super Output Areas (December 2021) Boundaries EW BGC (V5), England only",
            mirror_path="boundaries/lsoa21_england_bgc.gpkg",
            layer="lsoa21_england",
            kind="arcgis",
            url=_ons("Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5"),
            where="LSOA21CD LIKE 'E01%'",
            # The boundary service has no LAD field: LAD25CD comes from the ONS best-fit
            # LSOA21 -> ward (2025) -> LAD (2025) lookup, joined on LSOA21CD.
            aux=(("lad_lookup", _ons("LSOA21_WD25_LAD25_EW_LU_v2")),),
            publisher="Office for National Statistics (Open Geography Portal)",
            licence=OGL,
            attribution=ONS_ATTRIBUTION.format(year=2025),
            landing_page="https://geoportal.statistics.gov.uk/",
            notes=(
                "Columns LSOA21CD, LSOA21NM, LAD25CD. The mirror's UTLACD and RGNCD columns are "
                "not produced. Geometry requested in EPSG:4326 and reprojected to EPSG:27700."
            ),
        ),
        Dataset(
            key="wards",
            title="Wards (May 2025) Boundaries UK BGC",
            # The file name says "london" to keep the mirror layout; the download covers the UK.
            mirror_path="boundaries/wards_wd25_london_bgc.gpkg",
            layer="wards_wd25_london",
            kind="arcgis",
            url=_ons("Wards_May_2025_Boundaries_UK_BGC"),
            # Used only if the boundary layer has no LAD25CD/LAD25NM fields.
            aux=(("lad_lookup", _ons("WD25_LAD25_UK_LU_v2")),),
            publisher="Office for National Statistics (Open Geography Portal)",
            licence=OGL,
            attribution=ONS_ATTRIBUTION.format(year=2025),
            landing_page="https://geoportal.statistics.gov.uk/",
            notes=(
                "Covers the whole UK although the file and layer names say 'london' (kept for "
                "layout compatibility with the mirror). 'study_borough' is added only when "
                "download_to_mirror() is given la_codes."
            ),
        ),
        Dataset(
            key="lookup_ward",
            title="LSOA (2021) to Electoral Ward (2024) to LAD (2024) Best Fit Lookup in EW",
            mirror_path="reference/lookup_lsoa21_ward24_lad24_bestfit_ew.csv",
            kind="arcgis",
            url=_ons("LSOA21_WD24_LAD24_EW_LU"),
            publisher="Office for National Statistics (Open Geography Portal)",
            licence=OGL,
            attribution=ONS_ATTRIBUTION.format(year=2024),
            landing_page="https://geoportal.statistics.gov.uk/",
        ),
        Dataset(
            key="lookup_lsoa11",
            title="LSOA (2011) to LSOA (2021) to LAD (2022) Exact Fit Lookup for EW",
            mirror_path="reference/lookup_lsoa11_lsoa21_lad22_ew.csv",
            kind="arcgis",
            url=_ons("LSOA11_LSOA21_LAD22_EW_LU_v5"),
            publisher="Office for National Statistics (Open Geography Portal)",
            licence=OGL,
            attribution=ONS_ATTRIBUTION.format(year=2022),
            landing_page="https://geoportal.statistics.gov.uk/",
            notes="Some versions name the 2011 code F_LSOA11CD; it is renamed LSOA11CD.",
        ),
        Dataset(
            key="imd2025",
            title="English Indices of Deprivation 2025, File 7 (all ranks, scores, deciles, denominators)",
            mirror_path="reference/imd2025_lsoa21_england.csv",
            extra_paths=("reference/imd2025_file7_full_lsoa21_england.csv",),
            kind="csv",
            url=(
                "https://assets.publishing.service.gov.uk/media/691ded56d140bbbaa59a2a7d/"
                "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
            ),
            publisher="Ministry of Housing, Communities and Local Government",
            licence=OGL,
            attribution=MHCLG_ATTRIBUTION,
            landing_page="https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025",
            notes=(
                "The GOV.UK media hash changes when MHCLG re-issues the file (the October 2025 "
                "original was under /media/68ff5daabcb10f6bf9bef911/); check the landing page if "
                "it returns 404. The full File 7 is written England-wide as "
                "imd2025_file7_full_lsoa21_england.csv (the mirror only has the study-borough "
                "subset, imd2025_file7_full_lsoa21_westminster_kc.csv)."
            ),
        ),
        Dataset(
            key="census_age",
            title="Census 2021 TS007 Age by single year of age, LSOA 2021, summed into 6 bands",
            mirror_path="reference/census2021_age6_usual_residents_lsoa21_ew.csv",
            kind="zip_csv",
            # Nomis bulk download (all areas, one CSV per area type in the zip). UNVERIFIED
            # OFFLINE: that the TS007 zip holds an LSOA file. Alternative (paged API, also
            # accepted as an override; Nomis returns at most 25,000 rows per call):
            #   https://www.nomisweb.co.uk/api/v01/dataset/NM_2027_1.data.csv?date=latest
            #   &geography=TYPE151&c2021_age_102=1...101&measures=20100
            #   &select=geography_code,geography_name,c2021_age_102,c2021_age_102_name,obs_value
            # TS007A (five-year bands, Nomis NM_2020_1, census2021-ts007a.zip) cannot be used:
            # its 15-19 band straddles the 0-15 / 16-24 split.
            url="https://www.nomisweb.co.uk/output/census/2021/census2021-ts007.zip",
            member="*-lsoa.csv",
            publisher="Office for National Statistics (Census 2021, via Nomis)",
            licence=OGL,
            attribution=(
                "Source: Office for National Statistics licensed under the Open Government "
                "Licence v.3.0 (Census 2021)."
            ),
            landing_page="https://www.nomisweb.co.uk/sources/census_2021_bulk",
            notes=(
                "Usual residents on Census Day 2021, summed from single years of age. ONS cell "
                "perturbation means 'total' (the sum of the six bands) can differ slightly from "
                "published totals and from the mirror's custom-dataset counts."
            ),
        ),
    ]
}


# --------------------------------------------------------------------------------------
# HTTP with retries
# --------------------------------------------------------------------------------------


class _Retryable(Exception):
    """Internal: a transient failure worth another attempt."""


Opener = Any  # an urllib OpenerDirector, or a callable(request, timeout=...) -> response


def _open(url: str, opener: Opener | None, timeout: float):
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    if opener is None:
        opener = urllib.request.build_opener()  # honours HTTP(S)_PROXY
    if hasattr(opener, "open"):
        return opener.open(req, timeout=timeout)
    return opener(req, timeout=timeout)


def _with_retries(url: str, fn: Callable[[], Any], *, retries: int, backoff: float) -> Any:
    """Run ``fn`` with up to ``retries`` attempts on 5xx/429/connection errors."""
    attempts = max(1, int(retries))
    last: BaseException | None = None
    for attempt in range(attempts):
        try:
            return fn()
        except urllib.error.HTTPError as e:
            e.close()  # release the socket
            if e.code >= 500 or e.code in (408, 429):
                last = e
            else:
                raise DownloadError(f"HTTP {e.code} {e.reason} for {url}") from e
        except _Retryable as e:
            last = e
        except (
            urllib.error.URLError,
            http.client.HTTPException,
            ConnectionError,
            TimeoutError,
            socket.timeout,
        ) as e:
            last = e
        if attempt + 1 < attempts:
            wait = backoff * (2**attempt)
            log.warning("retrying %s in %.1fs after: %s", url, wait, last)
            time.sleep(wait)
    raise DownloadError(f"Failed to fetch {url} after {attempts} attempt(s): {last}") from last


def _get_json(url: str, *, opener, timeout, retries, backoff) -> dict:
    def once() -> dict:
        with _open(url, opener, timeout) as resp:
            raw = resp.read()
        try:
            data = json.loads(raw)
        except ValueError as e:
            raise DownloadError(f"Response from {url} is not JSON: {raw[:200]!r}") from e
        err = data.get("error") if isinstance(data, dict) else None
        if err:  # ArcGIS reports errors with HTTP 200 and an "error" object
            code = err.get("code") if isinstance(err, dict) else None
            msg = err.get("message", err) if isinstance(err, dict) else err
            details = err.get("details") if isinstance(err, dict) else None
            if isinstance(code, int) and code >= 500:
                raise _Retryable(f"ArcGIS error {code}: {msg}")
            raise DownloadError(f"ArcGIS error {code} for {url}: {msg} {details or ''}".strip())
        return data

    return _with_retries(url, once, retries=retries, backoff=backoff)


def download_file(
    url: str,
    dest: str | os.PathLike,
    *,
    opener: Opener | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    chunk_size: int = 1 << 20,
) -> str:
    """Stream ``url`` to ``dest`` (via a temporary file renamed on success); return its sha256."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)

    def once() -> str:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        try:
            h = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, _open(url, opener, timeout) as resp:
                while chunk := resp.read(chunk_size):
                    out.write(chunk)
                    h.update(chunk)
            os.replace(tmp, dest)
            return h.hexdigest()
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    return _with_retries(url, once, retries=retries, backoff=backoff)


# --------------------------------------------------------------------------------------
# ArcGIS REST
# --------------------------------------------------------------------------------------


def _query_url(service_url: str) -> str:
    u = service_url.rstrip("/")
    if u.endswith("/query"):
        return u
    if re.search(r"/(FeatureServer|MapServer)$", u):
        return u + "/0/query"
    return u + "/query"


def _geojson_crs(data: dict) -> str:
    name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if not name:
        return "EPSG:4326"
    m = re.search(r"EPSG:*:?(\d+)", str(name), re.I)
    if m and m.group(1) != "4326":
        return f"EPSG:{m.group(1)}"
    return "EPSG:4326"  # includes urn:ogc:def:crs:OGC:1.3:CRS84


def arcgis_features(
    service_url: str,
    *,
    where: str = "1=1",
    out_fields: str = "*",
    page_size: int = 2000,
    geometry: bool = True,
    opener: Opener | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    order_by: str | None = None,
    extra_params: Mapping[str, str] | None = None,
) -> tuple[list[dict], str]:
    """Page through an ArcGIS REST ``query``; return (raw features, CRS of the geometry).

    Uses ``resultOffset``/``resultRecordCount`` and keeps going while the server reports
    ``exceededTransferLimit`` (top level, or ``properties.exceededTransferLimit`` in
    GeoJSON). The offset advances by the number of features actually returned, so a
    server whose ``maxRecordCount`` is below ``page_size`` is handled.
    """
    url = _query_url(service_url)
    params: dict[str, Any] = {
        "where": where,
        "outFields": out_fields,
        "returnGeometry": "true" if geometry else "false",
        "f": "geojson" if geometry else "json",
        "resultRecordCount": int(page_size),
    }
    if geometry:
        params["outSR"] = "4326"
    if order_by:
        params["orderByFields"] = order_by
    params.update(extra_params or {})
    features: list[dict] = []
    crs = "EPSG:4326"
    offset = 0
    for _ in range(MAX_PAGES):
        params["resultOffset"] = offset
        page_url = f"{url}?{urllib.parse.urlencode(params)}"
        data = _get_json(page_url, opener=opener, timeout=timeout, retries=retries, backoff=backoff)
        if "features" not in data:
            raise DownloadError(f"No 'features' in the response from {page_url}")
        feats = data["features"] or []
        if geometry and offset == 0:
            crs = _geojson_crs(data)
        features.extend(feats)
        exceeded = bool(
            data.get("exceededTransferLimit")
            or (data.get("properties") or {}).get("exceededTransferLimit")
        )
        if not feats or not exceeded:
            break
        offset += len(feats)
    else:
        raise DownloadError(f"More than {MAX_PAGES} pages from {url}; giving up")
    log.info("%s: %d features", url, len(features))
    return features, crs


def arcgis_query(
    service_url: str,
    *,
    where: str = "1=1",
    out_fields: str = "*",
    page_size: int = 2000,
    geometry: bool = True,
    opener: Opener | None = None,
    **kwargs: Any,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Query an ArcGIS FeatureServer layer or table, following pagination.

    Returns a GeoDataFrame (CRS as returned, normally EPSG:4326) when ``geometry`` is
    true, else a DataFrame of the attributes. Extra keyword arguments go to
    :func:`arcgis_features` (``timeout``, ``retries``, ``backoff``, ``order_by``...).
    """
    feats, crs = arcgis_features(
        service_url,
        where=where,
        out_fields=out_fields,
        page_size=page_size,
        geometry=geometry,
        opener=opener,
        **kwargs,
    )
    if geometry:
        if not feats:
            return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        return gpd.GeoDataFrame.from_features(feats, crs=crs)
    return pd.DataFrame.from_records([f.get("attributes") or f.get("properties") or {} for f in feats])


# --------------------------------------------------------------------------------------
# Column helpers
# --------------------------------------------------------------------------------------


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


def _pick(df: pd.DataFrame, wanted: Iterable[str], aliases: Mapping[str, Iterable[str]] | None = None,
          *, required: bool = True, what: str = "") -> pd.DataFrame:
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

_DOMAINS8 = ("IMD", "Income", "Employment", "Education", "Health", "Crime",
             "Housing_and_Services", "Environment")
_SUBDOMAINS = ("children_and_young_people", "adult_skills", "geographical_barriers",
               "wider_barriers", "indoors", "outdoors")
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
        raise DownloadError(
            f"IoD2025 File 7: no column for {missing}. Headers seen: {list(df.columns)}"
        )
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
    for lab, (lo, hi) in chosen:
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
            labels = n.map(lambda v: "total" if v == 0 else (
                "aged 100 years and over" if v == 101 else (f"aged {int(v) - 1} years" if 0 < v < 101 else "total")))
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


# --------------------------------------------------------------------------------------
# Writers and per-dataset builders
# --------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _write_csv(df: pd.DataFrame, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _write_gpkg(gdf: gpd.GeoDataFrame, dest: Path, layer: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    if not gdf.crs.equals(BNG):
        gdf = gdf.to_crs(BNG)
    tmp = dest.with_name(f".{dest.stem}.{os.getpid()}.tmp.gpkg")
    try:
        tmp.unlink(missing_ok=True)
        pyogrio.write_dataframe(gdf, tmp, layer=layer, driver="GPKG", promote_to_multi=True)
        os.replace(tmp, dest)
    finally:
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            p.unlink(missing_ok=True)


@dataclass
class _Ctx:
    opener: Opener | None
    timeout: float
    retries: int
    backoff: float
    page_size: int
    la_codes: tuple[str, ...] | None
    tmpdir: Path
    urls: dict[str, str] = field(default_factory=dict)

    def http(self) -> dict[str, Any]:
        return {"opener": self.opener, "timeout": self.timeout, "retries": self.retries,
                "backoff": self.backoff}


def _table(url: str, ctx: _Ctx, where: str = "1=1") -> pd.DataFrame:
    return arcgis_query(url, where=where, geometry=False, page_size=ctx.page_size, **ctx.http())


def _build_lsoa21(ds: Dataset, ctx: _Ctx) -> dict[str, Any]:
    gdf = arcgis_query(ctx.urls["main"], where=ds.where, geometry=True, page_size=ctx.page_size,
                       **ctx.http())
    attrs = _pick(gdf, ["LSOA21CD", "LSOA21NM"], what=ctx.urls["main"])
    gdf = gpd.GeoDataFrame(attrs, geometry=gdf.geometry.values, crs=gdf.crs)
    gdf = gdf[gdf["LSOA21CD"].astype(str).str.startswith("E01")]
    gdf = gdf.drop_duplicates("LSOA21CD")
    lk = _table(ctx.urls["lad_lookup"], ctx, where="LSOA21CD LIKE 'E01%'")
    lk = _pick(lk, ["LSOA21CD", "LAD25CD"], {"LAD25CD": ["LADCD_ACTIVE", "LAD24CD"]},
               what=ctx.urls["lad_lookup"]).drop_duplicates("LSOA21CD")
    gdf = gdf.merge(lk, on="LSOA21CD", how="left", validate="one_to_one")
    missing = int(gdf["LAD25CD"].isna().sum())
    if missing:
        log.warning("%d LSOAs have no LAD25CD in %s", missing, ctx.urls["lad_lookup"])
    gdf = gdf[["LSOA21CD", "LSOA21NM", "LAD25CD", "geometry"]].sort_values("LSOA21CD")
    return {"lsoa21_boundaries": gdf, "_notes": f"{missing} LSOAs without LAD25CD" if missing else ""}


def _build_wards(ds: Dataset, ctx: _Ctx) -> dict[str, Any]:
    gdf = arcgis_query(ctx.urls["main"], where=ds.where, geometry=True, page_size=ctx.page_size,
                       **ctx.http())
    core = _pick(gdf, ["WD25CD", "WD25NM"], what=ctx.urls["main"])
    lad = _pick(gdf, ["LAD25CD", "LAD25NM"], required=False)
    cent = _pick(gdf, ["BNG_E", "BNG_N", "LONG", "LAT"], required=False)
    attrs = pd.concat([core, lad], axis=1)
    if not {"LAD25CD", "LAD25NM"} <= set(attrs.columns):
        lk = _table(ctx.urls["lad_lookup"], ctx)
        lk = _pick(lk, ["WD25CD", "LAD25CD", "LAD25NM"], what=ctx.urls["lad_lookup"])
        attrs = attrs[["WD25CD", "WD25NM"]].merge(lk.drop_duplicates("WD25CD"), on="WD25CD", how="left")
        attrs.index = gdf.index
    attrs = pd.concat([attrs[["WD25CD", "WD25NM", "LAD25CD", "LAD25NM"]], cent], axis=1)
    if ctx.la_codes is not None:
        attrs["study_borough"] = attrs["LAD25CD"].isin(ctx.la_codes)
    out = gpd.GeoDataFrame(attrs, geometry=gdf.geometry.values, crs=gdf.crs)
    return {"wards": out.drop_duplicates("WD25CD").sort_values("WD25CD")}


_LOOKUP_COLUMNS = {
    "lookup_ward": (["LSOA21CD", "LSOA21NM", "WD24CD", "WD24NM", "LAD24CD", "LAD24NM"], {}),
    "lookup_lsoa11": (
        ["LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD", "LAD22NM"],
        {"LSOA11CD": ["F_LSOA11CD"], "LSOA11NM": ["F_LSOA11NM"]},
    ),
}


def _build_lookup(ds: Dataset, ctx: _Ctx) -> dict[str, Any]:
    cols, aliases = _LOOKUP_COLUMNS[ds.key]
    df = _pick(_table(ctx.urls["main"], ctx, where=ds.where), cols, aliases, what=ctx.urls["main"])
    sort_key = ["LSOA11CD", "LSOA21CD"] if ds.key == "lookup_lsoa11" else ["LSOA21CD"]
    df = df.drop_duplicates().sort_values(sort_key, kind="stable")
    return {ds.key: df.astype("string")}


def _read_tabular(path: Path, url: str, member: str | None = None) -> pd.DataFrame:
    """Read a downloaded CSV, a CSV inside a zip, or the first sheet of an xlsx."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".csv")]
            pick = [n for n in names if fnmatch(Path(n).name.lower(), (member or "*.csv").lower())]
            if len(pick) != 1:
                raise DownloadError(f"{url}: expected one CSV matching {member!r}, found {pick or names}")
            with z.open(pick[0]) as f:
                return pd.read_csv(f, encoding="utf-8-sig", low_memory=False)
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"PK\x03\x04" or str(url).lower().split("?")[0].endswith((".xlsx", ".xls")):
        return pd.read_excel(path, sheet_name=0)
    try:
        return pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
    except UnicodeDecodeError:
        return pd.read_csv(path, encoding="cp1252", low_memory=False)


def _build_imd(ds: Dataset, ctx: _Ctx) -> dict[str, Any]:
    raw = ctx.tmpdir / "imd2025_file7.download"
    download_file(ctx.urls["main"], raw, **ctx.http())
    df = map_imd2025_columns(_read_tabular(raw, ctx.urls["main"]))
    df = df[df["LSOA21CD"].astype(str).str.startswith("E01")].sort_values("LSOA21CD", kind="stable")
    missing = [c for c in IMD2025_FILE7_COLUMNS if c not in df.columns]
    return {
        "imd2025": df[list(IMD2025_ENGLAND_COLUMNS)],
        "imd2025:full": df,
        "_notes": f"File 7 lacks {missing}" if missing else "",
    }


def _nomis_api_csv(url: str, ctx: _Ctx, page: int = 25_000) -> pd.DataFrame:
    """Page through a Nomis API CSV with RecordOffset (Nomis caps a call at 25,000 rows)."""
    frames, offset = [], 0
    sep = "&" if "?" in url else "?"
    while True:
        part = ctx.tmpdir / f"nomis_{offset}.csv"
        download_file(f"{url}{sep}RecordOffset={offset}&RecordLimit={page}", part, **ctx.http())
        df = pd.read_csv(part, encoding="utf-8-sig", low_memory=False)
        part.unlink(missing_ok=True)
        frames.append(df)
        if len(df) < page:
            break
        offset += len(df)
    return pd.concat(frames, ignore_index=True)


def _build_census(ds: Dataset, ctx: _Ctx) -> dict[str, Any]:
    url = ctx.urls["main"]
    if "/api/v01/dataset/" in url and not url.split("?")[0].endswith(".zip"):
        df = _nomis_api_csv(url, ctx)
    else:
        raw = ctx.tmpdir / "census.download"
        download_file(url, raw, **ctx.http())
        df = _read_tabular(raw, url, ds.member)
    return {"census_age": census_age6(df)}


_BUILDERS: dict[str, Callable[[Dataset, _Ctx], dict[str, Any]]] = {
    "lsoa21_boundaries": _build_lsoa21,
    "wards": _build_wards,
    "lookup_ward": _build_lookup,
    "lookup_lsoa11": _build_lookup,
    "imd2025": _build_imd,
    "census_age": _build_census,
}


def download_to_mirror(
    dest_dir: str | os.PathLike,
    keys: Iterable[str] | None = None,
    *,
    base_urls: Mapping[str, str] | None = None,
    la_codes: Iterable[str] | None = None,
    opener: Opener | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    page_size: int = 2000,
) -> list[dict[str, Any]]:
    """Download datasets and write them at ``dest_dir/<mirror_path>`` in the mirror schema.

    ``keys`` selects datasets (default: all of :data:`DATASETS`). ``base_urls`` overrides
    a dataset's URL by key, and an auxiliary URL by ``"<key>.<name>"``. ``la_codes``
    (optional) adds the ward file's ``study_borough`` flag. GeoPackages are written in
    EPSG:27700. Returns one manifest entry per written file: key, path (relative to
    ``dest_dir``), url, urls (all sources used), publisher, licence, attribution,
    sha256 (of the written file), bytes, rows and retrieved (UTC, ISO 8601).
    """
    dest_dir = Path(dest_dir)
    keys = list(DATASETS) if keys is None else list(keys)
    unknown = [k for k in keys if k not in DATASETS]
    if unknown:
        raise ValueError(f"Unknown dataset key(s) {unknown}; known: {list(DATASETS)}")
    base_urls = dict(base_urls or {})
    valid = set(DATASETS) | {f"{k}.{a}" for k, d in DATASETS.items() for a in d.aux_urls}
    bad = sorted(set(base_urls) - valid)
    if bad:
        raise ValueError(f"Unknown base_urls key(s) {bad}; valid: {sorted(valid)}")

    manifest: list[dict[str, Any]] = []
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=dest_dir) as tmp:
        for key in keys:
            ds = DATASETS[key]
            urls = {"main": base_urls.get(key, ds.url)}
            urls.update({a: base_urls.get(f"{key}.{a}", u) for a, u in ds.aux_urls.items()})
            ctx = _Ctx(opener=opener, timeout=timeout, retries=retries, backoff=backoff,
                       page_size=page_size, la_codes=tuple(la_codes) if la_codes is not None else None,
                       tmpdir=Path(tmp), urls=urls)
            log.info("downloading %s from %s", key, urls["main"])
            built = _BUILDERS[key](ds, ctx)
            notes = built.pop("_notes", "")
            retrieved = datetime.now(timezone.utc).isoformat(timespec="seconds")
            for (name, obj), rel in zip(built.items(), ds.paths, strict=True):
                path = dest_dir / rel
                if rel.endswith(".gpkg"):
                    _write_gpkg(obj, path, ds.layer)
                else:
                    _write_csv(obj, path)
                manifest.append({
                    "key": key,
                    "path": rel,
                    "layer": ds.layer if rel.endswith(".gpkg") else None,
                    "url": urls["main"],
                    "urls": dict(urls),
                    "title": ds.title,
                    "publisher": ds.publisher,
                    "licence": ds.licence,
                    "attribution": ds.attribution,
                    "sha256": _sha256(path),
                    "bytes": path.stat().st_size,
                    "rows": int(len(obj)),
                    "retrieved": retrieved,
                    "notes": " ".join(x for x in (ds.notes, notes) if x),
                })
    return manifest
