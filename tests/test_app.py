"""The Streamlit app, driven headless with ``streamlit.testing.v1.AppTest``.

Every sidebar control and every tab is exercised on the real bi-borough data, and what the app
shows is compared with the pipeline's own functions (``geo.build``, ``geo.sites``,
``geo.app.views``). The browser test (real Chromium) is ``tests/test_app_browser.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.app import views
from geo.build import run
from geo.config import load_config
from geo.disclosure import DisclosureRule, scan_for_small_counts
from geo.sites import suggest_sites
from geo.maps.assets import standalone_html
from geo.maps.webmap import LAYERS, area_map

REPO = Path(__file__).resolve().parents[1]
XSS = "<img src=x onerror=alert(1)>"


def write_app_config(folder: Path, fetched, *, hubs: Path | None = None, venues: Path | None = None) -> Path:
    """The repository's ``config.toml`` with data folders pointed at a fetched copy (and optional extracts)."""
    text = (REPO / "config.toml").read_text()
    demo = REPO / "data" / "extracts" / "demo" / "biborough"
    subs = {
        "boundaries_dir": fetched.boundaries_dir.parent, "public_dir": fetched.public_dir.parent,
        "review_takeup": demo / "review_takeup.csv", "hub_attendance": demo / "hub_attendance.csv",
        "hubs": hubs or demo / "hubs.csv", "venues": venues or fetched.public_dir / "venues.csv",
        "outreach_sessions": demo / "outreach_sessions.csv",
    }
    for key, value in subs.items():
        text, n = re.subn(rf'(?m)^{key} = "[^"]*"', f'{key} = "{value}"', text)
        assert n == 1, key
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text)
    return path


def xss_extracts(folder: Path, fetched) -> tuple[Path, Path, str]:
    """Copies of the demo hubs and venues with an HTML payload as a hub's and a venue's name."""
    folder.mkdir(parents=True, exist_ok=True)
    hubs = pd.read_csv(REPO / "data" / "extracts" / "demo" / "biborough" / "hubs.csv")
    hubs.loc[hubs["hub_id"] == "RBKC-S", "name"] = XSS
    venues = pd.read_csv(fetched.public_dir / "venues.csv")
    venue_id = str(venues["venue_id"].iloc[0])
    venues.loc[0, "name"] = XSS
    hubs.to_csv(folder / "hubs.csv", index=False)
    venues.to_csv(folder / "venues.csv", index=False)
    return folder / "hubs.csv", folder / "venues.csv", venue_id


@pytest.fixture(scope="module")
def app_config(tmp_path_factory, biborough_config) -> Path:
    return write_app_config(tmp_path_factory.mktemp("app"), biborough_config)


@pytest.fixture(scope="module")
def app_result(app_config):
    return run(load_config(app_config))


@pytest.fixture()
def app(app_config, monkeypatch) -> AppTest:
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(app_config))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["tab"] = tab
    return rerun(at)


def sites_table(at: AppTest) -> pd.DataFrame:
    """The suggested-venues table on the map tab (the one with a ``rank`` and ``name`` column)."""
    for df in at.dataframe:
        if {"rank", "name", "type"} <= set(df.value.columns):
            return df.value
    raise AssertionError("no suggested-venues table on the page")


def test_app_starts_with_synthetic_banner_and_headline_from_the_pipeline(app, app_result):
    assert any("SYNTHETIC DEMO DATA" in w.value for w in app.warning)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Under-5s (estimate)"] == f"{app_result.lsoa['under5_est'].sum():,.0f}"
    elig, comp = app_result.lsoa["review_eligible"].sum(), app_result.lsoa["review_completed"].sum()
    assert metrics["Reviewed (2-2½ yr)"] == f"{comp / elig:.0%}"
    priority = (app_result.lsoa["quadrant"] == "high need, low engagement").sum()
    assert metrics["Priority LSOAs"] == f"{priority:,}"
    # the sidebar offers every control the issue lists
    keys = {w.key for w in [*app.selectbox, *app.multiselect, *app.slider, *app.radio]}
    assert {"config", "las", "hubs", "level", "layer", "mode", "minutes", "k", "types", "force_in", "force_out",
            "need_idaci", "need_imd", "need_under5", "eng_review", "eng_reach"} <= keys


def test_every_tab_renders(app):
    for tab in views_tabs():
        open_tab(app, tab)


