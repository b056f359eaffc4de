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
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.config import Travel

__all__ = [
    "BNG",
    "Network",
    "as_xy",
    "demand_points",
    "straight_line_minutes",
    "nearest",
    "build_network",
    "load_network",
    "network_minutes",
    "travel_minutes",
    "travel_nearest",
    "paired_minutes",
]

BNG = "EPSG:27700"

#: Largest number of matrix cells computed at once (float64 work arrays of ~32 MB).
BLOCK_CELLS = 4_000_000


# --------------------------------------------------------------------------------------
# coordinates
# --------------------------------------------------------------------------------------


def as_xy(points: Any) -> np.ndarray:
    """Return points as a float64 ``(n, 2)`` array of EPSG:27700 eastings and northings.

    Parameters
    ----------
    points : array-like of shape (n, 2), GeoSeries or GeoDataFrame
        Coordinates in metres, or point geometries. Geometries with a CRS other than
        EPSG:27700 are reprojected; geometries without a CRS are taken as EPSG:27700.
        Non-point geometries are replaced by their ``representative_point()``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> as_xy([[1, 2], [3, 4]])
    array([[1., 2.],
           [3., 4.]])
    """
    if isinstance(points, (gpd.GeoSeries, gpd.GeoDataFrame)):
        geom = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if geom.crs is not None and not geom.crs.equals(BNG):
            geom = geom.to_crs(BNG)
        if len(geom) == 0:
            return np.empty((0, 2), dtype=float)
        if geom.isna().any() or geom.is_empty.any():
            raise ValueError("points include missing or empty geometries")
        if not (geom.geom_type == "Point").all():
            geom = geom.representative_point()
        return np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)])
    xy = np.asarray(points, dtype=float)
    if xy.ndim == 1 and xy.size == 2:
        xy = xy.reshape(1, 2)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"expected an (n, 2) array of x, y coordinates, got shape {xy.shape}")
    if not np.isfinite(xy).all():
        raise ValueError("coordinates include NaN or infinite values")
    return xy


def _metres_per_minute(speed_kmh: float) -> float:
    if not speed_kmh > 0:
        raise ValueError(f"speed_kmh must be positive, got {speed_kmh!r}")
    return speed_kmh * 1000.0 / 60.0


def _find_col(df: pd.DataFrame, name: str) -> str:
    """``name`` if present, else the one column equal to it ignoring case."""
    if name in df.columns:
        return name
    hits = [c for c in df.columns if isinstance(c, str) and c.lower() == name.lower()]
    if len(hits) == 1:
        return hits[0]
    raise KeyError(f"column {name!r} not found (columns: {list(df.columns)})")


# --------------------------------------------------------------------------------------
# demand points
# --------------------------------------------------------------------------------------


