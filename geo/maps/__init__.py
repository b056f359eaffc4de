"""Maps: the app's and the pack's web map, the printed hub maps, basemaps and charts.

Modules: :mod:`~geo.maps.style` (layers, classes, colours, attribution: shared by both kinds of map),
:mod:`~geo.maps.webmap` (folium maps), :mod:`~geo.maps.livemap` (the app's map, redrawn in place),
:mod:`~geo.maps.areastyle` (each area's tooltip, class and style) and :mod:`~geo.maps.elements` (their folium elements),
:mod:`~geo.maps.printmap` (matplotlib hub maps),
:mod:`~geo.maps.basemap` (a local GeoTIFF under the maps), :mod:`~geo.maps.tiles` (the web map's
``[map]`` tiles), :mod:`~geo.maps.overlays` (outlines and markers), :mod:`~geo.maps.assets` (vendored
Leaflet), :mod:`~geo.maps.charts` (funnel and distance-decay plots), :mod:`~geo.maps.furniture`
(scale bar, north arrow) and :mod:`~geo.maps.reproject`.

The names below are imported from their module on first use, so ``import geo.maps`` stays
cheap (no folium, matplotlib or rasterio until a map is drawn).
"""

from __future__ import annotations

from geo._lazy import lazy_exports

#: public name -> the module that defines it
_HOMES = {
    **dict.fromkeys(["area_map", "map_base", "layer_map", "site_markers", "MapBase", "to_web"], "webmap"),
    **dict.fromkeys(["live_base", "live_update"], "livemap"),
    **dict.fromkeys(["LAYERS", "Layer", "classify", "ATTRIBUTION"], "style"),
    **dict.fromkeys(["map_layers", "MapLayers", "hub_map_figure", "draw_hub_map", "write_hub_pngs"], "printmap"),
    **dict.fromkeys(["Basemap"], "basemap"),
    **dict.fromkeys(["TileSettings", "map_settings", "add_image_layer", "image_layer"], "tiles"),
    **dict.fromkeys(["OUTLINES", "venue_spots"], "overlays"),
    **dict.fromkeys(["standalone_html", "use_local_leaflet", "static_url"], "assets"),
    **dict.fromkeys(["funnel_plot", "distance_decay_plot"], "charts"),
    **dict.fromkeys(["to_crs"], "reproject"),
}

__all__ = sorted(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