def views_tabs() -> list[str]:
    import streamlit_app

    return list(streamlit_app.TABS)


def test_priority_table_matches_the_pipeline(app, app_result):
    open_tab(app, "Priority areas")
    shown = app.dataframe[0].value
    rule = DisclosureRule(app_result.config.disclosure_threshold)
    expected = views.priority_frame(views.filter_view(app_result, level="lsoa"), "lsoa", rule)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    assert list(shown["lsoa21cd"]) == list(app_result.lsoa.sort_values("priority_rank")["lsoa21cd"])
    assert not scan_for_small_counts(shown, counts=["review_eligible", "review_completed", "children_not_reviewed", "hub_children"])


def test_ward_and_hub_tables_match_the_pipeline(app, app_result):
    rule = DisclosureRule(app_result.config.disclosure_threshold)
    open_tab(app, "Wards")
    wards = app.dataframe[0].value
    expected = views.ward_frame(app_result, views.filter_view(app_result, level="lsoa"), rule)
    pd.testing.assert_frame_equal(wards.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    assert set(app_result.wards["ward_code"]) <= set(wards["ward_code"])
    open_tab(app, "Hubs")
    hubs = app.dataframe[-1].value
    expected = views.for_display(views.hub_frame(app_result, rule))
    pd.testing.assert_frame_equal(hubs.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    cards = " ".join(md.value for md in app.markdown)
    for name in app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "name"]:
        assert name in cards


def test_sites_panel_matches_suggest_sites(app, app_result):
    expected = suggest_sites(app_result, k=5).table
    shown = sites_table(app)
    assert list(shown["name"]) == list(expected["name"])
    assert list(shown["rank"]) == [1, 2, 3, 4, 5]


def test_la_and_hub_filters_select_their_lsoas(app, app_result):
    app.multiselect(key="las").set_value(["E09000020"])
    open_tab(app, "Priority areas")
    assert set(app.dataframe[0].value["lad_code"]) == {"E09000020"}
    assert len(app.dataframe[0].value) == (app_result.lsoa["lad_code"] == "E09000020").sum()
    app.multiselect(key="las").set_value(["E09000020", "E09000033"])
    app.multiselect(key="hubs").set_value(["WCC-QPK"])
    rerun(app)
    assert set(app.dataframe[0].value["hub_id"]) == {"WCC-QPK"}
    assert len(app.dataframe[0].value) == (app_result.lsoa["hub_id"] == "WCC-QPK").sum()
    # a local authority and a hub with no LSOA in common: said so, no traceback
    lsoa = app_result.lsoa
    hub = next(h for h in sorted(set(lsoa["hub_id"].dropna())) if not ((lsoa["lad_code"] == "E09000020") & (lsoa["hub_id"] == h)).any())
    app.multiselect(key="las").set_value(["E09000020"])
    app.multiselect(key="hubs").set_value([hub])
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("No area is in both" in w.value for w in app.warning)


def test_ward_level_and_every_map_layer(app, app_result):
    app.radio(key="level").set_value("ward")
    open_tab(app, "Priority areas")
    assert len(app.dataframe[0].value) == len(app_result.wards)
    assert "ward_code" in app.dataframe[0].value.columns
    open_tab(app, "Map")
    for layer in LAYERS:
        app.selectbox(key="layer").select(layer)
        rerun(app)
    open_tab(app, "Charts")
    assert len(app.get("image")) == 2


def test_changing_a_weight_changes_the_ranking(app):
    open_tab(app, "Priority areas")
    before = list(app.dataframe[0].value["lsoa21cd"])
    app.slider(key="need_idaci").set_value(0.0)
    app.slider(key="need_under5").set_value(1.0)
    rerun(app)
    after = list(app.dataframe[0].value["lsoa21cd"])
    assert sorted(before) == sorted(after) and before != after
    app.slider(key="need_idaci").set_value(0.0)
    app.slider(key="need_imd").set_value(0.0)
    app.slider(key="need_under5").set_value(0.0)
    app.run()
    assert any("at least one weight" in e.value for e in app.error)


def test_travel_and_venue_controls(app, app_result):
    app.selectbox(key="mode").select("bus")
    app.slider(key="minutes").set_value(10)
    app.slider(key="k").set_value(3)
    rerun(app)
    assert len(sites_table(app)) == 3
    assert "10 minutes" in " ".join(c.value for c in app.caption)
    app.selectbox(key="mode").select("walk")
    app.slider(key="minutes").set_value(15)
    app.multiselect(key="types").set_value(["library"])
    rerun(app)
    assert set(sites_table(app)["type"]) == {"library"}
    venues = app_result.venues
    library = venues[venues["type"] == "library"]
    forced = str(library["venue_id"].iloc[-1])
    app.multiselect(key="force_in").set_value([forced])
    rerun(app)
    assert library.set_index("venue_id").loc[forced, "name"] in set(sites_table(app)["name"])
    first = sites_table(app)["name"].iloc[0]
    excluded = str(library.loc[library["name"] == first, "venue_id"].iloc[0])
    if excluded != forced:
        app.multiselect(key="force_out").set_value([excluded])
        rerun(app)
        assert first not in set(sites_table(app)["name"])


def test_map_click_opens_the_area_profile(app_result):
    """What streamlit-folium returns for a clicked area drives the profile panel (the browser test clicks for real)."""
    top = app_result.lsoa.sort_values("priority_rank").iloc[0]
    recorder = _Recorder()
    clicked = {"last_active_drawing": {"properties": {"code": top["lsoa21cd"]}}}
    views.area_profile(recorder, app_result, views.filter_view(app_result, level="lsoa"), clicked, "lsoa", DisclosureRule(5))
    text = recorder.text()
    assert top["lsoa21nm"] in text and "priority rank **1**" in text
    assert "95% CI" in text or "suppressed" in text
    assert "Funnel plot" in text and "expected for an area like this" in text
    assert f"{top['need_score']:.0f}/100" in text
    empty = _Recorder()
    views.area_profile(empty, app_result, views.filter_view(app_result, level="lsoa"), None, "lsoa", DisclosureRule(5))
    assert "Click an area" in empty.text()


class _Recorder:
    """A stand-in for ``st`` that records what a panel writes (for pure panel functions)."""

    def __init__(self):
        self.lines: list[str] = []

    def __getattr__(self, name):
        def call(*args, **kwargs):
            for a in args:
                if isinstance(a, str):
                    self.lines.append(a)
                elif isinstance(a, pd.DataFrame):
                    self.lines.append(a.to_string())
            return self
        return call

    def columns(self, n):
        return [self for _ in range(n if isinstance(n, int) else len(n))]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def text(self) -> str:
        return "\n".join(self.lines)


def test_names_are_escaped_everywhere(tmp_path, biborough_config, monkeypatch):
    hubs, venues, venue_id = xss_extracts(tmp_path / "xss", biborough_config)
    config = write_app_config(tmp_path / "cfg", biborough_config, hubs=hubs, venues=venues)
    result = run(load_config(config))
    sites = suggest_sites(result, k=3, force_in=[venue_id])
    assert XSS in set(sites.table["name"])
    view = views.filter_view(result, level="lsoa")
    m = area_map(view.areas, hubs=view.hubs, catchments=view.catchments, gaps=view.gaps, sites=views.sites_frame(sites))
    page = standalone_html(m)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # the app itself: hub cards and the sites panel show the name as text
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(config))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240)
    at.run()
    at.multiselect(key="force_in").set_value([venue_id])
    rerun(at)
    assert XSS in set(sites_table(at)["name"])  # a dataframe cell: rendered as text by Streamlit
    open_tab(at, "Hubs")
    cards = " ".join(md.value for md in at.markdown)
    assert "&lt;img src=x onerror=alert(1)&gt;" in cards and XSS not in cards


