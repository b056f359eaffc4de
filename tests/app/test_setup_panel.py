"""The app's "New study area" panel (issue 20), driven headless with AppTest on real data.

The app opens on Rutland (set up by :func:`geo.setup.init_study_area`, with no service extracts
yet), and the panel then creates the Isles of Scilly with a hub typed by postcode: the new study
area is written, offered and chosen in the picker, and shown.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.config import load_config
from geo.setup import init_study_area, parse_hub_lines
from tests.conftest import REPO


@pytest.fixture()
def app(tmp_path, mirror, monkeypatch) -> AppTest:
    res = init_study_area(["E06000017"], "Rutland", tmp_path / "configs" / "rutland.toml",
                          hubs=parse_hub_lines(["Oakham Family Hub, LE15 6HW"]), mirror=mirror,
                          data_dir=tmp_path / "data", log=lambda *a: None)
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(res.config))
    monkeypatch.setenv("FAMILYHUB_CONFIG_DIR", str(tmp_path / "new_configs"))
    monkeypatch.setenv("FAMILYHUB_DATA_DIR", str(tmp_path / "new_data"))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240)
    at.run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_a_new_study_area_without_extracts_opens_in_the_app(app):
    assert "Rutland" in " ".join(m.value for m in app.markdown)
    assert not _errors(app)


def test_panel_creates_a_study_area_and_the_picker_offers_and_chooses_it(app, tmp_path):
    app.multiselect(key="new_las").set_value(["E06000053"])
    app.text_input(key="new_name").set_value("Isles of Scilly")
    app.text_area(key="new_hubs").set_value("St Mary's Family Hub, tr21 0ls\nHugh Town Library, TR21 0LW, spoke")
    app.button(key="new_create").click().run(timeout=240)
    assert not app.exception, app.exception
    assert not _errors(app), _errors(app)
    config = tmp_path / "new_configs" / "isles-of-scilly.toml"
    cfg = load_config(config)
    assert cfg.la_codes == ("E06000053",) and cfg.travel.mode == "drive"
    hubs = pd.read_csv(cfg.extracts.hubs)
    assert hubs["postcode"].tolist() == ["TR21 0LS", "TR21 0LW"]
    assert hubs["site_type"].tolist() == ["hub", "spoke"] and hubs["parent_hub_id"].iloc[1] == hubs["hub_id"].iloc[0]
    assert app.selectbox(key="config").value == str(config.resolve())
    assert "Isles of Scilly" in " ".join(m.value for m in app.markdown)
    assert any("Created Isles of Scilly" in s.value for s in app.sidebar.success)


def test_panel_names_a_postcode_that_is_not_found(app, tmp_path):
    app.multiselect(key="new_las").set_value(["E06000053"])
    app.text_input(key="new_name").set_value("Scilly")
    app.text_area(key="new_hubs").set_value("Nowhere Hub, ZZ99 9ZZ")
    app.button(key="new_create").click().run(timeout=240)
    assert not app.exception, app.exception
    assert any("ZZ99 9ZZ" in e and "not found" in e for e in _errors(app)), _errors(app)
    assert not (tmp_path / "new_configs" / "scilly.toml").exists()