def demand_points(
    lsoa: gpd.GeoDataFrame,
    postcodes: pd.DataFrame | None,
    *,
    code_col: str = "lsoa21cd",
    x_col: str = "easting",
    y_col: str = "northing",
) -> gpd.GeoDataFrame:
    """One demand point per LSOA: the mean of its postcode centroids.

    The mean of the postcode-unit centroids inside an LSOA stands in for the ONS
    population-weighted centroid (each postcode unit counts once; Code-Point Open has no
    household counts). A postcode on the boundary of two LSOAs counts for the first of them
    in ``lsoa`` order. LSOAs with no postcode get ``representative_point()`` (a point
    guaranteed to lie inside the polygon). When the postcode mean falls outside its LSOA
    (concave or multi-part shapes), the point is moved to the LSOA's postcode centroid
    nearest to that mean (ties: the first postcode in ``postcodes`` order); the source is
    still ``"postcode_mean"`` and ``demand_point_snapped`` is True.

    Parameters
    ----------
    lsoa : GeoDataFrame
        LSOA polygons with a CRS (reprojected to EPSG:27700 if needed).
    postcodes : DataFrame or None
        Postcode centroids with ``x_col`` / ``y_col`` in EPSG:27700 metres, or a
        GeoDataFrame of points. Rows with missing coordinates are ignored. ``None`` or an
        empty frame gives representative points everywhere.
    code_col : str, default "lsoa21cd"
        LSOA code column (matched ignoring case, so ``LSOA21CD`` is found).
    x_col, y_col : str
        Coordinate columns of ``postcodes``.

    Returns
    -------
    GeoDataFrame
        Indexed like ``lsoa``, EPSG:27700, with columns ``<code_col>``, ``n_postcodes``
        (int), ``demand_point_source`` (``"postcode_mean"`` or ``"representative_point"``),
        ``demand_point_snapped`` (bool) and point ``geometry``.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> lsoa = gpd.GeoDataFrame({"lsoa21cd": ["A", "B"]},
    ...                         geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
    ...                         crs="EPSG:27700")
    >>> pc = pd.DataFrame({"easting": [10, 30], "northing": [10, 50]})
    >>> pts = demand_points(lsoa, pc)
    >>> pts[["n_postcodes", "demand_point_source"]].to_dict("list")
    {'n_postcodes': [2, 0], 'demand_point_source': ['postcode_mean', 'representative_point']}
    >>> pts.geometry.iloc[0].wkt
    'POINT (20 30)'
    """
    if lsoa.crs is None:
        raise ValueError("lsoa has no CRS; set it (EPSG:27700 for British National Grid)")
    gdf = lsoa if lsoa.crs.equals(BNG) else lsoa.to_crs(BNG)
    col = _find_col(gdf, code_col)
    n = len(gdf)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    if n and (pd.isna(geoms).any() or shapely.is_empty(geoms).any()):
        raise ValueError("lsoa has missing or empty geometries")

    pc_xy = _postcode_xy(postcodes, x_col, y_col)
    counts = np.zeros(n, dtype=np.int64)
    px = np.full(n, np.nan)
    py = np.full(n, np.nan)
    snapped = np.zeros(n, dtype=bool)

    if len(pc_xy) and n:
        pts = shapely.points(pc_xy)
        pc_i, poly_i = gdf.sindex.query(pts, predicate="intersects")
        # a postcode on a shared boundary counts once: for the first LSOA in row order
        order = np.lexsort((poly_i, pc_i))
        pc_i, poly_i = pc_i[order], poly_i[order]
        first = np.ones(len(pc_i), dtype=bool)
        first[1:] = pc_i[1:] != pc_i[:-1]
        pc_i, poly_i = pc_i[first], poly_i[first]

        counts = np.bincount(poly_i, minlength=n)
        has = counts > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            px = np.bincount(poly_i, weights=pc_xy[pc_i, 0], minlength=n) / counts
            py = np.bincount(poly_i, weights=pc_xy[pc_i, 1], minlength=n) / counts
        outside = np.zeros(n, dtype=bool)
        outside[has] = ~shapely.intersects_xy(geoms[has], px[has], py[has])
        if outside.any():
            sel = outside[poly_i]
            sp, sc = poly_i[sel], pc_i[sel]
            d2 = (pc_xy[sc, 0] - px[sp]) ** 2 + (pc_xy[sc, 1] - py[sp]) ** 2
            o = np.lexsort((sc, d2, sp))
            sp, sc = sp[o], sc[o]
            _, firsts = np.unique(sp, return_index=True)
            px[sp[firsts]] = pc_xy[sc[firsts], 0]
            py[sp[firsts]] = pc_xy[sc[firsts], 1]
            snapped[sp[firsts]] = True

    has = counts > 0
    if (~has).any():
        rep = shapely.point_on_surface(geoms[~has])
        px[~has] = shapely.get_x(rep)
        py[~has] = shapely.get_y(rep)

    source = np.where(has, "postcode_mean", "representative_point")
    return gpd.GeoDataFrame(
        {
            col: gdf[col].to_numpy(),
            "n_postcodes": counts.astype(np.int64),
            "demand_point_source": pd.array(source, dtype="str") if n else pd.array([], dtype="str"),
            "demand_point_snapped": snapped,
        },
        geometry=shapely.points(px, py) if n else [],
        index=gdf.index,
        crs=BNG,
    )


def _postcode_xy(postcodes: pd.DataFrame | None, x_col: str, y_col: str) -> np.ndarray:
    if postcodes is None or len(postcodes) == 0:
        return np.empty((0, 2), dtype=float)
    if isinstance(postcodes, gpd.GeoDataFrame) and not {x_col, y_col} <= set(postcodes.columns):
        geom = postcodes.geometry
        if geom.crs is not None and not geom.crs.equals(BNG):
            geom = geom.to_crs(BNG)
        geom = geom[geom.notna() & ~geom.is_empty]
        return np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)])
    xc, yc = _find_col(postcodes, x_col), _find_col(postcodes, y_col)
    xy = np.column_stack(
        [pd.to_numeric(postcodes[xc], errors="coerce").to_numpy(float),
         pd.to_numeric(postcodes[yc], errors="coerce").to_numpy(float)]
    )
    return xy[np.isfinite(xy).all(axis=1)]


# --------------------------------------------------------------------------------------
# straight-line model
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# network model
# --------------------------------------------------------------------------------------


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
        warnings.warn(f"{int((~known).sum())} edge(s) name nodes that are not in the node list; dropped")
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