def test_download_tables_are_suppressed(app_result):
    rule = DisclosureRule(app_result.config.disclosure_threshold)
    sites = suggest_sites(app_result, k=5)
    tables = views.download_tables(app_result, views.filter_view(app_result, level="lsoa"), sites, rule)
    assert set(tables) == {"LSOAs", "wards", "sites", "hubs"}
    counts = ["review_eligible", "review_completed", "children_not_reviewed", "hub_children", "children_reached"]
    for name in ("LSOAs", "wards", "hubs"):
        csv = tables[name].to_csv(index=False)
        present = [c for c in counts if c in tables[name].columns]
        assert present, name
        assert not scan_for_small_counts(csv, counts=present), name
    # the raw pipeline does have small counts, so the scan is not vacuous
    assert scan_for_small_counts(app_result.lsoa[["review_completed"]], counts=["review_completed"])


def test_ilt_pack_button_prepares_the_pack_once(app, app_config, app_result, monkeypatch):
    """"Prepare ILT pack" runs the export (in this process) for the controls shown; the zip is then offered and kept."""
    import io
    import json
    import time
    import zipfile

    import geo.export.bundle

    calls = []
    real = geo.export.bundle.pack_zip
    monkeypatch.setattr(geo.export.bundle, "pack_zip", lambda *a, **kw: calls.append(kw) or real(*a, **kw))
    assert not [b for b in app.download_button if b.key in ("dl_pack", "dl_pack_pdf")]
    assert any("all 5 hubs" in c.value for c in app.caption)
    app.button(key="pack_prepare").click()
    rerun(app)
    assert len(calls) == 1 and calls[0]["hub"] is None and calls[0]["k"] == 5
    key, generated, data = app.session_state["ilt_pack"]
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    hubs = sorted(app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "hub_id"])
    assert {"pack.pdf", "map.html", "tables.xlsx", "pack.json"} | {f"maps/{h}.png" for h in hubs} | {f"visits/{h}.csv" for h in hubs} <= names
    assert views_pack_member(data, "pack.pdf").startswith(b"%PDF")
    manifest = json.loads(views_pack_member(data, "pack.json"))
    assert manifest["hubs"] == hubs and manifest["generated"] == generated and manifest["k"] == 5
    offered = {b.key: b.label for b in app.download_button}
    assert offered["dl_pack"] == "ILT pack (zip)" and offered["dl_pack_pdf"] == "ILT pack (PDF only)"
    assert not [b for b in app.button if b.key == "pack_prepare"]
    # another control (not one the pack depends on): still offered, nothing redone
    app.selectbox(key="layer").select("need")
    rerun(app)
    assert {"dl_pack", "dl_pack_pdf"} <= {b.key for b in app.download_button} and len(calls) == 1
    # a second session asking for the same pack gets it from the cache at once
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(app_config))
    other = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240)
    rerun(other)
    other.button(key="pack_prepare").click()
    t0 = time.perf_counter()
    rerun(other)
    assert time.perf_counter() - t0 < 10 and len(calls) == 1
    assert other.session_state["ilt_pack"][2] == data
    # one hub selected: that hub's pack, not prepared yet
    app.multiselect(key="hubs").set_value(["WCC-QPK"])
    rerun(app)
    assert any("hub WCC-QPK only" in c.value for c in app.caption)
    assert [b for b in app.button if b.key == "pack_prepare"] and not [b for b in app.download_button if b.key == "dl_pack"]


