"""The package's face: what importing it costs, what it re-exports, and that it leaves matplotlib alone.

The import checks run in a fresh interpreter (``subprocess``): this test process has long since
imported everything.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["geo.maps", "geo.export", "geo.app"]


def _run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter at the repository root; it prints one JSON object."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_packages_defers_heavy_libraries():
    heavy = ["streamlit", "matplotlib", "sklearn", "highspy", "folium", "geopandas", "rasterio"]
    res = _run(
        "import json, sys\n"
        "import geo\n"
        f"after_geo = [m for m in {heavy!r} if m in sys.modules]\n"
        "import geo.maps, geo.export, geo.app\n"
        f"after_all = [m for m in {heavy!r} if m in sys.modules]\n"
        "print(json.dumps({'geo': after_geo, 'packages': after_all}))\n"
    )
    assert res["geo"] == [], f"import geo loads {res['geo']}"
    assert res["packages"] == [], f"import geo.maps, geo.export, geo.app loads {res['packages']}"


def test_drawing_leaves_the_callers_matplotlib_backend_and_pyplot_alone():
    # a caller (a notebook, a GUI) has chosen its backend; the tool's modules import and draw
    # without pyplot and without switching it
    res = _run(
        "import io, json, sys\n"
        "import matplotlib\n"
        "matplotlib.use('pdf')\n"
        "import geo, geo.maps, geo.export\n"
        "import geo.maps.printmap, geo.maps.charts, geo.export.pack, geo.export.document, geo.app.views\n"
        "import pandas as pd\n"
        "areas = pd.DataFrame({'review_eligible': [40, 60, 80, 120], 'review_completed': [30, 20, 70, 90]})\n"
        "fig = geo.maps.funnel_plot(areas, level='ward')\n"
        "buf = io.BytesIO(); fig.savefig(buf, format='png')\n"
        "print(json.dumps({'backend': matplotlib.get_backend(), 'pyplot': 'matplotlib.pyplot' in sys.modules,\n"
        "                  'png': buf.getvalue()[:8].hex(), 'points': len(fig.axes[0].collections)}))\n"
    )
    assert res["backend"] == "pdf"
    assert res["pyplot"] is False, "a module imported matplotlib.pyplot"
    assert res["png"] == b"\x89PNG\r\n\x1a\n".hex()
    assert res["points"] >= 1


def test_no_module_sets_the_backend_at_import():
    offenders = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "geo").rglob("*.py")) + sorted((ROOT / "models").rglob("*.py"))
                 if "matplotlib.use(" in p.read_text(encoding="utf-8") or "import matplotlib.pyplot" in p.read_text(encoding="utf-8")]
    assert offenders == []


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_re_export_their_public_api(package):
    pkg = importlib.import_module(package)
    assert pkg.__all__ and len(set(pkg.__all__)) == len(pkg.__all__)
    for name in pkg.__all__:
        obj = getattr(pkg, name)
        home = importlib.import_module(f"{package}.{pkg._HOMES[name]}")
        assert obj is getattr(home, name), f"{package}.{name}"
        assert name in home.__all__ or name.isupper(), f"{name} is not public in {home.__name__}"
        assert name in dir(pkg)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        pkg.nothing_here  # noqa: B018


def test_from_imports_of_the_packages_work():
    from geo.app import View, views
    from geo.export import export_pack, pack
    from geo.maps import area_map, webmap

    assert export_pack is pack.export_pack and area_map is webmap.area_map and View is views.View


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules ``path`` imports, at module level or inside functions."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found & modules


def _module_files() -> dict[str, Path]:
    files = {}
    for path in sorted(ROOT.glob("geo/**/*.py")) + sorted(ROOT.glob("models/**/*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        files[name.removesuffix(".__init__")] = path
    return files


def test_no_import_loops():
    files = _module_files()
    graph = {name: _imports(path, set(files)) - {name} for name, path in files.items()}
    assert graph["geo.export.pack"] >= {"geo.export.helper", "geo.export.web"}  # the graph sees the imports

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            if m == goal:
                return True
            if m not in seen:
                seen.add(m)
                todo.extend(graph[m])
        return False

    loops = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if reaches(b, a)})
    assert loops == [], f"modules that import each other (directly or through others): {loops}"


FACES = ("geo", "geo.app", "geo.maps", "geo.export", "geo.disclosure", "geo.sources", "geo.inputs", "geo.catchments",
         "models", "models.siting", "geo.store")


@pytest.mark.parametrize("path", ["streamlit_app.py", "geo/cli.py"])
def test_the_app_and_the_command_line_use_only_public_faces(path):
    """Every ``from geo… import name`` in the app and the command line names a package face and a
    name of its ``__all__`` (or one of its subpackages/modules): no reaching into a module's insides."""
    import ast
    import importlib

    tree = ast.parse((ROOT / path).read_text())
    seen = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not [a.name for a in node.names if a.name.startswith(("geo.", "models."))], (path, node.lineno)
        if not isinstance(node, ast.ImportFrom) or (node.module or "").split(".")[0] not in ("geo", "models"):
            continue
        assert node.module in FACES, f"{path}:{node.lineno} imports from {node.module}, not a package face"
        face = importlib.import_module(node.module)
        for alias in node.names:
            seen += 1
            is_module = importlib.util.find_spec(f"{node.module}.{alias.name}") is not None
            assert alias.name in face.__all__ or is_module, f"{path}:{node.lineno}: {alias.name} is not public in {node.module}"
    assert seen >= 5
