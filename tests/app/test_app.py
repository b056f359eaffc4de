"""The Streamlit app, driven headless with ``streamlit.testing.v1.AppTest``.

Every sidebar control and every tab is exercised on the real bi-borough data, and what the app
shows is compared with the pipeline's own functions (``geo.build``, ``geo.sites``,
``geo.app.views``). The browser test (real Chromium) is ``tests/app/test_app_browser.py``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.app import download, views
from geo.app.controls import control_key
from geo.app.labels import for_people
from geo.build import run
from geo.config import load_config
from geo.disclosure import DisclosureRule, scan_for_small_counts
from geo.maps.assets import standalone_html
from geo.maps.webmap import LAYERS, area_map
from geo.safety import for_screen, plain_markdown
from geo.sites import suggest_sites

REPO = Path(__file__).resolve().parents[2]
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


def control(at: AppTest, name: str) -> str:
    """The key of study-area control ``name`` (``"las"``, ``"need_idaci"``, ...) in the study area ``at`` shows."""
    return control_key(at.selectbox(key="config").value, name)


def open_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["tab"] = tab
    return rerun(at)


def sites_table(at: AppTest) -> pd.DataFrame:
    """The suggested-venues table on the map tab (the one with a ``rank`` and ``name`` column)."""
    for df in at.dataframe:
        if {"rank", "name", "type"} <= set(df.value.columns):
            return df.value
    raise AssertionError("no suggested-venues table on the page")


def _nearest_10(value: float) -> float:
    """Estimates in the app are rounded to the nearest 10 (halves up), as in the pack."""
    return float(np.floor(value / 10 + 0.5) * 10)


def assert_shown(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The app's table is ``expected`` as :func:`geo.app.labels.show_table` shows it: text cells made
    formula-safe (a negative rate shown as text, "-6.7%", gets a leading ') and missing values blank
    (None and NaN alike after the browser's Arrow round trip)."""
    def blank(f: pd.DataFrame) -> pd.DataFrame:
        f = f.reset_index(drop=True).astype(object)
        return f.where(f.notna(), None)

    pd.testing.assert_frame_equal(blank(shown), blank(for_screen(expected)), check_dtype=False)


def test_app_starts_with_synthetic_banner_and_headline_from_the_pipeline(app, app_result):
    assert any("SYNTHETIC DEMO DATA" in w.value for w in app.warning)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Under-5s (estimate)"] == f"{_nearest_10(app_result.lsoa['under5_est'].sum()):,.0f}"  # nearest 10, as in the pack
    elig, comp = app_result.lsoa["review_eligible"].sum(), app_result.lsoa["review_completed"].sum()
    assert metrics["Reviewed (2-2½ yr)"] == f"{comp / elig:.0%}"
    # the published quadrants: a withheld one is not counted back (with four quarters pooled some are withheld)
    shown = views.gated_tables(app_result, DisclosureRule.from_config(app_result.config)).lsoa.display
    priority = (shown["quadrant"] == "high need, low engagement").sum()
    assert metrics["Priority LSOAs"] == f"{_nearest_10(priority):,.0f}"
    # the sidebar offers every control the issue lists
    keys = {w.key.split("@")[0] for w in [*app.selectbox, *app.multiselect, *app.slider, *app.radio]}
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
    rule = DisclosureRule.from_config(app_result.config)
    expected = for_people(views.priority_frame(views.filter_view(app_result, level="lsoa"), "lsoa", rule, result=app_result))  # rates in %
    assert_shown(shown, expected)
    # the pack's published rows, in the order of the published (banded) priority rank
    assert list(shown["lsoa21cd"]) == list(views.gated_tables(app_result, rule).lsoa.display["lsoa21cd"])
    assert not scan_for_small_counts(shown, counts=["review_eligible", "review_completed", "children_not_reviewed", "hub_children"])


def test_ward_and_hub_tables_match_the_pipeline(app, app_result):
    rule = DisclosureRule.from_config(app_result.config)
    open_tab(app, "Wards")
    wards = app.dataframe[0].value
    expected = for_people(views.ward_frame(app_result, views.filter_view(app_result, level="lsoa"), rule))
    assert_shown(wards, expected)
    assert set(app_result.wards["ward_code"]) <= set(wards["ward_code"])
    open_tab(app, "Hubs")
    hubs = app.dataframe[-1].value
    expected = for_people(views.for_display(views.hub_frame(app_result, rule)))
    pd.testing.assert_frame_equal(hubs.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    cards = " ".join(md.value for md in app.markdown)
    for name in app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "name"]:
        assert plain_markdown(name) in cards  # names are plain text: "(" and ")" escaped (issue 13)


