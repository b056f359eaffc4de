"""The app's web map, redrawn in place: a base drawn once, and updates that restyle it.

A control change in the app used to send a whole new map, which the browser drew in a new frame.
Here the map is split in two, for streamlit-folium's own dynamic update (its
``feature_group_to_add``: feature groups removed and evaluated again in the same map when they
change):

- :func:`live_base` - what changes only with the study area, the geography level and the
  tiles: tiles and credits, every area of the study area (geometry, code and name) with keyboard
  access, the hub markers, the layer control and a small script (:data:`RUNTIME_JS`) that keeps
  a handle on them as ``window.hubLive``;
- :func:`live_update` - everything else, as feature groups: an :class:`AreaUpdate` (each area's
  fill, outline, tooltip and accessible name for the areas in view; areas out of view are taken
  off the map, so they are neither drawn nor in the Tab order; the legend is replaced; the map is
  fitted only when the set of areas in view changed), catchment and gap outlines, and the
  suggested venues.

The values in an update are encoded by :func:`js_json` (``<``, ``>``, ``&``, U+2028/U+2029
escaped, so no string can end the script or be read as markup); tooltips are the gate's
escaped HTML, as in :func:`geo.maps.webmap.layer_map`, which still draws the map for the HTML
download.
"""

from __future__ import annotations

import hashlib
import html
import json

import folium
import pandas as pd
from branca.element import MacroElement, Template

from geo.maps.areastyle import AREA_LINE, HIGHLIGHT, area_classes, areas_geojson
from geo.maps.elements import AREA_KEYBOARD, LEGEND_CSS, Legend, VerbatimGeoJson, ZoomableMap, overall_extent
from geo.maps.overlays import (
    add_hub_markers,
    add_outlines,
    add_venue_markers,
    crowding_metres,
    feature_list,
    legend_symbols,
)
from geo.maps.style import LAYERS, Layer
from geo.maps.webmap import MapBase, blank_map

__all__ = ["NEUTRAL", "RUNTIME_JS", "js_json", "view_key", "update_payload", "live_base", "live_update", "AreaUpdate",
           "LiveOverlay", "base_fingerprint"]

#: the style of an area before the first update (and of an area an update does not style)
NEUTRAL = {"fillColor": "#cccccc", **AREA_LINE}
#: the name of the hub markers in the layer control
HUBS_NAME = "Hubs and spokes"

#: ``hubLiveRuntime(map, areas, hubs, control, neutral)``: the base map's handle on its areas
#: (``window.hubLive``); ``apply(update)`` restyles them, ``overlay(layer, name)`` lists a new group
RUNTIME_JS = """
function hubLiveRuntime(map, areas, hubs, control, neutral) {
  var live = {map: map, areas: areas, byCode: {}, view: null, overlays: []};
  areas.eachLayer(function (layer) { live.byCode[layer.feature.properties.code] = layer; });
  // folium's styler (and so its resetStyle on mouseout) gives each area its current style
  areas.options.style = function (feature) { return feature.properties.style || neutral; };
  function relist(layer, name) {
    control.removeLayer(layer);
    control.addOverlay(layer, name);
  }
  live.apply = function (u) {
    var shown = {}, added = false;
    // streamlit-folium has taken the last update's groups off the map; let them go
    if (Array.isArray(window.feature_group)) { window.feature_group.length = 0; }
    u.codes.forEach(function (code, i) {
      var layer = live.byCode[code];
      if (!layer) { return; }
      var p = layer.feature.properties;
      shown[code] = true;
      p.style = u.styles[u.style[i]];
      p.tip = u.tips[i];
      p.label = u.labels[i];
      areas.resetStyle(layer);
      if (!areas.hasLayer(layer)) {
        areas.addLayer(layer);  // a new shape: AREA_KEYBOARD names it from p.label
        added = true;
      } else if (layer.getElement()) {
        layer.getElement().setAttribute("aria-label", p.label);
      }
    });
    Object.keys(live.byCode).forEach(function (code) {
      var layer = live.byCode[code];
      if (!shown[code] && areas.hasLayer(layer)) { areas.removeLayer(layer); }
    });
    if (added) {  // shapes back in view: drawn, and in the Tab order, in the update's order again
      u.codes.forEach(function (code) { if (shown[code]) { live.byCode[code].bringToFront(); } });
    }
    document.querySelectorAll(".hub-legend").forEach(function (el) { el.remove(); });
    var holder = document.createElement("div");
    holder.innerHTML = u.legend;
    while (holder.firstChild) { document.body.appendChild(holder.firstChild); }
    live.overlays.forEach(function (layer) { control.removeLayer(layer); });
    live.overlays = [];
    relist(areas, u.title);
    live.hubsName = u.hubs;
    if (hubs) { relist(hubs, u.hubs); }
    if (u.view !== live.view && u.bounds) {
      live.view = u.view;
      map.fitBounds(u.bounds);
    }
  };
  live.overlay = function (layer, name) {
    live.overlays.push(layer);
    control.addOverlay(layer, name);
    if (hubs) { relist(hubs, live.hubsName); }
  };
  return live;
}
"""

