"""Lazy public faces (PEP 562): a package names its public API without importing it.

Every package of ``geo`` and ``models`` lists ``{public name: home module}`` and gets its
``__getattr__`` and ``__dir__`` from :func:`lazy_exports`, so ``import geo`` stays cheap (no
geopandas, matplotlib, folium or HiGHS until a name is used) and each name has one home.

Examples
--------
>>> getattr_, dir_ = lazy_exports("geo", {"load_config": "config"})
>>> getattr_("load_config").__module__
'geo.config'
>>> "load_config" in dir_()
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: Mapping[str, str]) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` whose public names live in ``homes``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    homes : mapping of str to str
        Public name -> the module that defines it, relative to ``package``.
    """

    def __getattr__(name: str) -> object:
        if name in homes:
            return getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(homes) | set(vars(importlib.import_module(package))))

    return __getattr__, __dir__
