"""The Streamlit app's logic, testable without Streamlit: :mod:`~geo.app.views` and its
downloads panel, :mod:`~geo.app.download`.

``streamlit_app.py`` is the page itself; everything it computes comes from here.
"""

from __future__ import annotations

from geo._lazy import lazy_exports

#: public name -> the module that defines it
_HOMES = {
    **dict.fromkeys(["View", "filter_view", "view_map_base", "available_configs"], "views"),
    **dict.fromkeys(["PackOffer"], "download"),
}

__all__ = sorted(_HOMES)

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
