"""Hub catchments, reach and catchment gaps.

- :func:`assign_hubs` gives every demand point (one per LSOA) a catchment hub and the
  travel time to the nearest site (hub or spoke).
- :func:`gap_types` labels areas "beyond reach" or "near but not engaged".
- :func:`catchment_polygons`, :func:`gap_polygons` dissolve LSOAs for maps;
  :func:`hub_summary` gives one row per hub.
- :func:`demand_points`, :func:`travel_minutes` and :func:`load_network` give the demand
  points and the travel times (straight line or street network) all of these rest on.

Modules: ``demand`` (demand points), ``travel`` (travel-time entry points, straight line),
``network`` (street graph, Dijkstra), ``network_io`` (GraphML / GeoPackage networks),
``assign`` (:func:`assign_hubs`), ``gaps`` (:func:`gap_types`), ``polygons`` (dissolved
catchments and gaps, :func:`hub_summary`).

Catchments are by **hub**: an LSOA belongs to the nearest site whose ``site_type`` is
``"hub"`` (or to the hub the council names for its ward, see ``hub_areas``). Spokes count
for **reach** (``nearest_site_id``, ``travel_minutes_to_site``, ``within_threshold``) but
do not own catchments. When the sites table has a ``parent_hub_id`` column, an LSOA whose
nearest site is a spoke with a parent belongs to that parent hub instead.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> from geo.config import Travel
>>> demand = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(3000, 0)], crs="EPSG:27700")
>>> hubs = gpd.GeoDataFrame({"hub_id": ["H1", "S1"], "site_type": ["hub", "spoke"]},
...                         geometry=[Point(500, 0), Point(2800, 0)], crs="EPSG:27700")
>>> a = assign_hubs(demand, hubs, Travel())
>>> a[["hub_id", "nearest_site_id", "within_threshold"]].to_dict("list")
{'hub_id': ['H1', 'H1'], 'nearest_site_id': ['H1', 'S1'], 'within_threshold': [True, True]}
"""

from geo.catchments.assign import assign_hubs
from geo.catchments.demand import demand_points
from geo.catchments.gaps import BEYOND_REACH, NEAR_NOT_ENGAGED, gap_types
from geo.catchments.network import Network, build_network, network_minutes
from geo.catchments.network_io import load_network
from geo.catchments.polygons import catchment_polygons, gap_polygons, hub_summary
from geo.catchments.travel import nearest, paired_minutes, straight_line_minutes, travel_minutes, travel_nearest
from geo.spatial import BNG, as_xy, dissolve
from models.risk import PRIORITY_QUADRANT

__all__ = [
    "BEYOND_REACH",
    "BNG",
    "NEAR_NOT_ENGAGED",
    "PRIORITY_QUADRANT",
    "Network",
    "as_xy",
    "assign_hubs",
    "build_network",
    "catchment_polygons",
    "demand_points",
    "dissolve",
    "gap_polygons",
    "gap_types",
    "hub_summary",
    "load_network",
    "nearest",
    "network_minutes",
    "paired_minutes",
    "straight_line_minutes",
    "travel_minutes",
    "travel_nearest",
]