def views_pack_member(data: bytes, name: str) -> bytes:
    from geo.export.bundle import read_member

    return read_member(data, name)


def test_switching_study_area_to_leicestershire(app_config, leicestershire_config, leicestershire_build, tmp_path, monkeypatch):
    from tests.conftest import write_study_config

    lei = write_study_config(tmp_path / "lei.toml", REPO / "configs" / "leicestershire.toml", leicestershire_config)
    monkeypatch.setenv("FAMILYHUB_CONFIG", os.pathsep.join([str(app_config), str(lei)]))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=300)
    rerun(at)
    assert at.selectbox(key="config").value == str(app_config.resolve())
    at.multiselect(key="hubs").set_value(["WCC-QPK"])
    rerun(at)
    at.selectbox(key="config").set_value(str(lei.resolve()))
    rerun(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Under-5s (estimate)"] == f"{leicestershire_build.lsoa['under5_est'].sum():,.0f}"
    assert at.multiselect(key="hubs").value == []                    # the bi-borough hub does not carry over
    assert len(at.multiselect(key="hubs").options) == 21
    assert len(at.multiselect(key="las").value) == 7                 # the seven districts
    assert at.selectbox(key="mode").value == "drive"
    assert any("derived by dissolving LSOAs" in c.value for c in at.caption)
    open_tab(at, "Priority areas")
    assert len(at.dataframe[0].value) == 408
    at.radio(key="level").set_value("ward")
    rerun(at)
    assert len(at.dataframe[0].value) == 138


def test_a_broken_config_is_reported_not_a_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text("[study_area]\nname = 'x'\nla_codes = 'E09000033'\n[travel]\nmode = 'teleport'\n")
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(bad))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert at.error and "could not be loaded" in at.error[0].value