def test_sites_panel_matches_suggest_sites(app, app_result):
    """By default k is per hub, as in the ILT pack (issue 16); "in total" is one suggest_sites over the study area."""
    from geo.sites import suggest_sites_per_hub

    hubs = list(app_result.hubs.loc[app_result.hubs["site_type"] == "hub", "hub_id"])
    expected, _ = suggest_sites_per_hub(app_result, hubs, k=5)
    shown = sites_table(app)
    assert list(shown["name"]) == list(expected["name"])
    assert list(shown["rank"]) == list(expected["rank"]) and max(shown["rank"]) == 5
    app.radio(key="venue_scope").set_value("total")
    rerun(app)
    expected = suggest_sites(app_result, k=5).table.sort_values(["hub_id", "rank"], kind="stable")
    shown = sites_table(app)
    assert list(shown["name"]) == list(expected["name"])
    assert sorted(shown["rank"]) == [1, 2, 3, 4, 5]


def test_la_and_hub_filters_select_their_lsoas(app, app_result):
    app.multiselect(key=control(app, "las")).set_value(["E09000020"])
    open_tab(app, "Priority areas")
    assert set(app.dataframe[0].value["lad_code"]) == {"E09000020"}
    assert len(app.dataframe[0].value) == (app_result.lsoa["lad_code"] == "E09000020").sum()
    app.multiselect(key=control(app, "las")).set_value(["E09000020", "E09000033"])
    app.multiselect(key=control(app, "hubs")).set_value(["WCC-QPK"])
    rerun(app)
    assert set(app.dataframe[0].value["hub_id"]) == {"WCC-QPK"}
    assert len(app.dataframe[0].value) == (app_result.lsoa["hub_id"] == "WCC-QPK").sum()
    # a local authority and a hub with no LSOA in common: said so, no traceback
    lsoa = app_result.lsoa
    hub = next(h for h in sorted(set(lsoa["hub_id"].dropna())) if not ((lsoa["lad_code"] == "E09000020") & (lsoa["hub_id"] == h)).any())
    app.multiselect(key=control(app, "las")).set_value(["E09000020"])
    app.multiselect(key=control(app, "hubs")).set_value([hub])
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
    app.slider(key=control(app, "need_idaci")).set_value(0.0)
    app.slider(key=control(app, "need_under5")).set_value(1.0)
    rerun(app)
    after = list(app.dataframe[0].value["lsoa21cd"])
    assert sorted(before) == sorted(after) and before != after
    app.slider(key=control(app, "need_idaci")).set_value(0.0)
    app.slider(key=control(app, "need_imd")).set_value(0.0)
    app.slider(key=control(app, "need_under5")).set_value(0.0)
    app.run()
    assert any("at least one weight" in e.value for e in app.error)


def test_travel_and_venue_controls(app, app_result):
    app.selectbox(key=control(app, "mode")).select("bus")
    app.slider(key=control(app, "minutes")).set_value(10)
    app.slider(key="k").set_value(3)
    rerun(app)
    assert 1 <= sites_table(app)["rank"].max() <= 3                       # k per hub (the default, as the pack)
    assert sites_table(app)["hub_id"].value_counts().max() <= 3
    assert "10 minutes" in " ".join(c.value for c in app.caption)
    app.selectbox(key=control(app, "mode")).select("walk")
    app.slider(key=control(app, "minutes")).set_value(15)
    app.multiselect(key=control(app, "types")).set_value(["library"])
    rerun(app)
    assert set(sites_table(app)["type"]) == {"Library"}                  # shown as words (issue 16), chosen by code
    venues = app_result.venues
    library = venues[venues["type"] == "library"]
    forced = str(library["venue_id"].iloc[-1])
    app.multiselect(key=control(app, "force_in")).set_value([forced])
    rerun(app)
    assert library.set_index("venue_id").loc[forced, "name"] in set(sites_table(app)["name"])
    first = sites_table(app)["name"].iloc[0]
    excluded = str(library.loc[library["name"] == first, "venue_id"].iloc[0])
    if excluded != forced:
        app.multiselect(key=control(app, "force_out")).set_value([excluded])
        rerun(app)
        assert first not in set(sites_table(app)["name"])


