"""folium elements of the web map: legend, attribution, and GeoJSON and tooltips rendered as they are.

The verbatim elements skip folium's re-parsing of rendered output as a Jinja template and its
walk over every coordinate for bounds (see :class:`VerbatimGeoJson`); their output is folium's.
"""

from __future__ import annotations

import html
import re

import folium
from branca.element import Element, Figure, MacroElement, Template
from folium.utilities import JsCode

__all__ = ["LEGEND_CSS", "Legend", "Attribution", "VerbatimGeoJson", "VerbatimTooltip", "VerbatimDivIcon", "ZoomableMap", "AREA_KEYBOARD",
           "feature_extents", "overall_extent"]

#: the page's styles for the legend, hidden text, focus rings and Leaflet's controls
LEGEND_CSS = """<style>
  .leaflet-container .leaflet-control-attribution { font: 10px/1.3 sans-serif; max-width: 65%; }
  .leaflet-container .leaflet-control-scale { margin-bottom: 6px; }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
             clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
  .leaflet-interactive:focus-visible, .leaflet-marker-icon:focus-visible { outline: 3px solid #000; outline-offset: 1px; }
</style>"""

_LEGEND_BOX = """<div class="hub-legend" role="region" aria-label="Map legend" style="position: fixed; bottom: 44px; left: 12px; z-index: 640; background: white;
     padding: 8px 10px; border: 1px solid #999; border-radius: 4px; font: 12px/1.35 sans-serif; max-width: 270px;">
  <div style="font-weight: bold; margin-bottom: 4px;">{{ this.title }}</div>
  {% for color, label in this.items %}
  <div><span aria-hidden="true" style="display:inline-block;width:14px;height:12px;background:{{ color }};border:1px solid #777;margin-right:6px;vertical-align:middle;"></span>{{ label }}</div>
  {% endfor %}
  {% for symbol, label in this.symbols %}
  <div style="margin-top:2px;">{{ symbol }} {{ label }}</div>
  {% endfor %}
</div>"""

_LEGEND = Template("\n{% macro html(this, kwargs) %}\n" + LEGEND_CSS + "\n" + _LEGEND_BOX + "\n{% endmacro %}\n"
                   "{% macro box(this) %}" + _LEGEND_BOX + "{% endmacro %}\n")


class Legend(MacroElement):
    """A fixed-position classed legend (labels are escaped by the caller).

    Its z-index (640) keeps it over the areas and markers (Leaflet's panes 400-600) and under
    the tooltips (650), so a tooltip is never hidden behind it.
    """

    _template = _LEGEND  # a class attribute, so copies of a map share it (deepcopy breaks jinja templates)

    def __init__(self, title: str, items: list[tuple[str, str]], symbols: list[tuple[str, str]]):
        super().__init__()
        self._name = "Legend"
        self.title = html.escape(title)
        self.items = [(c, html.escape(lbl)) for c, lbl in items]
        self.symbols = symbols

    def box_html(self) -> str:
        """The legend box alone (without :data:`LEGEND_CSS`), as HTML."""
        return str(self._template.module.box(self))


_ATTRIBUTION = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
{% endmacro %}
""")


class Attribution(MacroElement):
    """Adds the OGL / OS attribution to the map's own attribution control (shown with or without tiles)."""

    _template = _ATTRIBUTION

    def __init__(self, text: str):
        super().__init__()
        self._name = "Attribution"
        self.text = html.escape(text)


class _Text(Element):
    """Rendered output put into the page as it is.

    branca's ``MacroElement.render`` wraps each piece it renders in ``Element(text)``, which
    compiles the text as a Jinja template only to render it back: slow for a layer's GeoJSON
    (hundreds of kB), and it would evaluate Jinja syntax in the data (an area or venue named
    ``{{ ... }}``) when the page is rendered. This gives back the text as Jinja would for text
    without Jinja syntax (which drops one trailing newline).
    """

    def __init__(self, text: str):
        super().__init__()
        self._name = "Text"
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs) -> str:
        return self.text