def load_network(path: str | Path, *, crs: str = BNG) -> Network:
    """Read a street network from GraphML or from a GeoPackage.

    GraphML is read with a small streaming XML reader (no networkx needed); OSMnx files
    work as they are: node ``x``/``y`` in the graph's ``crs`` (EPSG:4326 is assumed when
    the graph names no CRS and the coordinates look like degrees) are reprojected to
    ``crs``; edge ``length`` (metres) and ``oneway`` are used when present. An undirected
    GraphML graph makes every edge two-way.

    A GeoPackage needs an ``edges`` layer (``u``, ``v`` and optionally ``length`` in
    metres and ``oneway``) and a ``nodes`` layer (``osmid`` and point geometry; without
    geometry, ``x``/``y`` are read in ``crs``). Node positions come from the geometry,
    because OSMnx exports keep ``x``/``y`` in degrees even after reprojection.

    Parameters
    ----------
    path : str or Path
        ``.graphml`` / ``.xml`` or ``.gpkg`` file.
    crs : str, default "EPSG:27700"
        Projected CRS for analysis (metres).

    Returns
    -------
    Network

    Examples
    --------
    >>> net = load_network("westminster_drive_osm_2024-02.gpkg")   # doctest: +SKIP
    >>> net                                                          # doctest: +SKIP
    Network(3311 nodes, 7478 directed edges, EPSG:27700)
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"network file not found: {path}")
    if path.suffix.lower() in {".graphml", ".xml"}:
        return _load_graphml(path, crs)
    if path.suffix.lower() == ".gpkg":
        return _load_gpkg(path, crs)
    raise ValueError(f"{path}: unsupported network format (use .graphml or .gpkg)")


def _load_gpkg(path: Path, crs: str) -> Network:
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(path)}
    missing = {"nodes", "edges"} - layers
    if missing:
        raise ValueError(f"{path}: missing layer(s) {sorted(missing)}; found {sorted(layers)}")
    ecols = set(pyogrio.read_info(path, layer="edges")["fields"])
    if not {"u", "v"} <= ecols:
        raise ValueError(f"{path}: layer 'edges' needs columns u and v")
    want = [c for c in ("u", "v", "length", "oneway") if c in ecols]
    edges = pyogrio.read_dataframe(path, layer="edges", columns=want, read_geometry="length" not in ecols)
    if "length" not in edges.columns and isinstance(edges, gpd.GeoDataFrame):
        geo = edges.geometry if edges.crs is None or edges.crs.equals(crs) else edges.geometry.to_crs(crs)
        edges["length"] = geo.length
    ninfo = pyogrio.read_info(path, layer="nodes")
    nodes = pyogrio.read_dataframe(path, layer="nodes")
    idcol = "osmid" if "osmid" in nodes.columns else ("id" if "id" in nodes.columns else None)
    if idcol is None:
        raise ValueError(f"{path}: layer 'nodes' needs an 'osmid' (or 'id') column")
    if isinstance(nodes, gpd.GeoDataFrame) and ninfo.get("geometry_type"):
        geom = nodes.geometry
        if geom.crs is not None and not geom.crs.equals(crs):
            geom = geom.to_crs(crs)
        xy = np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)])
    else:
        xy = nodes[["x", "y"]].to_numpy(float)
    return build_network(
        nodes[idcol].to_numpy(), xy, edges["u"].to_numpy(), edges["v"].to_numpy(),
        edges.get("length"), edges.get("oneway"), crs=crs,
    )


def _load_graphml(path: Path, crs: str) -> Network:
    keys: dict[str, str] = {}
    graph_data: dict[str, str] = {}
    node_ids: list[str] = []
    node_x: list[str | None] = []
    node_y: list[str | None] = []
    eu: list[str] = []
    ev: list[str] = []
    elen: list[str | None] = []
    eone: list[str | None] = []
    edgedefault = None
    stack: list[str] = []

    def data_of(elem: ET.Element) -> dict[str, str | None]:
        return {keys.get(d.get("key"), d.get("key")): d.text
                for d in elem if d.tag.rsplit("}", 1)[-1] == "data"}

    for event, elem in ET.iterparse(path, events=("start", "end")):
        tag = elem.tag.rsplit("}", 1)[-1]
        if event == "start":
            if tag == "graph" and edgedefault is None:
                edgedefault = elem.get("edgedefault", "directed")
            stack.append(tag)
            continue
        stack.pop()
        if tag == "key":
            keys[elem.get("id")] = elem.get("attr.name") or elem.get("id")
        elif tag == "node":
            data = data_of(elem)
            node_ids.append(elem.get("id"))
            node_x.append(data.get("x"))
            node_y.append(data.get("y"))
            elem.clear()
        elif tag == "edge":
            data = data_of(elem)
            eu.append(elem.get("source"))
            ev.append(elem.get("target"))
            elen.append(data.get("length"))
            eone.append("False" if elem.get("directed") == "false" else data.get("oneway"))
            elem.clear()
        elif tag == "data" and stack and stack[-1] == "graph" and stack.count("graph") == 1:
            graph_data[keys.get(elem.get("key"), elem.get("key"))] = (elem.text or "").strip()

    if not node_ids:
        raise ValueError(f"{path}: no nodes found in GraphML")
    x = pd.to_numeric(pd.Series(node_x, dtype=object), errors="coerce").to_numpy(float)
    y = pd.to_numeric(pd.Series(node_y, dtype=object), errors="coerce").to_numpy(float)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError(f"{path}: every node needs numeric x and y attributes")
    src_crs = graph_data.get("crs") or None
    if src_crs is None and np.abs(x).max() <= 180 and np.abs(y).max() <= 90:
        warnings.warn(f"{path}: GraphML names no CRS and coordinates look like degrees; assuming EPSG:4326")
        src_crs = "EPSG:4326"
    if src_crs is not None:
        from pyproj import CRS, Transformer

        if not CRS.from_user_input(src_crs).equals(CRS.from_user_input(crs)):
            x, y = Transformer.from_crs(src_crs, crs, always_xy=True).transform(x, y)
    length = pd.to_numeric(pd.Series(elen, dtype=object), errors="coerce").to_numpy(float)
    if edgedefault == "undirected":
        oneway = np.zeros(len(eu), dtype=bool)
    elif any(o is not None for o in eone):
        # OSMnx: "True"/"False"; an edge without the tag is taken as given (one-way)
        oneway = (pd.Series(eone, dtype=object).fillna("True").astype(str).str.strip().str.lower()
                  .isin(["true", "yes", "1", "-1"]).to_numpy())
    else:
        oneway = np.ones(len(eu), dtype=bool)  # a directed graph without oneway tags: as given
    return build_network(np.asarray(node_ids, dtype=object), np.column_stack([x, y]),
                         np.asarray(eu, dtype=object), np.asarray(ev, dtype=object),
                         length, oneway, crs=crs)


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


def _mode(travel: Travel, mode: str | None):
    name = mode or travel.mode
    if name not in travel.modes:
        raise ValueError(f"unknown travel mode {name!r}; configured modes: {sorted(travel.modes)}")
    return travel.modes[name]


# --------------------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------------------


def travel_minutes(
    origins_xy: Any,
    destinations_xy: Any,
    travel: Travel,
    *,
    mode: str | None = None,
    network: Network | None = None,
    limit_minutes: float | None = None,
    directed: bool = False,
) -> np.ndarray:
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
    m = _mode(travel, mode)
    net = _network_for(travel, network)
    if net is None:
        return straight_line_minutes(origins_xy, destinations_xy, speed_kmh=m.speed_kmh, detour=m.detour)
    return network_minutes(net, origins_xy, destinations_xy, speed_kmh=m.speed_kmh, detour=m.detour,
                           limit_minutes=limit_minutes, directed=directed)


def travel_nearest(
    origins_xy: Any,
    destinations_xy: Any,
    travel: Travel,
    *,
    mode: str | None = None,
    network: Network | None = None,
    directed: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
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
    m = _mode(travel, mode)
    net = _network_for(travel, network)
    if net is None:
        return nearest(origins_xy, destinations_xy, speed_kmh=m.speed_kmh, detour=m.detour)
    mat = network_minutes(net, origins_xy, destinations_xy, speed_kmh=m.speed_kmh, detour=m.detour,
                          directed=directed)
    if mat.shape[1] == 0:
        raise ValueError("no destinations")
    idx = np.argmin(mat, axis=1).astype(np.int64)
    return idx, mat[np.arange(len(mat)), idx].astype(float)


def paired_minutes(
    origins_xy: Any,
    destinations_xy: Any,
    travel: Travel,
    *,
    mode: str | None = None,
    network: Network | None = None,
    directed: bool = False,
) -> np.ndarray:
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
    m = _mode(travel, mode)
    net = _network_for(travel, network)
    if net is None:
        return np.hypot(*(o - d).T) * m.detour / _metres_per_minute(m.speed_kmh)
    if len(o) == 0:
        return np.empty(0)
    uniq, inv = np.unique(d, axis=0, return_inverse=True)
    mat = network_minutes(net, o, uniq, speed_kmh=m.speed_kmh, detour=m.detour, directed=directed)
    return mat[np.arange(len(o)), inv.ravel()].astype(float)
