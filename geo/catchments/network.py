"""A street network as a sparse graph, and shortest-path travel minutes on it (Dijkstra)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.spatial import BNG, as_xy

__all__ = ["Network", "build_network", "network_minutes"]


def _metres_per_minute(speed_kmh: float) -> float:
    if not speed_kmh > 0:
        raise ValueError(f"speed_kmh must be positive, got {speed_kmh!r}")
    return speed_kmh * 1000.0 / 60.0


@dataclass(frozen=True, eq=False)
class Network:
    """A street network ready for shortest-path queries.

    Attributes
    ----------
    node_ids : numpy.ndarray
        Node identifiers as read (e.g. OSM ids), position = graph index.
    xy : numpy.ndarray
        ``(n_nodes, 2)`` node coordinates in ``crs``.
    graph : scipy.sparse.csr_array
        Directed edge lengths in metres (one-way streets in their direction only;
        parallel edges reduced to the shortest).
    undirected : scipy.sparse.csr_array
        Symmetric version of ``graph`` (each street usable both ways, shortest length).
    crs : str
    """

    node_ids: np.ndarray
    xy: np.ndarray
    graph: sparse.csr_array
    undirected: sparse.csr_array
    crs: str = BNG
    tree: cKDTree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tree", cKDTree(self.xy))

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        return int(self.graph.nnz)

    def __repr__(self) -> str:
        return f"Network({self.n_nodes} nodes, {self.n_edges} directed edges, {self.crs})"


def _csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> sparse.csr_array:
    """CSR graph keeping the shortest of parallel edges (coo->csr would sum them)."""
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, w = u[first], v[first], w[first]
    # explicit zeros are not edges to csgraph: give zero-length edges a negligible length
    w = np.where(w > 0, w, 1e-6)
    return sparse.csr_array((w, (u, v)), shape=(n, n))


def build_network(
    node_ids: Any,
    nodes_xy: Any,
    u: Any,
    v: Any,
    length: Any | None = None,
    oneway: Any | None = None,
    *,
    crs: str = BNG,
) -> Network:
    """Build a :class:`Network` from node and edge arrays.

    Parameters
    ----------
    node_ids : array-like
        Node identifiers.
    nodes_xy : array-like (n_nodes, 2)
        Node coordinates in ``crs`` (metres).
    u, v : array-like
        Edge end node identifiers (values of ``node_ids``). Edges naming unknown nodes are
        dropped with a warning.
    length : array-like, optional
        Edge lengths in metres; missing values (or no column) use the straight line
        between the end nodes.
    oneway : array-like of bool, optional
        Edges with ``oneway`` False (or no column) are usable in both directions; one-way
        edges only from ``u`` to ``v``. An OSMnx graph already lists both directions of a
        two-way street, which is harmless here.
    crs : str, default "EPSG:27700"

    Returns
    -------
    Network

    Examples
    --------
    >>> net = build_network([1, 2, 3], [[0, 0], [100, 0], [200, 0]], [1, 2], [2, 3])
    >>> net
    Network(3 nodes, 4 directed edges, EPSG:27700)
    """
    ids = np.asarray(node_ids)
    xy = as_xy(nodes_xy)
    if len(ids) != len(xy):
        raise ValueError("node_ids and nodes_xy differ in length")
    index = pd.Index(ids)
    if not index.is_unique:
        raise ValueError("node ids are not unique")
    ui = index.get_indexer(np.asarray(u))
    vi = index.get_indexer(np.asarray(v))
    known = (ui >= 0) & (vi >= 0)
    if not known.all():
        warnings.warn(f"{int((~known).sum())} edge(s) name nodes that are not in the node list; dropped", stacklevel=2)
    seg = np.hypot(*(xy[ui[known]] - xy[vi[known]]).T)
    if length is None:
        w = seg
    else:
        w = pd.to_numeric(pd.Series(np.asarray(length)[known]), errors="coerce").to_numpy(float)
        w = np.where(np.isfinite(w) & (w >= 0), w, seg)
    ui, vi = ui[known], vi[known]
    if oneway is None:
        two_way = np.ones(len(ui), dtype=bool)
    else:
        ow = pd.Series(np.asarray(oneway)[known])
        if ow.dtype == object or pd.api.types.is_string_dtype(ow):
            ow = ow.astype("str").str.strip().str.lower().isin(["true", "yes", "1", "-1"])
        two_way = ~ow.fillna(False).astype(bool).to_numpy()
    du = np.concatenate([ui, vi[two_way]])
    dv = np.concatenate([vi, ui[two_way]])
    dw = np.concatenate([w, w[two_way]])
    n = len(ids)
    graph = _csr(du, dv, dw, n)
    undirected = _csr(np.concatenate([ui, vi]), np.concatenate([vi, ui]), np.concatenate([w, w]), n)
    return Network(node_ids=ids, xy=xy, graph=graph, undirected=undirected, crs=crs)


def network_minutes(
    network: Network,
    origins_xy: Any,
    destinations_xy: Any,
    *,
    speed_kmh: float,
    detour: float = 1.0,
    limit_minutes: float | None = None,
    directed: bool = False,
    block_cells: int = 20_000_000,
) -> np.ndarray:
    """Matrix of shortest-path travel minutes on a street network.

    Every point is snapped to its nearest node (cKDTree). Travel time is
    ``(snap_origin x detour + network path + snap_destination x detour) / speed``.
    Dijkstra runs from the unique destination nodes (usually fewer than origins), in
    blocks bounded by ``block_cells`` distance cells.

    Parameters
    ----------
    network : Network
    origins_xy, destinations_xy : array-like (n, 2) or GeoSeries / GeoDataFrame
        Coordinates in the network's CRS.
    speed_kmh : float
    detour : float, default 1.0
        Detour factor applied to the snap (access) distances only.
    limit_minutes : float, optional
        Stop searching beyond this many minutes of network travel; pairs further apart
        get ``inf`` (pairs within the limit are exact).
    directed : bool, default False
        False: every street is usable both ways (walking). True: one-way streets are
        respected (the search runs on the reversed graph from each destination).
    block_cells : int
        Bound on the size of each Dijkstra result block.

    Returns
    -------
    numpy.ndarray of float32, shape (n_origins, n_destinations)
        ``inf`` where no path exists (or beyond ``limit_minutes``).

    Examples
    --------
    >>> net = build_network([1, 2, 3], [[0, 0], [100, 0], [100, 100]], [1, 2], [2, 3])
    >>> network_minutes(net, [[0, 0]], [[100, 100]], speed_kmh=6.0)
    array([[2.]], dtype=float32)
    """
    o, d = as_xy(origins_xy), as_xy(destinations_xy)
    mpm = _metres_per_minute(speed_kmh)
    out = np.empty((len(o), len(d)), dtype=np.float32)
    if out.size == 0:
        return out
    snap_o, node_o = network.tree.query(o)
    snap_d, node_d = network.tree.query(d)
    uniq, inv = np.unique(node_d, return_inverse=True)
    graph = network.graph.T.tocsr() if directed else network.undirected
    limit = np.inf if limit_minutes is None else float(limit_minutes) * mpm
    path = np.empty((len(uniq), len(o)), dtype=np.float64)
    rows = max(1, int(block_cells) // max(1, network.n_nodes))
    for start in range(0, len(uniq), rows):
        block = uniq[start : start + rows]
        dist = dijkstra(graph, directed=True, indices=block, limit=limit)
        path[start : start + rows] = np.atleast_2d(dist)[:, node_o]
    access = (snap_o[:, None] + snap_d[None, :]) * detour
    out[:] = (path[inv].T + access) / mpm
    return out
