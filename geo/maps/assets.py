"""Leaflet served from the repository, so maps work offline and behind a council firewall.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs by default. Our maps
use plain Leaflet only (choropleth, tooltips, ``DivIcon`` markers, layer control), so a map
here carries exactly one script and one stylesheet, vendored in ``static/vendor/`` (Leaflet
1.9.4, BSD-2-Clause, from the npm registry; see its ``LICENSE``):

- in the app, they are served by Streamlit's static file serving (``.streamlit/config.toml``
  sets ``server.enableStaticServing``) at ``<baseUrlPath>/app/static/vendor/...``;
- in exported HTML, they are inlined, so ``map.html`` opens with no network at all.

Examples
--------
>>> import folium
>>> m = use_local_leaflet(folium.Map(tiles=None))
>>> [name for name, _ in m.default_js]
['leaflet']
>>> "<script src=" in standalone_html(m)
False
"""

from __future__ import annotations

import base64
from pathlib import Path

import folium

__all__ = ["LEAFLET_DIR", "use_local_leaflet", "standalone_html", "static_url"]

LEAFLET_VERSION = "1.9.4"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
LEAFLET_DIR = STATIC_DIR / "vendor" / f"leaflet-{LEAFLET_VERSION}"
_REL = f"vendor/leaflet-{LEAFLET_VERSION}"
_INLINE = "inline://leaflet"


def static_url(base_url_path: str = "") -> str:
    """URL prefix under which Streamlit serves ``static/`` (``server.baseUrlPath`` aware)."""
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    return f"{base}/app/static"


def use_local_leaflet(m: folium.Map, prefix: str | None = None) -> folium.Map:
    """Make ``m`` load Leaflet from ``prefix`` (the app's static URL) instead of public CDNs.

    Parameters
    ----------
    m : folium.Map
    prefix : str, optional
        URL of the ``static/`` folder; ``None`` marks the assets for inlining by
        :func:`standalone_html`.

    Returns
    -------
    folium.Map
        The same map (modified in place).
    """
    root = _INLINE if prefix is None else f"{prefix.rstrip('/')}/{_REL}"
    m.default_js = [("leaflet", f"{root}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{root}/leaflet.css")]
    return m


def standalone_html(m: folium.Map) -> str:
    """The map as one self-contained HTML page: Leaflet inlined, no external scripts or styles.

    Basemap tiles, if the map has any, still need a network; maps for offline use are built
    with ``tiles=None``.
    """
    use_local_leaflet(m, None)
    page = m.get_root().render()
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    for img in ("layers.png", "layers-2x.png"):  # the layer control's icons, as data URIs
        uri = "data:image/png;base64," + base64.b64encode((LEAFLET_DIR / "images" / img).read_bytes()).decode()
        css = css.replace(f"url(images/{img})", f"url({uri})")
    page = page.replace(f'<script src="{_INLINE}/leaflet.js"></script>', f"<script>{js}</script>")
    page = page.replace(f'<link rel="stylesheet" href="{_INLINE}/leaflet.css"/>', f"<style>{css}</style>")
    if _INLINE in page:  # folium changed its tag format: fail loudly rather than ship a broken map
        raise RuntimeError("could not inline Leaflet into the map HTML")
    return page
