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
>>> from geo.sources import download_to_mirror
>>> manifest = download_to_mirror("data/cache/public", keys=["lookup_ward"])  # doctest: +SKIP
>>> manifest[0]["path"], manifest[0]["sha256"][:8]                          # doctest: +SKIP
('reference/lookup_lsoa21_ward24_lad24_bestfit_ew.csv', '3f9a...')
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.sources.catalogue import DATASETS, Dataset
from geo.sources.columns import (
    IMD2025_ENGLAND_COLUMNS,
    IMD2025_FILE7_COLUMNS,
    _pick,
    census_age6,
    map_imd2025_columns,
)
from geo.sources.files import _read_tabular, _write_csv, _write_gpkg, sha256_file
from geo.sources.http import DEFAULT_BACKOFF, DEFAULT_RETRIES, DEFAULT_TIMEOUT, Opener, arcgis_query, download_file

__all__ = ["download_to_mirror"]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------
# Per-dataset builders (publisher formats -> mirror schema)
# --------------------------------------------------------------------------------------


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
        return {"opener": self.opener, "timeout": self.timeout, "retries": self.retries, "backoff": self.backoff}


def _table(url: str, ctx: _Ctx, where: str = "1=1") -> pd.DataFrame:
    return arcgis_query(url, where=where, geometry=False, page_size=ctx.page_size, **ctx.http())


def _build_lsoa21(ds: Dataset, ctx: _Ctx) -> dict[str, Any]:
    gdf = arcgis_query(ctx.urls["main"], where=ds.where, geometry=True, page_size=ctx.page_size, **ctx.http())
    attrs = _pick(gdf, ["LSOA21CD", "LSOA21NM"], what=ctx.urls["main"])
    gdf = gpd.GeoDataFrame(attrs, geometry=gdf.geometry.values, crs=gdf.crs)
    gdf = gdf[gdf["LSOA21CD"].astype(str).str.startswith("E01")]
    gdf = gdf.drop_duplicates("LSOA21CD")
    lk = _table(ctx.urls["lad_lookup"], ctx, where="LSOA21CD LIKE 'E01%'")
    lk = _pick(
        lk, ["LSOA21CD", "LAD25CD"], {"LAD25CD": ["LADCD_ACTIVE", "LAD24CD"]}, what=ctx.urls["lad_lookup"]
    ).drop_duplicates("LSOA21CD")
    gdf = gdf.merge(lk, on="LSOA21CD", how="left", validate="one_to_one")
    missing = int(gdf["LAD25CD"].isna().sum())
    if missing:
        log.warning("%d LSOAs have no LAD25CD in %s", missing, ctx.urls["lad_lookup"])
    gdf = gdf[["LSOA21CD", "LSOA21NM", "LAD25CD", "geometry"]].sort_values("LSOA21CD")
    return {"lsoa21_boundaries": gdf, "_notes": f"{missing} LSOAs without LAD25CD" if missing else ""}


def _build_wards(ds: Dataset, ctx: _Ctx) -> dict[str, Any]:
    gdf = arcgis_query(ctx.urls["main"], where=ds.where, geometry=True, page_size=ctx.page_size, **ctx.http())
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
    la = tuple(la_codes) if la_codes is not None else None
    with tempfile.TemporaryDirectory(prefix=".download-", dir=dest_dir) as tmp:
        for key in keys:
            ds = DATASETS[key]
            urls = {"main": base_urls.get(key, ds.url)}
            urls.update({a: base_urls.get(f"{key}.{a}", u) for a, u in ds.aux_urls.items()})
            ctx = _Ctx(
                opener=opener,
                timeout=timeout,
                retries=retries,
                backoff=backoff,
                page_size=page_size,
                la_codes=la,
                tmpdir=Path(tmp),
                urls=urls,
            )
            log.info("downloading %s from %s", key, urls["main"])
            manifest.extend(_write_dataset(ds, ctx, dest_dir))
    return manifest


def _write_dataset(ds: Dataset, ctx: _Ctx, dest_dir: Path) -> list[dict[str, Any]]:
    """Build one dataset, write its file(s) under ``dest_dir``; one manifest entry per file."""
    built = _BUILDERS[ds.key](ds, ctx)
    notes = built.pop("_notes", "")
    retrieved = datetime.now(UTC).isoformat(timespec="seconds")
    entries = []
    for obj, rel in zip(built.values(), ds.paths, strict=True):
        path = dest_dir / rel
        if rel.endswith(".gpkg"):
            _write_gpkg(obj, path, ds.layer)
        else:
            _write_csv(obj, path)
        entries.append(
            {
                "key": ds.key,
                "path": rel,
                "layer": ds.layer if rel.endswith(".gpkg") else None,
                "url": ctx.urls["main"],
                "urls": dict(ctx.urls),
                "title": ds.title,
                "publisher": ds.publisher,
                "licence": ds.licence,
                "attribution": ds.attribution,
                "sha256": sha256_file(path),
                "bytes": path.stat().st_size,
                "rows": int(len(obj)),
                "retrieved": retrieved,
                "notes": " ".join(x for x in (ds.notes, notes) if x),
            }
        )
    return entries