def test_map_click_opens_the_area_profile(app_result):
    """What streamlit-folium returns for a clicked area drives the profile panel (the browser test clicks for real)."""
    first = views.gated_tables(app_result, DisclosureRule(5)).lsoa.display.iloc[0]  # published rank 1 (by priority band)
    top = app_result.lsoa.set_index("lsoa21cd").loc[first["lsoa21cd"]].copy()
    top["lsoa21cd"] = first["lsoa21cd"]
    recorder = _Recorder()
    clicked = {"last_active_drawing": {"properties": {"code": top["lsoa21cd"]}}}
    views.area_profile(recorder, app_result, views.filter_view(app_result, level="lsoa"), clicked, "lsoa", DisclosureRule(5))
    text = recorder.text()
    assert top["lsoa21nm"] in text and "priority rank **1**" in text
    assert "95% CI" in text or "withheld" in text
    assert "Funnel plot" in text and "Expected for an area like this" in text
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


def test_area_picker_shows_only_published_ranks_in_published_order(app, app_result):
    """The "Area" picker names each area with its published (banded) priority rank, none where withheld (issue 13)."""
    published = views.published_areas(app_result, "lsoa", DisclosureRule.from_config(app_result.config))
    shown = published.set_index("lsoa21cd")["priority_rank"]
    exact = app_result.lsoa.set_index("lsoa21cd")["priority_rank"]
    assert (shown.reindex(exact.index) != exact).any()  # the exact ranks are not the published ones here
    options = app.selectbox(key="area").options
    assert len(options) == len(app_result.lsoa)
    ranks = []
    for label in options:
        code = re.search(r"\((E0\d+)\)", label).group(1)
        found = re.search(r"priority rank (\d+)$", label)
        if pd.isna(shown[code]):
            assert "priority rank" not in label, label
        else:
            assert found and int(found.group(1)) == shown[code], label
        ranks.append(int(found.group(1)) if found else np.inf)
    assert ranks == sorted(ranks)  # published rank order, withheld last
    assert ranks[0] == 1 and np.isinf(ranks[-1]) == shown.isna().any()


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
    at.multiselect(key=control(at, "force_in")).set_value([venue_id])
    rerun(at)
    assert XSS in set(sites_table(at)["name"])  # a dataframe cell: rendered as text by Streamlit
    open_tab(at, "Hubs")
    cards = " ".join(md.value for md in at.markdown)
    # names are plain text in Markdown (issue 13): every Markdown and HTML character backslash-escaped
    assert plain_markdown(XSS) in cards and XSS not in cards


def test_download_tables_are_suppressed(app_result):
    rule = DisclosureRule.from_config(app_result.config)
    sites = suggest_sites(app_result, k=5)
    tables = download.download_tables(app_result, views.filter_view(app_result, level="lsoa"), sites, rule)
    assert set(tables) == {"LSOAs", "wards", "sites", "hubs", "notes"}
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
    app.multiselect(key=control(app, "hubs")).set_value(["WCC-QPK"])
    rerun(app)
    assert any(plain_markdown("hub WCC-QPK only") in c.value for c in app.caption)  # Markdown-escaped (issue 13)
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
    at.multiselect(key=control(at, "hubs")).set_value(["WCC-QPK"])
    rerun(at)
    at.selectbox(key="config").set_value(str(lei.resolve()))
    rerun(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Under-5s (estimate)"] == f"{_nearest_10(leicestershire_build.lsoa['under5_est'].sum()):,.0f}"
    assert at.multiselect(key=control(at, "hubs")).value == []                    # the bi-borough hub does not carry over
    assert len(at.multiselect(key=control(at, "hubs")).options) == 21
    assert len(at.multiselect(key=control(at, "las")).value) == 7                 # the seven districts
    assert at.selectbox(key=control(at, "mode")).value == "drive"
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


# ---------------------------------------------------------------------------------------------
# Issue 14 (errors as a list, a changed extract shown at once) and issue 15 (one cache key, no
# patched private API of streamlit-folium).


def _copy_extracts(folder: Path) -> dict[str, Path]:
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    demo = REPO / "data" / "extracts" / "demo" / "biborough"
    return {name: Path(shutil.copy(demo / f"{name}.csv", folder / f"{name}.csv")) for name in ("review_takeup", "hub_attendance")}


def _config_with_extracts(folder: Path, fetched, extracts: dict[str, Path]) -> Path:
    path = write_app_config(folder, fetched)
    text = path.read_text()
    for key, value in extracts.items():
        text, n = re.subn(rf'(?m)^{key} = "[^"]*"', f'{key} = "{value}"', text)
        assert n == 1, key
    path.write_text(text)
    return path


def _reviewed(result) -> str:
    return f"{result.lsoa['review_completed'].sum() / result.lsoa['review_eligible'].sum():.0%}"


def test_a_changed_extract_shows_at_once(tmp_path, biborough_config, monkeypatch):
    extracts = _copy_extracts(tmp_path / "extracts")
    config = _config_with_extracts(tmp_path / "cfg", biborough_config, extracts)
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(config))
    at = rerun(AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240))
    before = {m.label: m.value for m in at.metric}
    assert before["Reviewed (2-2½ yr)"] == _reviewed(run(load_config(config)))
    config_stamp = config.stat().st_mtime_ns
    # the council's new extract: every eligible child of the analysis window (the last four quarters) reviewed
    review = pd.read_csv(extracts["review_takeup"], dtype=str)
    latest = review["period"].isin(sorted(review["period"].unique())[-4:])
    review.loc[latest, "completed"] = review.loc[latest, "eligible"]
    review.to_csv(extracts["review_takeup"], index=False)
    rerun(at)
    after = {m.label: m.value for m in at.metric}
    expected = run(load_config(config))
    assert after["Reviewed (2-2½ yr)"] == _reviewed(expected) == "100%" != before["Reviewed (2-2½ yr)"]
    open_tab(at, "Priority areas")
    shown = at.dataframe[0].value
    published = views.priority_frame(views.filter_view(expected, level="lsoa"), "lsoa",
                                     DisclosureRule.from_config(expected.config), result=expected)  # the gate's order
    assert list(shown["lsoa21cd"]) == list(published["lsoa21cd"])
    assert config.stat().st_mtime_ns == config_stamp  # the config file itself was not touched


