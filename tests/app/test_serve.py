"""``python -m geo app`` (:mod:`geo.app.serve`): bad input stops it with exit code 2 and one line; the
warm-up (the page run once headlessly) fills the caches a later session of the page finds.

The launcher serving a browser is tested in ``tests/app/test_serve_browser.py``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.app import serve, views
from tests.app.counted_app import STEPS
from tests.app.test_app import write_app_config

REPO = Path(__file__).resolve().parents[2]


def _geo_app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo", "app", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "FAMILYHUB_WARM": "0"})


@pytest.mark.parametrize("content", [None, "[study_area\nname = 'x'\n"])
def test_a_config_that_cannot_be_read_exits_2_with_one_line(tmp_path, content):
    config = tmp_path / "study.toml"
    if content is not None:
        config.write_text(content)
    done = _geo_app("--config", str(config), "--port", "8599")
    assert done.returncode == 2, done
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "study.toml" in lines[0], lines
    assert "Preparing" not in done.stdout  # it stopped before any warm-up


def test_a_port_in_use_exits_2_before_the_warm_up():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _geo_app("--config", str(REPO / "config.toml"), "--port", str(port))
    assert done.returncode == 2, done
    assert f"--port {port}: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr and "Preparing" not in done.stdout


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "http"], ["--config"]])
def test_bad_arguments_exit_2(args):
    done = _geo_app(*args)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done
    assert done.stderr.strip().startswith("python -m geo app: error:")


def _count_steps(monkeypatch) -> dict[str, int]:
    """Count calls of the costly steps (:data:`tests.app.counted_app.STEPS`) in this process."""
    import importlib

    counts = {}
    for module_name, name in STEPS:
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        key = f"{module_name}.{name}"
        counts[key] = 0

        def counted(*args, _original=original, _key=key, **kwargs):
            counts[_key] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    return counts


def _warming() -> bool:
    return any(t.name == "warm-study-areas" and t.is_alive() for t in threading.enumerate())


def test_the_warm_up_fills_the_caches_the_next_session_reads(tmp_path, biborough_config, monkeypatch):
    monkeypatch.setattr(sys, "argv", list(sys.argv))  # the warm-up sets the script's arguments
    config = write_app_config(tmp_path, biborough_config)  # a config of its own: nothing of it is cached yet
    other = write_app_config(tmp_path / "other", biborough_config)  # a second study area (its own config path)
    counts = _count_steps(monkeypatch)
    monkeypatch.setenv("FAMILYHUB_WARM", "1")
    assert not _warming()
    warmed = serve.warm_first_page(serve.SCRIPT, ["--config", str(config), str(other)], timeout=600)
    # the other study areas are warmed too, and waited for: nothing runs beside the server's first session
    assert not _warming() and warmed.others > 0
    monkeypatch.setenv("FAMILYHUB_WARM", "0")  # (this test process does not warm them again)
    assert warmed.failure is None and warmed.problems == 0, warmed
    assert warmed.line("Bi-borough").startswith("Preparing Bi-borough... ready in ")
    assert "other study areas ready in" in warmed.line("Bi-borough")
    after_warm = dict(counts)
    # the warm-up computed the first page: loading, scoring, the gate, the venues, the map
    assert all(n >= 1 for n in after_warm.values()), after_warm
    # each study area offered (these two, and the repository's configs/) is prepared, scored and gated once
    offered = len(views.available_configs(serve.SCRIPT.parent, [str(config), str(other)]))
    assert (after_warm["geo.build.prepare"], after_warm["geo.build.analyse"], after_warm["geo.app.gated.export_tables"]) == (offered,) * 3
    page = AppTest.from_file(str(serve.SCRIPT), default_timeout=600).run()  # a new session, as the server's first
    assert not page.exception and not page.error
    assert counts == after_warm  # found every step in the caches
    page.selectbox(key="config").set_value(str(other.resolve())).run()  # the switch to the other study area
    assert not page.exception and not page.error
    heavy = ("geo.build.prepare", "geo.build.analyse", "geo.app.gated.export_tables")
    assert {k: counts[k] for k in heavy} == {k: after_warm[k] for k in heavy}  # loaded, scored and gated in the warm-up


def test_a_study_area_that_cannot_be_loaded_is_counted_not_raised(tmp_path, biborough_config, monkeypatch):
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    hubs = tmp_path / "hubs.csv"
    hubs.write_text("hub_id,nom\nH1,Somewhere\n")  # no name, no postcode or coordinates
    config = write_app_config(tmp_path, biborough_config, hubs=hubs)
    warmed = serve.warm_first_page(serve.SCRIPT, ["--config", str(config)], timeout=600)
    assert warmed.failure is None and warmed.problems >= 2, warmed  # "could not be loaded", then each problem
    assert warmed.line("X") == f"Preparing X... the page shows {warmed.problems} error message(s) ({warmed.seconds:.1f} s)"


def test_register_components_finds_the_map_component():
    from geo.app.folium_component import folium_map

    class Registry:
        def __init__(self):
            self.names = []

        def register_component(self, component):
            self.names.append(component.name)

    registry = Registry()
    assert serve.register_components(registry) == len(registry.names)
    assert folium_map.name in registry.names
