"""The Streamlit app's logic, testable without Streamlit: :mod:`~geo.app.views`.

``streamlit_app.py`` is the page itself; everything it computes comes from here.
"""

from __future__ import annotations

import importlib

#: public name -> the module that defines it
_HOMES = dict.fromkeys(["View", "PackOffer", "filter_view", "view_map_base", "available_configs"], "views")

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