_RUNTIME = Template(
    "{% macro script(this, kwargs) %}\n" + RUNTIME_JS + """
window.hubLive = hubLiveRuntime({{ this._parent.get_name() }}, {{ this.areas.get_name() }},
  {{ this.hubs.get_name() if this.hubs else 'null' }}, {{ this.control.get_name() }}, {{ this.neutral }});
{% endmacro %}
""")


def js_json(value) -> str:
    """``value`` as JSON that is safe anywhere in a page's script: no ``<``, ``>``, ``&``, U+2028 or U+2029 as such.

    Examples
    --------
    >>> js_json({"name": "</script><b>&"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    >>> json.loads(js_json(["a\\u2028b"])) == ["a\\u2028b"]
    True
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


class _Runtime(MacroElement):
    """:data:`RUNTIME_JS` bound to the base map's areas, hub markers and layer control."""

    _template = _RUNTIME

    def __init__(self, areas, hubs, control):
        super().__init__()
        self._name = "LiveRuntime"
        self.areas, self.hubs, self.control = areas, hubs, control
        self.neutral = js_json(NEUTRAL)


class _LegendStyle(MacroElement):
    """The legend's CSS in the page (the legend itself comes with each update)."""

    _template = Template("{% macro html(this, kwargs) %}\n" + LEGEND_CSS + "\n{% endmacro %}\n")


def base_fingerprint(base: MapBase) -> str:
    """What :func:`live_base` draws of ``base``, as a short digest (areas' codes and labels, hubs).

    Examples
    --------
    >>> a = MapBase("lsoa", pd.DataFrame({"code": ["E1"], "label": ["A (E1)"]}))
    >>> base_fingerprint(a) == base_fingerprint(MapBase("lsoa", a.areas.copy()))
    True
    >>> base_fingerprint(a) == base_fingerprint(MapBase("ward", a.areas))
    False
    """
    hubs = [] if base.hubs is None else base.hubs[["hub_id", "name", "site_type", "lat", "lon"]].astype(str).to_numpy().tolist()
    text = js_json([base.level, base.areas["code"].astype(str).tolist(), base.areas["label"].astype(str).tolist(), hubs])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def live_base(base: MapBase, *, tiles=None, leaflet_prefix: str | None = None) -> folium.Map:
    """The part of the app's map that stays while the controls change (see the module's description).

    Parameters
    ----------
    base : MapBase
        Every area of the study area at one geography level (:func:`geo.maps.webmap.map_base`):
        only their geometry, ``code`` and ``label`` are drawn (no value, no tooltip: those come
        with :func:`live_update`), and the hub markers.
    tiles, leaflet_prefix
        As :func:`geo.maps.webmap.area_map`.

    Returns
    -------
    folium.Map
        A new map on every call.
    """
    areas = base.areas
    m = blank_map(base.total_bounds(), tiles=tiles, leaflet_prefix=leaflet_prefix)
    features = feature_list(areas["geometry"].tolist(), {"code": areas["code"].astype(str).tolist(),
                                                         "label": areas["label"].tolist(), "tip": [""] * len(areas)})
    layer = VerbatimGeoJson(features, bounds=overall_extent(areas["extent"]), name="Areas",
                            style_function=lambda f: NEUTRAL, highlight_function=lambda f: HIGHLIGHT,
                            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
                            on_each_feature=AREA_KEYBOARD).add_to(m)
    hubs = add_hub_markers(m, base.hubs) if base.hubs is not None and len(base.hubs) else None
    control = folium.LayerControl(collapsed=True).add_to(m)
    m.add_child(_LegendStyle())
    m.add_child(_Runtime(layer, hubs, control))
    minx, miny, maxx, maxy = base.total_bounds()
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def view_key(level: str, codes) -> str:
    """A short key of the set of areas in view (the map is fitted to them when it changes).

    >>> view_key("lsoa", ["E2", "E1"]) == view_key("lsoa", ["E1", "E2"]) != view_key("ward", ["E1", "E2"])
    True
    """
    return hashlib.sha256(js_json([level, sorted(map(str, codes))]).encode()).hexdigest()[:16]


