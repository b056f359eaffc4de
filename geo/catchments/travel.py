"""Travel times between LSOA demand points and service sites.

Two models, one entry point (:func:`travel_minutes`):

- **Straight line** (default): euclidean metres in EPSG:27700 x a detour factor, at the
  mode's speed. Matrices are computed in row blocks to bound memory and nearest-site
  queries use :class:`scipy.spatial.cKDTree`, so 33,755 LSOAs x ~1,000 sites is cheap.
- **Street network** (``Travel.network`` set): shortest paths with
  :func:`scipy.sparse.csgraph.dijkstra` on a graph read from GraphML or from a GeoPackage
  with ``nodes`` and ``edges`` layers. Points are snapped to their nearest node; the snap
  distance x detour, at the mode's speed, is added as access time at both ends.

All analysis is in EPSG:27700 (British National Grid, metres). Coordinates may be given as
an ``(n, 2)`` array of eastings and northings or as a GeoSeries / GeoDataFrame of points
(reprojected to EPSG:27700 when they carry another CRS).

Examples
--------
>>> import numpy as np
>>> from geo.config import Travel
>>> travel_minutes(np.array([[0.0, 0.0]]), np.array([[1000.0, 0.0]]), Travel())
array([[17.333334]], dtype=float32)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from geo.catchments.network import Network, _metres_per_minute, network_minutes
from geo.catchments.network_io import load_network
from geo.config import Travel
from geo.spatial import BNG, as_xy

__all__ = ["straight_line_minutes", "nearest", "travel_minutes", "travel_nearest", "paired_minutes"]

#: Largest number of matrix cells computed at once (float64 work arrays of ~32 MB).
BLOCK_CELLS = 4_000_000


def straight_line_minutes(
    origins_xy: Any,
    destinations_xy: Any,
    *,
    speed_kmh: float,
    detour: float,
    block_cells: int = BLOCK_CELLS,
) -> np.ndarray:
    """Matrix of straight-line travel minutes.

    ``minutes = euclidean metres x detour / (speed_kmh x 1000 / 60)``, computed in blocks
    of origin rows (at most ``block_cells`` cells at a time) so memory stays bounded.

    Parameters
    ----------
    origins_xy, destinations_xy : array-like (n, 2) or GeoSeries / GeoDataFrame
        EPSG:27700 coordinates (see :func:`as_xy`).
    speed_kmh : float
        Travel speed.
    detour : float
        Ratio of route length to straight-line distance (>= 1 in practice).
    block_cells : int
        Cells per block.

    Returns
    -------
    numpy.ndarray of float32, shape (n_origins, n_destinations)

    Examples
    --------
    >>> straight_line_minutes([[0, 0]], [[1000, 0], [0, 750]], speed_kmh=4.5, detour=1.3)
    array([[17.333334, 13.      ]], dtype=float32)
    """
    o, d = as_xy(origins_xy), as_xy(destinations_xy)
    factor = detour / _metres_per_minute(speed_kmh)
    out = np.empty((len(o), len(d)), dtype=np.float32)
    if out.size == 0:
        return out
    rows = max(1, int(block_cells) // max(1, len(d)))
    for start in range(0, len(o), rows):
        ob = o[start : start + rows]
        dist = np.hypot(ob[:, 0, None] - d[None, :, 0], ob[:, 1, None] - d[None, :, 1])
        out[start : start + rows] = dist * factor
    return out


def nearest(
    origins_xy: Any,
    destinations_xy: Any,
    *,
    speed_kmh: float,
    detour: float,
    k: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest destination(s) of every origin by straight-line travel time.

    Uses a :class:`scipy.spatial.cKDTree` on the destinations. Exact ties are broken
    towards the lower destination index (as ``numpy.argmin`` would), so results do not
    depend on the tree's internals.

    Parameters
    ----------
    origins_xy, destinations_xy : array-like (n, 2) or GeoSeries / GeoDataFrame
    speed_kmh, detour : float
        As in :func:`straight_line_minutes`.
    k : int, default 1
        Number of neighbours (capped at the number of destinations).

    Returns
    -------
    index : numpy.ndarray of int64
        Shape ``(n,)`` when ``k == 1``, else ``(n, k)``; positions in ``destinations_xy``.
    minutes : numpy.ndarray of float64
        Same shape as ``index``.

    Examples
    --------
    >>> idx, mins = nearest([[0, 0], [900, 0]], [[1000, 0], [-150, 0]], speed_kmh=4.5, detour=1.0)
    >>> idx.tolist(), mins.round(2).tolist()
    ([1, 0], [2.0, 1.33])
    """
    o, d = as_xy(origins_xy), as_xy(destinations_xy)
    if len(d) == 0:
        raise ValueError("no destinations")
    if k < 1:
        raise ValueError("k must be at least 1")
    k_out = min(int(k), len(d))
    k_query = min(k_out + 8, len(d))  # a few spare neighbours to resolve exact ties
    factor = detour / _metres_per_minute(speed_kmh)
    if len(o) == 0:
        shape = (0,) if k == 1 else (0, k_out)
        return np.empty(shape, dtype=np.int64), np.empty(shape, dtype=float)
    dist, idx = cKDTree(d).query(o, k=k_query)
    dist = np.asarray(dist, dtype=float).reshape(len(o), k_query)
    idx = np.asarray(idx, dtype=np.int64).reshape(len(o), k_query)
    order = np.lexsort((idx, dist), axis=1)
    dist = np.take_along_axis(dist, order, axis=1)[:, :k_out]
    idx = np.take_along_axis(idx, order, axis=1)[:, :k_out]
    minutes = dist * factor
    if k == 1:
        return idx[:, 0], minutes[:, 0]
    return idx, minutes


