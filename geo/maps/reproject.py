"""Reprojection in one long-lived thread, so interactive reruns do not pay for new PROJ transformers.

pyproj keeps a transformer's PROJ objects per thread, and making them costs ~65 ms per pair of
coordinate systems (PROJ reads its database and picks an operation, e.g. OSTN15 for EPSG:27700
to EPSG:4326). Streamlit runs every rerun of the app's script in a new thread, so a plain
``to_crs`` there pays this on every rerun that reprojects anything. :func:`to_crs` runs the
reprojection in a single worker thread that keeps its transformers: same numbers, no set-up cost
after the first call.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["to_crs"]

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_worker: set[int] = set()


def _executor() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():  # a forked child has no copy of the worker thread
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo-reproject",
                                       initializer=lambda: _worker.add(threading.get_ident()))
            _pool_pid = os.getpid()
        return _pool


def to_crs(data, crs):
    """``data.to_crs(crs)`` run in the reprojection thread (the result is identical).

    Parameters
    ----------
    data : GeoDataFrame or GeoSeries
    crs : int, str or pyproj.CRS

    Returns
    -------
    GeoDataFrame or GeoSeries
        A new object, as ``data.to_crs(crs)`` returns.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoSeries([Point(530000, 180000)], crs=27700)
    >>> bool(to_crs(pts, 4326).geom_equals(pts.to_crs(4326)).all())
    True
    """
    if threading.get_ident() in _worker:  # already in the worker (never wait for ourselves)
        return data.to_crs(crs)
    return _executor().submit(data.to_crs, crs).result()
