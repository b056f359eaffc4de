"""Basemap tiles under the web map: the config's ``[map]`` table, and the tile layer it adds.

There are no tiles unless a config names them: the map then requests nothing from any other
host and credits no tile provider. A config names them in one of two ways::

    [map]
    basemap = "OpenStreetMap.Mapnik"          # an xyzservices provider name (its URL and attribution)
    # api_key_env = "OS_MAPS_API_KEY"         # for providers that need a key (e.g. OrdnanceSurvey.Light):
    #                                         # the environment variable holding it (never the key itself)

    [map]
    tiles_url = "http://127.0.0.1:8080/{z}/{x}/{y}.png"   # any XYZ tile server, e.g. a local one for offline sites
    tiles_attribution = "Tiles: our own server"            # required with tiles_url: shown on the map

Offline, a council can run a tile server on its own network (``tiles_url``), or name a local
GeoTIFF as ``[export] basemap`` (see :mod:`geo.maps.basemap`): the printed maps and ``map.html``
draw it, and so does the app's map when no tiles are named (:func:`image_layer`, embedded in the
page, so nothing is requested from anywhere).

Examples
--------
>>> s = map_settings({"tiles_url": "http://127.0.0.1:8080/{z}/{x}/{y}.png", "tiles_attribution": "Local tiles"},
...                  "config.toml")
>>> s.host, s.attribution
('127.0.0.1:8080', 'Local tiles')
>>> map_settings({}, "config.toml") is None
True
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["TilesError", "TileSettings", "map_settings", "add_tiles", "ImageLayer", "image_layer", "add_image_layer"]


class TilesError(ValueError):
    """A bad ``[map]`` table, or a provider key missing from the environment (the config loader reports it as a
    :class:`geo.config.ConfigError`)."""


_KNOWN = {"basemap", "api_key_env", "tiles_url", "tiles_attribution", "max_zoom"}


@dataclass(frozen=True)
class TileSettings:
    """Where the web map's basemap tiles come from (the ``[map]`` table).

    Attributes
    ----------
    url : str
        XYZ URL template (``{z}/{x}/{y}``; ``{key}`` is filled from ``api_key_env`` when the map is drawn).
    attribution : str
        Plain-text credit shown on the map.
    html_attribution : str
        The same as HTML for Leaflet's attribution control (escaped unless it comes from xyzservices).
    name : str
        The provider's name, or ``"Basemap"``.
    max_zoom : int
    api_key_env : str or None
        Environment variable holding the provider's key (read only when the map is drawn, never stored).
    """

    url: str
    attribution: str
    html_attribution: str
    name: str = "Basemap"
    max_zoom: int = 19
    api_key_env: str | None = None

    @property
    def host(self) -> str:
        """The only host the map requests anything from (``host:port``)."""
        return urlsplit(self.url.replace("{s}", "a")).netloc

    def tile_url(self) -> str:
        """The URL template with the key filled in from the environment."""
        if self.api_key_env is None:
            return self.url
        key = os.environ.get(self.api_key_env, "")
        if not key:
            raise TilesError(
                f"[map] basemap {self.name!r} needs a key: set the environment variable {self.api_key_env}"
            )
        return self.url.replace("{key}", key)


def map_settings(table, path) -> TileSettings | None:
    """Read the ``[map]`` table of the config file ``path``; ``None`` when it names no tiles.

    Raises
    ------
    TilesError
        On an unknown key or provider name, a URL without ``{z}``, ``{x}`` and ``{y}``, tiles without
        an attribution, or a provider that needs a key without ``api_key_env``.
    """
    path = Path(path)
    if not isinstance(table, dict):
        raise TilesError(f"{path}: [map] must be a table")
    unknown = set(table) - _KNOWN
    if unknown:
        raise TilesError(f"{path}: [map] unknown key(s) {sorted(unknown)}; expected {sorted(_KNOWN)}")
    if table.get("basemap") and table.get("tiles_url"):
        raise TilesError(f"{path}: [map] give either basemap (a provider name) or tiles_url, not both")
    max_zoom = table.get("max_zoom")
    if max_zoom is not None and (
        isinstance(max_zoom, bool) or not isinstance(max_zoom, int) or not 1 <= max_zoom <= 22
    ):
        raise TilesError(f"{path}: [map] max_zoom must be a whole number from 1 to 22, got {max_zoom!r}")
    if table.get("basemap"):
        return _provider(table, path, max_zoom)
    if table.get("tiles_url"):
        return _custom(table, path, max_zoom)
    if table.get("tiles_attribution") or table.get("api_key_env"):
        raise TilesError(f"{path}: [map] tiles_attribution / api_key_env are set but no basemap or tiles_url is named")
    return None


def _provider(table: dict, path: Path, max_zoom: int | None) -> TileSettings:
    import xyzservices.providers as providers

    name = table["basemap"]
    try:
        p = providers.query_name(str(name))
    except ValueError:
        raise TilesError(
            f"{path}: [map] basemap = {name!r} is not an xyzservices provider name "
            '(e.g. "OpenStreetMap.Mapnik", "OrdnanceSurvey.Light")'
        ) from None
    if str(p.name).endswith("_27700"):
        raise TilesError(
            f"{path}: [map] basemap = {name!r} is in British National Grid; the web map needs Web "
            f"Mercator tiles ({str(p.name)[:-6]})"
        )
    key_env = table.get("api_key_env")
    if p.requires_token() and not key_env:
        raise TilesError(
            f"{path}: [map] basemap = {name!r} needs an API key: set api_key_env to the name of the "
            "environment variable that holds it"
        )
    if key_env is not None and (not isinstance(key_env, str) or not key_env.isidentifier()):
        raise TilesError(f"{path}: [map] api_key_env must be an environment variable name, got {key_env!r}")
    if key_env and not os.environ.get(key_env):
        raise TilesError(f"{path}: [map] basemap = {name!r} needs a key: set the environment variable {key_env}")
    url = p.build_url(fill_subdomain=False, **({"key": "{key}"} if key_env else {}))
    return TileSettings(
        url=url,
        attribution=str(p.get("attribution", p.name)),
        html_attribution=str(p.get("html_attribution", html.escape(str(p.get("attribution", ""))))),
        name=str(p.name),
        max_zoom=int(max_zoom or p.get("max_zoom", 19)),
        api_key_env=key_env or None,
    )


def _custom(table: dict, path: Path, max_zoom: int | None) -> TileSettings:
    url = table["tiles_url"]
    if not isinstance(url, str) or not all(f"{{{c}}}" in url for c in "zxy"):
        raise TilesError(f"{path}: [map] tiles_url must be an XYZ URL with {{z}}, {{x}} and {{y}}, got {url!r}")
    if urlsplit(url).scheme not in ("http", "https"):
        raise TilesError(f"{path}: [map] tiles_url must start with http:// or https://, got {url!r}")
    attribution = table.get("tiles_attribution", "")
    if not isinstance(attribution, str) or not attribution.strip():
        raise TilesError(
            f"{path}: [map] tiles_attribution is required with tiles_url (the tiles' source and "
            "licence, shown on the map)"
        )
    text = " ".join(attribution.split())
    return TileSettings(url=url, attribution=text, html_attribution=html.escape(text), max_zoom=int(max_zoom or 19))


def add_tiles(m, tiles: TileSettings | None) -> None:
    """Add the basemap tile layer to a folium map (nothing when ``tiles`` is ``None``)."""
    if tiles is None:
        return
    import folium

    folium.TileLayer(
        tiles.tile_url(),
        attr=tiles.html_attribution,
        name=html.escape(tiles.name),
        max_zoom=tiles.max_zoom,
        max_native_zoom=tiles.max_zoom,
    ).add_to(m)


@dataclass(frozen=True)
class ImageLayer:
    """A local raster basemap ready for the web map: a PNG data URL, its corners and its credit."""

    url: str
    corners: list
    attribution: str


def image_layer(basemap, bounds: tuple[float, float, float, float]) -> ImageLayer | None:
    """``basemap`` (a :class:`geo.maps.basemap.Basemap`) over ``bounds`` (west, south, east, north; degrees, padded 10%).

    Encoded once (the app caches it), so drawing the map again costs nothing. ``None`` when the
    raster does not cover the bounds.
    """
    from folium.raster_layers import image_to_url

    w, s, e, n = bounds
    pad_x, pad_y = 0.1 * (e - w), 0.1 * (n - s)
    got = basemap.web_overlay((w - pad_x, s - pad_y, e + pad_x, n + pad_y))
    if got is None:
        return None
    image, corners = got
    return ImageLayer(image_to_url(image), corners, basemap.attribution)


def add_image_layer(m, layer: ImageLayer | None) -> None:
    """Put an :class:`ImageLayer` under the map's areas and credit it (nothing when ``layer`` is ``None``)."""
    if layer is None:
        return
    import folium

    from geo.maps.elements import Attribution

    folium.map.CustomPane("basemap", z_index=250).add_to(m)  # above tiles (200), under the areas (400)
    folium.raster_layers.ImageOverlay(
        layer.url, bounds=layer.corners, name="Basemap", pane="basemap", interactive=False
    ).add_to(m)
    Attribution(f"Basemap: {layer.attribution}").add_to(m)
