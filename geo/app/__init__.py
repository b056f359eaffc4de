"""The Streamlit app's logic, testable without Streamlit: :mod:`~geo.app.views` (tables, panels),
:mod:`~geo.app.download` (the downloads panel), :mod:`~geo.app.access` (keyboard and screen-reader
alternatives), :mod:`~geo.app.scenario` (the cache keys), :mod:`~geo.app.sidebar` and
:mod:`~geo.app.controls` (the controls), :mod:`~geo.app.labels` (plain-English names),
:mod:`~geo.app.problems`, :mod:`~geo.app.folium_component` (the map component) and
:mod:`~geo.app.mapview` (the map, drawn once and redrawn in place).

``streamlit_app.py`` is the page itself; everything it computes comes from here.
"""

from __future__ import annotations

from geo._lazy import lazy_exports

#: public name -> the module that defines it
_HOMES = {
    **dict.fromkeys(["View", "filter_view", "view_map_base", "available_configs"], "views"),
    **dict.fromkeys(["PackOffer"], "download"),
    **dict.fromkeys(["CACHE_HASH_FUNCS", "DataKey", "FileStamp", "Scenario", "Selection", "VenueChoice", "input_paths"],
                    "scenario"),
    **dict.fromkeys(["component_args", "folium_map"], "folium_component"),
    **dict.fromkeys(["problem_lines"], "problems"),
    **dict.fromkeys(["sidebar_controls"], "sidebar"),
    **dict.fromkeys(["gated_tables"], "gated"),
    **dict.fromkeys(["start_warm"], "warm"),
}

__all__ = sorted(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
