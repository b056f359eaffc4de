"""Files of the mirror: checksums, atomic writers (CSV, GeoPackage in EPSG:27700) and a tabular reader."""

from __future__ import annotations

import hashlib
import os
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.errors import DownloadError
from geo.spatial import BNG, WGS84

__all__ = ["sha256_file"]


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.txt")
    >>> _ = open(p, "w").write("abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
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
        gdf = gdf.set_crs(WGS84)
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
