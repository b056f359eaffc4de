"""``python -m geo ingest`` and ``geo store history|show`` on the bi-borough demo (real public data), and the
build reading the store: the same outputs from SQLite and from PostgreSQL."""

from __future__ import annotations

import io
import sys

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geo.cli import main
from geo.config import load_config
from tests.conftest import REPO, copy_config

DEMO = REPO / "data" / "extracts" / "demo" / "biborough"
#: rows of the demo review extract in its latest quarter (one per LSOA and ethnic group)
Q4_ROWS = int((pd.read_csv(DEMO / "review_takeup.csv", usecols=["period"])["period"] == "2025-Q4").sum())
KINDS = ("review_takeup", "hub_attendance", "outreach_sessions")


@pytest.fixture()
def config_file(tmp_path, biborough_config):
    """A config using the fetched public data and the demo extracts; its SQLite store is tmp_path/data/store."""
    return copy_config(tmp_path, biborough_config, outreach_sessions=DEMO / "outreach_sessions.csv")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _ingest(config_file, kind, path, *extra, stdin=None, monkeypatch=None):
    monkeypatch.setattr(sys, "stdin", stdin if stdin is not None else io.StringIO(""))
    return main(["ingest", "--config", str(config_file), "--kind", kind, str(path), *extra])


def test_ingest_previews_asks_and_keeps_the_history(config_file, tmp_path, monkeypatch, capsys):
    store_file = tmp_path / "data" / "store" / "biborough.sqlite"
    demo = DEMO / "review_takeup.csv"
    assert _ingest(config_file, "review_takeup", demo, monkeypatch=monkeypatch) == 1  # no terminal, no --yes
    out, err = capsys.readouterr()
    assert f"period 2025-Q4: {Q4_ROWS} row(s), added" in out and "not written: confirm with --yes" in err
    assert not store_file.exists()
    assert _ingest(config_file, "review_takeup", demo, stdin=_Terminal("n\n"), monkeypatch=monkeypatch) == 1
    assert not store_file.exists()
    assert _ingest(config_file, "review_takeup", demo, "--by", "Ann Analyst", stdin=_Terminal("y\n"), monkeypatch=monkeypatch) == 0
    assert "stored as upload 1" in capsys.readouterr().out

    original = pd.read_csv(demo, dtype={"area_code": str})
    q4 = original[original["period"] == "2025-Q4"].drop(columns="data_status")
    fixed = q4.assign(eligible=q4["eligible"] + 1)
    fixed.to_csv(tmp_path / "q4_fixed.csv", index=False)
    assert _ingest(config_file, "review_takeup", tmp_path / "q4_fixed.csv", "--yes", "--by", "Bob", monkeypatch=monkeypatch) == 0
    assert f"period 2025-Q4: {Q4_ROWS} row(s), replaces upload 1" in capsys.readouterr().out

    assert main(["store", "history", "--config", str(config_file)]) == 0
    history = capsys.readouterr().out
    assert "partly superseded" in history and "by Ann Analyst" in history and "replaced: 2025-Q4 by 2" in history
    assert main(["store", "show", "--config", str(config_file), "--upload", "1", "--period", "Q4 2025/26",
                 "--out", str(tmp_path / "old_q4.csv")]) == 0
    old = pd.read_csv(tmp_path / "old_q4.csv", dtype={"area_code": str, "ethnic_group": str}, keep_default_na=False)
    key = ["area_code", "ethnic_group"]   # the demo's rows are split by ethnic group; a blank one is 'Not stated'
    want = q4.assign(ethnic_group=q4["ethnic_group"].fillna("Not stated")).sort_values(key).reset_index(drop=True)
    cols = ["area_code", "period", "ethnic_group", "eligible", "completed"]
    pd.testing.assert_frame_equal(old[cols].sort_values(key).reset_index(drop=True), want[cols])  # the replaced version

    from geo.build import prepare

    prepared = prepare(load_config(config_file))
    assert any(n.startswith("review_takeup: store (2 uploads, 8 periods") for n in prepared.notes)
    assert any(n.startswith("hub_attendance: file hub_attendance.csv") for n in prepared.notes)
    earlier = original["period"].isin(["2025-Q1", "2025-Q2", "2025-Q3"])   # pooled with Q4 ([analysis] pool_quarters)
    assert prepared.lsoa["review_eligible"].sum() == original.loc[earlier, "eligible"].sum() + fixed["eligible"].sum()


def test_a_bad_file_lists_every_problem_and_writes_nothing(config_file, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,period,eligible,completed\nE01002812,2025-Q4,10,3\nE01002813,2025-Q4,ten,2\n"
                   "E01002814,2025-Q9,5,6\n")
    assert _ingest(config_file, "review_takeup", bad, "--yes", monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "3 problem(s)" in err and "Traceback" not in err
    assert "row 3: column 'eligible'" in err and "row 4: column 'period'" in err and "row 4: column 'completed'" in err
    assert not (tmp_path / "data" / "store").exists()


def _outputs(folder):
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def test_the_same_build_from_sqlite_and_from_postgresql(config_file, tmp_path, pg_url, monkeypatch, capsys):
    built = {}
    for name, url in (("sqlite", None), ("postgresql", pg_url)):
        if url:
            monkeypatch.setenv("DATABASE_URL", url)
        for kind in KINDS:
            assert _ingest(config_file, kind, DEMO / f"{kind}.csv", "--yes", monkeypatch=monkeypatch) == 0
        assert main(["build", "--config", str(config_file), "--out", str(tmp_path / name)]) == 0
        built[name] = tmp_path / name
        assert "review_takeup: store (1 upload, 8 periods" in capsys.readouterr().out
    lite, pg = built["sqlite"], built["postgresql"]
    assert _outputs(lite) == _outputs(pg) and "lsoa.csv" in _outputs(lite)
    for name in _outputs(lite):
        if name.endswith(".gpkg"):  # a GeoPackage records when it was written: compare its layers
            for layer in pyogrio.list_layers(lite / name)[:, 0]:
                pd.testing.assert_frame_equal(gpd.read_file(lite / name, layer=layer), gpd.read_file(pg / name, layer=layer))
        else:
            assert (lite / name).read_bytes() == (pg / name).read_bytes(), name


def test_an_xlsx_upload_in_memory_gives_the_same_rows_as_the_csv(biborough_config, tmp_path, monkeypatch):
    from geo.inputs.memory import MemoryFile
    from geo.store import validate_upload

    monkeypatch.setattr("tempfile.mkstemp", lambda *a, **k: pytest.fail("an upload must not make a temporary file"))
    csv = validate_upload(biborough_config, "hub_attendance", DEMO / "hub_attendance.csv", uploaded_by="Ann")
    frame = pd.read_csv(DEMO / "hub_attendance.csv", dtype=str)
    book = io.BytesIO()
    frame.to_excel(book, index=False, sheet_name="Data")
    xlsx = validate_upload(biborough_config, "hub_attendance", MemoryFile("hubs q4.xlsx", book.getvalue()), uploaded_by="Ann")
    pd.testing.assert_frame_equal(xlsx.frame, csv.frame)
    assert xlsx.file_name == "hubs q4.xlsx" and xlsx.report.rows_in == csv.report.rows_in == len(frame)
    assert xlsx.sha256 != csv.sha256 and len(xlsx.sha256) == 64