class _Verbatim(MacroElement):
    """``MacroElement.render`` with the rendered pieces added as :class:`_Text`.

    Mixed in after a folium class (``class X(folium.GeoJson, _Verbatim)``), it takes the place of
    ``MacroElement.render`` at the end of that class's ``render`` chain; everything else is
    folium's. Style values that are elements (folium's ``{{'name'}}`` substitution) are not
    supported: nothing here uses them.
    """

    def render(self, **kwargs):
        figure = self.get_root()
        assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
        module = self._template.module.__dict__
        for part, holder in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                holder.add_child(_Text(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class VerbatimGeoJson(folium.GeoJson, _Verbatim):
    """``folium.GeoJson`` rendered without re-parsing its output, with its bounds given in advance.

    ``bounds`` is ``[[lat_min, lon_min], [lat_max, lon_max]]`` of the data, as folium computes
    it (folium walks every coordinate in Python otherwise).
    """

    def __init__(self, data, *, bounds, **kwargs):
        super().__init__(data, **kwargs)
        self._bounds = bounds

    def _get_self_bounds(self):
        return [list(self._bounds[0]), list(self._bounds[1])]


#: folium puts a tooltip's HTML inside a JavaScript template literal (`...`): a backquote would end
#: it and ``${...}`` would run as code, and a backslash starts an escape there. As HTML character
#: references they show as the same characters and mean nothing to JavaScript.
_TEMPLATE_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


class VerbatimTooltip(folium.Tooltip, _Verbatim):
    r"""``folium.Tooltip`` whose text (with names in it) is not parsed as a template.

    ``text`` is HTML (names in it already escaped); the characters that mean something inside
    the JavaScript template literal folium writes it into are written as character references.

    Examples
    --------
    >>> VerbatimTooltip("Family Hub: ${fetch(1)} `x` a\\b").text
    'Family Hub: &#36;{fetch(1)} &#96;x&#96; a&#92;b'
    """

    def __init__(self, text: str, **kwargs):
        super().__init__(str(text).translate(_TEMPLATE_LITERAL), **kwargs)


class VerbatimDivIcon(folium.DivIcon, _Verbatim):
    """``folium.DivIcon`` whose HTML (with a marker's accessible name in it) is not parsed as a template."""


assert VerbatimDivIcon.__mro__.index(_Verbatim) + 1 == VerbatimDivIcon.__mro__.index(MacroElement), VerbatimDivIcon.__mro__
assert VerbatimGeoJson.__mro__.index(_Verbatim) + 1 == VerbatimGeoJson.__mro__.index(MacroElement), VerbatimGeoJson.__mro__
assert VerbatimTooltip.__mro__.index(_Verbatim) + 1 == VerbatimTooltip.__mro__.index(MacroElement), VerbatimTooltip.__mro__


def feature_extents(geometries: list[dict]) -> list:
    """folium's bounds of each GeoJSON geometry (as :meth:`folium.GeoJson._get_self_bounds` computes them)."""
    from folium.utilities import get_bounds

    return [get_bounds(g, lonlat=True) for g in geometries]


def overall_extent(extents) -> list:
    """The bounds of several features from theirs, exactly as folium would compute them from all the points."""
    from branca.utilities import none_max, none_min

    out = [[None, None], [None, None]]
    for lo, hi in extents:
        out = [[none_min(out[0][0], lo[0]), none_min(out[0][1], lo[1])], [none_max(out[1][0], hi[0]), none_max(out[1][1], hi[1])]]
    return out


class ZoomableMap(folium.Map):
    """``folium.Map`` whose page lets people zoom (WCAG 1.4.4): folium's own header forbids it.

    folium writes ``maximum-scale=1.0, user-scalable=no`` into the page's viewport; this map
    writes ``width=device-width, initial-scale=1.0`` instead.
    """

    def render(self, **kwargs):
        super().render(**kwargs)
        header = self.get_root().header
        name = self.get_name()
        if name in header._children:
            text = re.sub(r'<meta name="viewport"[^>]*>', '<meta name="viewport" content="width=device-width, initial-scale=1.0" />',
                          header._children[name].render())
            header.add_child(_Text(text + "\n"), name=name)


#: Each area of the map as a keyboard control (``onEachFeature`` of the areas' GeoJSON): named by its
#: ``label`` property, in the Tab order, and Enter (or Space) does what a click does (the app then
#: opens the area's profile in the page).
AREA_KEYBOARD = JsCode("""
function(feature, layer) {
  layer.on("add", function () {
    var el = layer.getElement ? layer.getElement() : null;
    if (!el || el.getAttribute("aria-label")) { return; }
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "button");
    el.setAttribute("aria-label", feature.properties.label);
    // a mouse press would focus the shape (or Leaflet the map) and the browser would scroll the page
    // to show all of it: the mouse is then released over another shape and the click is lost
    el.addEventListener("mousedown", function (e) {
      e.preventDefault();
      layer._map.getContainer().focus({preventScroll: true});
    });
    el.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" && e.key !== " ") { return; }
      e.preventDefault();
      layer.fire("click", {latlng: layer.getBounds().getCenter(), layer: layer, originalEvent: e}, true);
    });
  });
}
""")
