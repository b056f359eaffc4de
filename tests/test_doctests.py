"""The examples in the docstrings of geo/ and models/ run and give what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import geo
import models

MODULES = sorted(  # every module, including those inside sub-packages (geo.maps.*, geo.inputs.*, models.siting.*, ...)
    m.name for pkg in (geo, models) for m in pkgutil.walk_packages(pkg.__path__, f"{pkg.__name__}.")
    if not m.name.endswith(".__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(geo.__path__[0] + "/..")  # examples name files relative to the repository
    module = importlib.import_module(name)
    res = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False, report=False)
    assert res.failed == 0, f"{name}: {res.failed} of {res.attempted} docstring examples failed (run pytest --doctest-modules {name.replace('.', '/')}.py)"


def test_examples_are_collected():
    assert {"geo.disclosure", "geo.disclosure.attack", "models.risk", "geo.inputs.periods", "geo.inputs.counts"} <= set(MODULES)
    assert {"geo.export", "geo.export.pack", "geo.maps.webmap", "geo.app.views"} <= set(MODULES)
    attempted = doctest.testmod(importlib.import_module("geo.disclosure.attack"), report=False).attempted
    assert attempted >= 4