def test_validation_errors_are_listed_one_per_problem(tmp_path, biborough_config, monkeypatch):
    from geo.app.problems import problem_lines
    from geo.build import prepare
    from geo.errors import ValidationError

    extracts = _copy_extracts(tmp_path / "extracts")
    review = pd.read_csv(extracts["review_takeup"], dtype=str)
    review.loc[[2, 7], "eligible"] = "lots"
    review.to_csv(extracts["review_takeup"], index=False)
    pd.read_csv(extracts["hub_attendance"], dtype=str).drop(columns="children").to_csv(extracts["hub_attendance"], index=False)
    config = _config_with_extracts(tmp_path / "cfg", biborough_config, extracts)
    with pytest.raises(ValidationError) as raised:
        prepare(load_config(config))
    problems = problem_lines(raised.value)
    assert len(problems) >= 2
    assert any("review_takeup.csv" in p for p in problems) and any("hub_attendance.csv" in p for p in problems)
    monkeypatch.setenv("FAMILYHUB_CONFIG", str(config))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=240)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown = [e.value for e in at.error]
    assert shown[0] == f"The study area could not be loaded: {len(problems)} problem(s)."
    assert shown[1:] == [plain_markdown(p) for p in problems]  # one box per problem, as plain text
    assert all("\\_takeup" in s or "\\_attendance" in s for s in shown[1:])


