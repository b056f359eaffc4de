"""Street networks read from GraphML or from a GeoPackage with ``nodes`` and ``edges`` layers."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.catchments.network import Network, build_network
from geo.spatial import BNG, WGS84

__all__ = ["load_network"]


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
        nodes[idcol].to_numpy(),
        xy,
        edges["u"].to_numpy(),
        edges["v"].to_numpy(),
        edges.get("length"),
        edges.get("oneway"),
        crs=crs,
    )


def _parse_graphml(path: Path) -> dict:
    """Nodes, edges and graph attributes of a GraphML file, as text, streamed (``iterparse``)."""
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
        return {keys.get(d.get("key"), d.get("key")): d.text for d in elem if d.tag.rsplit("}", 1)[-1] == "data"}

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
    return {
        "keys": keys,
        "graph_data": graph_data,
        "node_ids": node_ids,
        "node_x": node_x,
        "node_y": node_y,
        "eu": eu,
        "ev": ev,
        "elen": elen,
        "eone": eone,
        "edgedefault": edgedefault,
    }


def _load_graphml(path: Path, crs: str) -> Network:
    g = _parse_graphml(path)
    node_ids, node_x, node_y, graph_data = g["node_ids"], g["node_x"], g["node_y"], g["graph_data"]
    eu, ev, elen, eone, edgedefault = g["eu"], g["ev"], g["elen"], g["eone"], g["edgedefault"]
    if not node_ids:
        raise ValueError(f"{path}: no nodes found in GraphML")
    x = pd.to_numeric(pd.Series(node_x, dtype=object), errors="coerce").to_numpy(float)
    y = pd.to_numeric(pd.Series(node_y, dtype=object), errors="coerce").to_numpy(float)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError(f"{path}: every node needs numeric x and y attributes")
    src_crs = graph_data.get("crs") or None
    if src_crs is None and np.abs(x).max() <= 180 and np.abs(y).max() <= 90:
        warnings.warn(
            f"{path}: GraphML names no CRS and coordinates look like degrees; assuming EPSG:4326", stacklevel=2
        )
        src_crs = WGS84
    if src_crs is not None:
        from pyproj import CRS, Transformer

        if not CRS.from_user_input(src_crs).equals(CRS.from_user_input(crs)):
            x, y = Transformer.from_crs(src_crs, crs, always_xy=True).transform(x, y)
    length = pd.to_numeric(pd.Series(elen, dtype=object), errors="coerce").to_numpy(float)
    if edgedefault == "undirected":
        oneway = np.zeros(len(eu), dtype=bool)
    elif any(o is not None for o in eone):
        # OSMnx: "True"/"False"; an edge without the tag is taken as given (one-way)
        oneway = (
            pd.Series(eone, dtype=object)
            .fillna("True")
            .astype(str)
            .str.strip()
            .str.lower()
            .isin(["true", "yes", "1", "-1"])
            .to_numpy()
        )
    else:
        oneway = np.ones(len(eu), dtype=bool)  # a directed graph without oneway tags: as given
    return build_network(
        np.asarray(node_ids, dtype=object),
        np.column_stack([x, y]),
        np.asarray(eu, dtype=object),
        np.asarray(ev, dtype=object),
        length,
        oneway,
        crs=crs,
    )