def update_payload(view: MapBase, spec: Layer, *, symbols: list[tuple[str, str]], own_areas: bool = False) -> dict:
    """What :class:`AreaUpdate` sends to the map: per-area values of the areas in view, legend, view.

    Parameters
    ----------
    view : MapBase
        The areas, catchments and gaps in view (rows of the base's :class:`MapBase`).
    spec : Layer
        The layer shown.
    symbols : list of tuple
        The legend's symbol lines (:func:`geo.maps.overlays.legend_symbols`).
    own_areas : bool
        ``view.areas`` are not the base's areas (the hub catchments of the group layer): every
        base area is hidden and :func:`live_update` draws these itself.

    Returns
    -------
    dict
        ``codes`` (areas shown), ``style`` (index into ``styles`` per area), ``styles``, ``tips``
        (escaped HTML), ``labels`` (accessible names), ``title`` (escaped), ``hubs``, ``legend``
        (HTML), ``view`` (:func:`view_key`) and ``bounds`` (``[[south, west], [north, east]]``).

    Examples
    --------
    >>> areas = pd.DataFrame({"code": ["E1", "E2"], "label": ["A (E1)", "B <i> (E2)"], "tip": ["<b>A</b>", "<b>B</b>"],
    ...                       "need_score": [10.0, 90.0], "minx": [0, 1], "miny": [50, 50], "maxx": [1, 2], "maxy": [51, 51]})
    >>> p = update_payload(MapBase("lsoa", areas), LAYERS["need"], symbols=[])
    >>> p["codes"], p["labels"][1]
    (['E1', 'E2'], 'B <i> (E2), Need (percentile in study area), 0-100: 50 – 90')
    >>> [p["styles"][i]["fillColor"] for i in p["style"]], p["bounds"]
    (['#f2f0f7', '#cbc9e2'], [[50.0, 0.0], [51.0, 2.0]])
    """
    areas = view.areas
    classes = area_classes(areas, spec)
    styles, index = [], {}
    for style in classes.styles():
        index.setdefault(js_json(style), len(index))
        if len(index) > len(styles):
            styles.append(style)
    minx, miny, maxx, maxy = view.total_bounds()
    codes = areas["code"].astype(str).tolist()
    payload = {"codes": [], "style": [], "styles": styles, "tips": [], "labels": [],
               "title": html.escape(spec.title), "hubs": HUBS_NAME,
               "legend": Legend(spec.title, classes.legend, symbols).box_html(),
               "view": view_key(view.level + ("/own" if own_areas else ""), codes),
               "bounds": None if pd.isna(minx) else [[float(miny), float(minx)], [float(maxy), float(maxx)]]}
    if not own_areas:
        payload.update(codes=codes, style=[index[js_json(s)] for s in classes.styles()], tips=classes.tips,
                       labels=classes.labels)
    return payload


class AreaUpdate(MacroElement):
    """Runs ``window.hubLive.apply(payload)`` (:data:`RUNTIME_JS`) in the map, with the payload encoded by :func:`js_json`."""

    _template = Template("{% macro script(this, kwargs) %}\nif (window.hubLive) { window.hubLive.apply({{ this.payload }}); }\n"
                         "{% endmacro %}\n")

    def __init__(self, payload: dict):
        super().__init__()
        self._name = "AreaUpdate"
        self.payload = js_json(payload)


class LiveOverlay(MacroElement):
    """Lists its parent feature group in the base map's layer control (``window.hubLive.overlay``)."""

    _template = Template("{% macro script(this, kwargs) %}\n"
                         "if (window.hubLive) { window.hubLive.overlay({{ this._parent.get_name() }}, {{ this.label }}); }\n"
                         "{% endmacro %}\n")

    def __init__(self, name: str):
        super().__init__()
        self._name = "LiveOverlay"
        self.label = js_json(html.escape(name))


def live_update(
    view: MapBase,
    layer: str = "priority",
    *,
    sites: pd.DataFrame | None = None,
    spec: Layer | None = None,
    own_areas: bool = False,
) -> list[folium.FeatureGroup]:
    """The changing part of the app's map, as feature groups for streamlit-folium's ``feature_group_to_add``.

    Parameters
    ----------
    view : MapBase
        The areas, catchments and gaps in view, taken from the base :func:`live_base` drew.
    layer : str
        A key of :data:`geo.maps.style.LAYERS`.
    sites : DataFrame, optional
        Suggested venues (:func:`geo.maps.webmap.site_markers`).
    spec : Layer, optional
        A layer not in :data:`LAYERS` (``layer`` is then ignored), e.g. the group layer.
    own_areas : bool
        As :func:`update_payload`: ``view.areas`` are drawn here as their own GeoJSON layer.

    Returns
    -------
    list of folium.FeatureGroup
        The update first (so the areas are restyled before outlines are drawn over them), then
        the areas of their own, outlines and venues, each listed in the layer control.
    """
    spec = LAYERS[layer] if spec is None else spec
    has_sites = sites is not None and len(sites) > 0
    symbols = legend_symbols(view.catchments is not None and len(view.catchments) > 0,
                             view.gaps is not None and len(view.gaps) > 0, has_sites)
    update = folium.FeatureGroup(name="Map update", control=False)
    update.add_child(AreaUpdate(update_payload(view, spec, symbols=symbols, own_areas=own_areas)))
    holder = ZoomableMap(tiles=None)  # the groups are made here, then sent on their own
    if own_areas and len(view.areas):
        group = folium.FeatureGroup(name=spec.title).add_to(holder)
        areas_geojson(view.areas, area_classes(view.areas, spec), spec.title).add_to(group)
    add_outlines(holder, view.catchments, view.gaps)
    if has_sites:
        # markers closer than about 30 px at the first view share one (each keeps a 24 px target)
        add_venue_markers(holder, sites, within_m=crowding_metres(*view.total_bounds()))
    groups = [child for child in holder._children.values() if isinstance(child, folium.FeatureGroup)]
    for group in groups:
        group.add_child(LiveOverlay(group.layer_name))
    return [update, *groups]