def test_the_cache_key_follows_every_input_file(tmp_path, biborough_config):
    import os

    from geo.app.scenario import DataKey, FileStamp, Scenario, input_paths

    extracts = _copy_extracts(tmp_path / "extracts")
    config = _config_with_extracts(tmp_path / "cfg", biborough_config, extracts)
    cfg = load_config(config)
    paths = input_paths(cfg)
    key = DataKey.of(config, paths)
    stamped = {Path(f.path) for f in key.files}
    assert {config, extracts["review_takeup"], extracts["hub_attendance"], cfg.extracts.hubs, cfg.extracts.venues} <= stamped
    assert {cfg.public_dir / "manifest.json", cfg.boundaries_dir / "lsoa21.gpkg"} <= stamped
    assert DataKey.of(config, paths) == key
    # a rewrite that keeps the size and the modification time is still seen (content hash)
    target = extracts["hub_attendance"]
    stat = target.stat()
    text = target.read_text()
    swapped = text.replace("RBKC-S,2025-Q1,White,4,", "RBKC-S,2025-Q1,White,5,", 1)  # the demo has an ethnic_group column
    assert swapped != text and len(swapped) == len(text)
    target.write_text(swapped)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert FileStamp.of(target).mtime_ns == stat.st_mtime_ns and FileStamp.of(target).size == stat.st_size
    changed = DataKey.of(config, paths)
    assert changed != key and changed.digest != key.digest  # the digest is what Streamlit's caches hash
    # the scenario: one hashable key from the data and the analysis settings
    a = Scenario.of(key, need=cfg.weights.need, engagement=cfg.weights.engagement, mode="walk", minutes=15)
    assert a == Scenario.of(key, need=dict(reversed(list(cfg.weights.need.items()))), engagement=cfg.weights.engagement,
                            mode="walk", minutes=15.0)
    assert a.digest == Scenario.of(key, need=cfg.weights.need, engagement=cfg.weights.engagement, mode="walk", minutes=15.0).digest
    for other in (Scenario.of(key, need=cfg.weights.need, engagement=cfg.weights.engagement, mode="bus", minutes=15),
                  Scenario.of(key, need={**cfg.weights.need, "imd": 0.35}, engagement=cfg.weights.engagement, mode="walk", minutes=15),
                  Scenario.of(changed, need=cfg.weights.need, engagement=cfg.weights.engagement, mode="walk", minutes=15)):
        assert other != a and other.digest != a.digest
    applied = a.apply(cfg)
    assert applied.weights.need == cfg.weights.need and applied.travel.mode == "walk" and applied.travel.threshold_minutes == 15.0


def test_app_cached_functions_take_the_scenario_not_six_arguments():
    import inspect

    import streamlit_app
    from geo.app import mapview

    for name in ("load_result", "load_sites", "load_view", "load_pack", "load_table", "load_charts"):
        params = list(inspect.signature(getattr(streamlit_app, name)).parameters)
        assert params[0] == "scenario" and "mtime" not in params and "need" not in params, name
    # the map's cached functions (geo.app.mapview) take the page's loaders (unhashed), then the scenario
    for name in ("load_map_base", "load_site_markers", "map_component_args"):
        params = list(inspect.signature(getattr(mapview, name)).parameters)
        assert params[:2] == ["_loaders", "scenario"] and "mtime" not in params and "need" not in params, name
    for module in (streamlit_app, mapview):
        assert "_component_func" not in Path(module.__file__).read_text()


def test_map_component_args_without_patching_streamlit_folium(app_result):
    """The pinned streamlit-folium still calls its component as ``geo.app.folium_component`` expects."""
    from importlib.metadata import version

    import streamlit_folium

    from geo.app.folium_component import FRONTEND, component_args
    from geo.maps.webmap import layer_map, map_base

    pinned = next(line.split("==")[1].strip() for line in (REPO / "requirements.txt").read_text().splitlines()
                  if line.startswith("streamlit-folium=="))
    assert version("streamlit-folium") == pinned
    assert (FRONTEND / "index.html").is_file()
    original = streamlit_folium._component_func
    rule = DisclosureRule(app_result.config.disclosure_threshold)
    base = map_base(app_result.lsoa, level="lsoa", hubs=app_result.hubs, catchments=app_result.catchments(),
                    gaps=app_result.gaps(), rule=rule)
    args = component_args(layer_map(base=base, layer="priority"), height=620, render=False,
                          returned_objects=["last_active_drawing"], key="map")
    assert streamlit_folium._component_func is original  # nothing patched
    assert {"script", "html", "header", "id", "key", "height", "default", "css_links", "js_links"} <= set(args)
    assert args["height"] == 620 and set(args["default"]) == {"last_active_drawing"}
    code = app_result.lsoa.sort_values("priority_rank")["lsoa21cd"].iloc[0]
    assert code in args["script"] and "L.map" in args["script"]
    again = component_args(layer_map(base=base, layer="priority"), height=620, render=False,
                           returned_objects=["last_active_drawing"], key="map")
    assert again["key"] == args["key"] and again["script"] == args["script"]  # stable between reruns


