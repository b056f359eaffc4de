"""HTTP with retries (standard library ``urllib`` only) and paged ArcGIS REST queries."""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.errors import DownloadError

__all__ = ["DEFAULT_BACKOFF", "DEFAULT_RETRIES", "DEFAULT_TIMEOUT", "arcgis_features", "arcgis_query", "download_file"]

log = logging.getLogger(__name__)

USER_AGENT = "familyhubs-geo/0.1 (open-source; Python urllib)"
DEFAULT_TIMEOUT = 120.0  # seconds, per request
DEFAULT_RETRIES = 4  # attempts in total (1 try + 3 retries)
DEFAULT_BACKOFF = 2.0  # seconds; doubles after each failed attempt
MAX_PAGES = 10_000  # safety net against a server that never stops paging


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
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as e:
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
            data.get("exceededTransferLimit") or (data.get("properties") or {}).get("exceededTransferLimit")
        )
        if not feats or not exceeded:
            break
        offset += len(feats)
    else:
        raise DownloadError(f"More than {MAX_PAGES} pages from {url}; giving up")
    log.info("%s: %d features", url, len(features))
    return features, crs


def arcgis_query(service_url: str, *, geometry: bool = True, **kwargs: Any) -> gpd.GeoDataFrame | pd.DataFrame:
    """Query an ArcGIS FeatureServer layer or table, following pagination.

    Returns a GeoDataFrame (CRS as returned, normally EPSG:4326) when ``geometry`` is
    true, else a DataFrame of the attributes. The other keyword arguments are those of
    :func:`arcgis_features` (``where``, ``out_fields``, ``page_size``, ``opener``, ``timeout``,
    ``retries``, ``backoff``, ``order_by``...), with its defaults.
    """
    feats, crs = arcgis_features(service_url, geometry=geometry, **kwargs)
    if geometry:
        if not feats:
            return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        return gpd.GeoDataFrame.from_features(feats, crs=crs)
    return pd.DataFrame.from_records([f.get("attributes") or f.get("properties") or {} for f in feats])
