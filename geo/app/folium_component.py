"""The map component of the app: streamlit-folium's frontend, fed with arguments computed once per map.

``streamlit_folium.st_folium`` renders the whole map (hundreds of kB of GeoJSON) into its
component's arguments on every rerun. :func:`component_args` runs ``st_folium`` once for a
map and returns those arguments instead of sending them, so the app can cache them and send
the same arguments to :data:`folium_map` (the same frontend, declared with Streamlit's public
``components.declare_component``) on every rerun. Nothing in ``streamlit_folium`` is patched:
``st_folium`` is run as a copy whose globals name another component function. This relies on
how ``st_folium`` of the pinned streamlit-folium (``requirements.txt``) calls its component
(a module global ``_component_func`` called with keyword arguments); ``tests/app/test_app.py``
fails if a version stops working this way.
"""

from __future__ import annotations

import types
from pathlib import Path

import streamlit.components.v1 as components
import streamlit_folium
from streamlit_folium import st_folium

__all__ = ["FRONTEND", "component_args", "folium_map"]

#: streamlit-folium's built frontend (shipped in its wheel)
FRONTEND = Path(streamlit_folium.__file__).resolve().parent / "frontend" / "build"

#: the streamlit-folium frontend as a component of this app: call it with :func:`component_args`
folium_map = components.declare_component("st_folium", path=str(FRONTEND))


def component_args(fig, **options) -> dict:
    """What ``st_folium(fig, **options)`` would send to its component, without sending it.

    Parameters
    ----------
    fig : folium.Map
        The map (``st_folium`` alters it: build a new one for each call).
    **options
        ``st_folium``'s keyword arguments (``height``, ``returned_objects``, ``key``, …).

    Returns
    -------
    dict
        Keyword arguments for :data:`folium_map`.

    Raises
    ------
    RuntimeError
        If this streamlit-folium does not call its component as expected.
    """
    captured: dict = {}

    def capture(**kwargs):
        captured.update(kwargs)

    if "_component_func" not in st_folium.__code__.co_names:
        raise RuntimeError(f"streamlit-folium {_version()} no longer calls _component_func: "
                           "pin the version in requirements.txt or update geo/app/folium_component.py")
    run = types.FunctionType(st_folium.__code__, {**st_folium.__globals__, "_component_func": capture},
                             st_folium.__name__, st_folium.__defaults__, st_folium.__closure__)
    run.__kwdefaults__ = st_folium.__kwdefaults__
    run(fig, **options)
    if "script" not in captured:
        raise RuntimeError(f"streamlit-folium {_version()} sent no map script to its component")
    return captured


def _version() -> str:
    from importlib.metadata import version

    return version("streamlit-folium")
