"""The app's "Load data" panel (geo.app.upload), driven headless with AppTest on the bi-borough demo."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.app.upload import signed_in_user
from geo.config import load_config
from geo.store import open_store
from tests.app.test_app import REPO, write_app_config

DEMO = REPO / "data" / "extracts" / "demo" / "biborough"
#: rows of the demo review extract in its latest quarter (one per LSOA and ethnic group)
Q4_ROWS = int((pd.read_csv(DEMO / "review_takeup.csv", usecols=["period"])["period"] == "2025-Q4").sum())


def _panel(config_path: str) -> None:
    import streamlit as st

    from geo.app.upload import upload_panel
    from geo.config import load_config

    upload_panel(st, load_config(config_path))


@pytest.fixture()
def config_path(tmp_path, biborough_config):
    return write_app_config(tmp_path / "area", biborough_config)


def _text(elements) -> str:
    return "\n".join(str(e.value) for e in elements).replace("\\", "")


def test_the_panel_lists_problems_previews_and_writes_only_on_confirm(config_path):
    at = AppTest.from_function(_panel, args=(str(config_path),), default_timeout=120)
    at.run()
    assert not at.exception and not at.button  # nothing to confirm before a file is chosen
    at.text_input(key="upload_by").set_value("Ann Analyst")
    bad = b"area_code,period,eligible,completed\nE01002812,2025-Q4,10,3\nE01002813,2025-Q4,ten,2\nE01002814,2025-Q9,5,6\n"
    at.file_uploader[0].set_value(("bad.csv", bad, "text/csv"))
    at.run()
    assert "3 problem(s) in the file: nothing was written" in _text(at.error)
    listed = _text(at.markdown)
    assert "bad.csv: row 3: column 'eligible'" in listed and "bad.csv: row 4: column 'period'" in listed
    assert not at.button  # no confirm for a file with problems
    store = config_path.parent / "data" / "store" / "biborough.sqlite"
    assert not store.exists()

    at.file_uploader[0].set_value(("review_takeup.csv", (DEMO / "review_takeup.csv").read_bytes(), "text/csv"))
    at.run()
    assert not at.exception and not at.error
    assert f"period 2025-Q4: {Q4_ROWS} row(s), added" in _text(at.markdown)
    assert not store.exists()  # previewed, not written
    at.button(key="upload_confirm").click()
    at.run()
    assert not at.exception
    assert "Stored as upload 1 (review_takeup, periods 2024-Q1" in _text(at.success)
    history = open_store(load_config(config_path)).history()
    assert history[["id", "kind", "uploaded_by", "file_name", "status"]].values.tolist() == [
        [1, "review_takeup", "Ann Analyst", "review_takeup.csv", "current"]]
    at.run()
    assert at.file_uploader[0].value is None and not at.button  # a fresh uploader: the same file is not offered twice
    shown = at.dataframe[0].value
    assert shown[["upload", "by", "status"]].values.tolist() == [[1, "Ann Analyst", "current"]]


def test_the_app_rebuilds_from_the_store_after_an_upload(config_path, monkeypatch):
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(config_path))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240)
    at.run()
    at.session_state["tab"] = "Data and sources"
    at.run()
    assert not at.exception and "Load data" in _text(at.subheader)
    rows = pd.read_csv(DEMO / "review_takeup.csv", dtype=str)
    q4 = rows[rows["period"] == "2025-Q4"].drop(columns="data_status")
    at.text_input(key="upload_by").set_value("Ann Analyst")
    at.file_uploader[0].set_value(("q4.csv", q4.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert f"period 2025-Q4: {Q4_ROWS} row(s), added" in _text(at.markdown)
    at.button(key="upload_confirm").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "review_takeup: store (1 upload, 1 period; upload id(s) 1)" in _text(at.caption)


def test_the_user_comes_from_the_sign_in_proxy_header():
    assert signed_in_user({"X-Forwarded-User": "ann@council.gov.uk"}, "X-Forwarded-User") == "ann@council.gov.uk"
    assert signed_in_user({"x-remote-user": "bob"}, "X-Remote-User") == "bob"
    assert signed_in_user({"X-Forwarded-User": "  "}, "X-Forwarded-User") is None
    assert signed_in_user({"X-Forwarded-User": "eve\x00\n"}, "X-Forwarded-User") == "eve\\x00"


def test_an_ingest_from_the_command_line_changes_the_apps_cache_key(config_path, monkeypatch):
    import io
    import sys

    from geo.app.scenario import DataKey, input_paths
    from geo.cli import main

    cfg = load_config(config_path)
    before = DataKey.of(config_path, input_paths(cfg))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["ingest", "--config", str(config_path), "--kind", "outreach_sessions", str(DEMO / "outreach_sessions.csv"),
                 "--yes"]) == 0
    assert DataKey.of(config_path, input_paths(cfg)) != before
    monkeypatch.setenv("DATABASE_URL", "postgresql://geo@db.example/geo")  # a server store is not a file to stamp
    assert input_paths(cfg)[-1] == cfg.public_dir