def test_switching_to_leicestershire_then_changing_controls_cannot_crash(app_config, leicestershire_config, tmp_path, monkeypatch):
    """Issue 16: switch to Leicestershire, then change the local authorities and another control."""
    from tests.conftest import write_study_config

    lei = write_study_config(tmp_path / "lei.toml", REPO / "configs" / "leicestershire.toml", leicestershire_config)
    monkeypatch.setenv("FAMILYHUB_CONFIG", os.pathsep.join([str(app_config), str(lei)]))
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=300)
    rerun(at)
    at.multiselect(key=control(at, "las")).set_value(["E09000020"])
    at.slider(key=control(at, "need_idaci")).set_value(0.2)
    rerun(at)
    bi_keys = {w.key for w in at.multiselect if not w.key.startswith("new_")}  # not the "New study area" panel's (one for all)
    at.selectbox(key="config").set_value(str(lei.resolve()))
    rerun(at)
    assert not bi_keys & {w.key for w in at.multiselect if w.key != "config"}   # other widgets, not the old ones
    districts = at.multiselect(key=control(at, "las"))
    assert len(districts.options) == len(districts.value) == 7          # fresh: all seven, none of the bi-borough's
    assert at.slider(key=control(at, "need_idaci")).value == 0.5        # Leicestershire's own weight
    districts.set_value(districts.value[:3])
    rerun(at)
    at.selectbox(key=control(at, "mode")).set_value("bus")
    rerun(at)
    at.radio(key="level").set_value("ward")
    rerun(at)
    assert len(at.multiselect(key=control(at, "las")).value) == 3
    assert {"Study area", "Local authorities", "Hubs (catchments)", "Travel mode"} <= {
        w.label for w in [*at.selectbox, *at.multiselect]}
    # back to the bi-borough: its controls start again from its defaults
    at.selectbox(key="config").set_value(str(app_config.resolve()))
    rerun(at)
    assert at.multiselect(key=control(at, "las")).value == ["E09000020", "E09000033"]
    assert at.slider(key=control(at, "need_idaci")).value == 0.5


def test_controls_and_tables_speak_plain_english(app, app_result):
    from geo.app.labels import column_label

    labels = [w.label for w in [*app.slider, *app.selectbox, *app.multiselect, *app.radio]]
    assert "Need: children in income-deprived families (IDACI)" in labels
    assert not [label for label in labels if "_" in label or label.endswith(("idaci", "under5"))], labels
    assert [app.selectbox(key=control(app, "mode")).format_func(m) for m in ("walk", "bus")] == ["Walking", "Bus"]
    assert "GP practice" in [app.multiselect(key=control(app, "types")).format_func(t) for t in ["gp_practice"]]
    sites = sites_table(app)
    assert "gp_practice" not in set(sites["type"]) and "(optimal" not in " ".join(c.value for c in app.caption)
    open_tab(app, "Priority areas")
    frame = app.dataframe[0]
    config = json.loads(frame.proto.columns)
    shown = {key.removeprefix("col:").removeprefix("name:"): value for key, value in config.items()}
    assert shown["priority_rank"]["label"] == "Priority rank" == column_label("priority_rank")
    assert shown["lsoa21cd"]["label"] == "LSOA code"
    assert shown["review_rate_lo"]["label"] == "Review take-up, lower 95% limit"
    numeric_rates = [c for c in frame.value.columns if c.endswith(("_rate", "_lo", "_hi", "_smoothed"))
                     and pd.api.types.is_numeric_dtype(frame.value[c])]
    assert numeric_rates and all(shown[c]["type_config"]["format"] == "%.1f%%" for c in numeric_rates)
    pipeline = views.priority_frame(views.filter_view(app_result, level="lsoa"), "lsoa",
                                    DisclosureRule.from_config(app_result.config), result=app_result)
    for c in numeric_rates:                                             # shown in percent, the same figures
        assert frame.value[c].tolist() == pytest.approx((pipeline[c] * 100).tolist(), nan_ok=True)
    assert shown["under5_est"]["type_config"]["format"] == "localized"
    assert set(frame.value.columns) <= set(shown)
    assert not [shown[c]["label"] for c in frame.value.columns if "_" in shown[c]["label"]]


def test_downloads_keep_machine_names_and_values(app_result):
    """The labels are for the screen only: the downloaded tables keep column names, codes and fractions."""
    sites = suggest_sites(app_result, k=5)
    sheets = download.download_tables(app_result, views.filter_view(app_result, level="lsoa"), sites, DisclosureRule(5))
    assert {"priority_rank", "lsoa21cd", "review_rate_lo"} <= set(sheets["LSOAs"].columns)
    assert set(sheets["sites"]["type"]) == set(sites.table["type"]) and "gp_practice" in set(sites.table["type"])
    rates = pd.to_numeric(sheets["LSOAs"]["review_rate_lo"], errors="coerce").dropna()
    assert len(rates) and rates.between(0, 1).all()