@functools.lru_cache(maxsize=4)
def _cached_network(path: str, mtime_ns: int, crs: str) -> Network:
    return load_network(path, crs=crs)


def _network_for(travel: Travel, network: Network | None) -> Network | None:
    if network is not None:
        return network
    if travel.network is None:
        return None
    p = Path(travel.network).expanduser().resolve()
    if not p.is_file():
        raise FileNotFoundError(f"travel network file not found: {p}")
    return _cached_network(str(p), p.stat().st_mtime_ns, BNG)


def _resolve(travel: Travel, mode: str | None, network: Network | None) -> tuple[Any, Network | None]:
    """The mode's speed and detour (``travel.modes``), and the street network to use (``None``: straight lines)."""
    name = mode or travel.mode
    if name not in travel.modes:
        raise ValueError(f"unknown travel mode {name!r}; configured modes: {sorted(travel.modes)}")
    return travel.modes[name], _network_for(travel, network)


def travel_minutes(origins_xy: Any, destinations_xy: Any, travel: Travel, *, mode: str | None = None,
                   network: Network | None = None, limit_minutes: float | None = None,
                   directed: bool = False) -> np.ndarray:
    """Travel-time matrix (minutes) under a :class:`geo.config.Travel` setting.

    Uses the street network when ``travel.network`` is set (or ``network`` is passed),
    otherwise the straight-line model. Speed and detour come from ``travel.modes[mode]``.

    Parameters
    ----------
    origins_xy, destinations_xy : array-like (n, 2) or GeoSeries / GeoDataFrame
    travel : geo.config.Travel
    mode : str, optional
        Mode name; default ``travel.mode``.
    network : Network, optional
        A loaded network, overriding ``travel.network`` (avoids re-reading the file; files
        named by ``travel.network`` are cached anyway).
    limit_minutes, directed
        Network mode only, see :func:`network_minutes`.

    Returns
    -------
    numpy.ndarray of float32, shape (n_origins, n_destinations)

    Examples
    --------
    >>> from geo.config import Travel
    >>> travel_minutes([[0, 0]], [[1200, 0]], Travel(), mode="bus").round(2)
    array([[8.4]], dtype=float32)
    """
    m, net = _resolve(travel, mode, network)
    if net is None:
        return straight_line_minutes(origins_xy, destinations_xy, speed_kmh=m.speed_kmh, detour=m.detour)
    return network_minutes(net, origins_xy, destinations_xy, speed_kmh=m.speed_kmh, detour=m.detour,
                           limit_minutes=limit_minutes, directed=directed)


def travel_nearest(origins_xy: Any, destinations_xy: Any, travel: Travel, *, mode: str | None = None,
                   network: Network | None = None, directed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Nearest destination of every origin by travel time, under a ``Travel`` setting.

    Straight-line mode uses the cKDTree (:func:`nearest`); network mode takes the row
    minimum of :func:`travel_minutes` (ties: lowest destination index).

    Returns
    -------
    index : numpy.ndarray of int64, shape (n_origins,)
    minutes : numpy.ndarray of float64, shape (n_origins,)

    Examples
    --------
    >>> from geo.config import Travel
    >>> idx, mins = travel_nearest([[0, 0]], [[3000, 0], [0, 1000]], Travel())
    >>> idx.tolist(), mins.round(3).tolist()
    ([1], [17.333])
    """
    m, net = _resolve(travel, mode, network)
    if net is None:
        return nearest(origins_xy, destinations_xy, speed_kmh=m.speed_kmh, detour=m.detour)
    mat = travel_minutes(origins_xy, destinations_xy, travel, mode=mode, network=net, directed=directed)
    if mat.shape[1] == 0:
        raise ValueError("no destinations")
    idx = np.argmin(mat, axis=1).astype(np.int64)
    return idx, mat[np.arange(len(mat)), idx].astype(float)


def paired_minutes(origins_xy: Any, destinations_xy: Any, travel: Travel, *, mode: str | None = None,
                   network: Network | None = None, directed: bool = False) -> np.ndarray:
    """Travel minutes from each origin to its own destination (row ``i`` to row ``i``).

    Returns
    -------
    numpy.ndarray of float64, shape (n,)

    Examples
    --------
    >>> from geo.config import Travel
    >>> paired_minutes([[0, 0], [0, 0]], [[1000, 0], [0, 2000]], Travel()).round(3).tolist()
    [17.333, 34.667]
    """
    o, d = as_xy(origins_xy), as_xy(destinations_xy)
    if len(o) != len(d):
        raise ValueError("origins and destinations differ in length")
    m, net = _resolve(travel, mode, network)
    if net is None:
        return np.hypot(*(o - d).T) * m.detour / _metres_per_minute(m.speed_kmh)
    if len(o) == 0:
        return np.empty(0)
    uniq, inv = np.unique(d, axis=0, return_inverse=True)
    mat = travel_minutes(o, uniq, travel, mode=mode, network=net, directed=directed)
    return mat[np.arange(len(o)), inv.ravel()].astype(float)
