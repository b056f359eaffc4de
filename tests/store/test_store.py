"""geo.store on SQLite and PostgreSQL: migrations, round trips, history, one transaction per write."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geo.inputs.counts import FileReport
from geo.store import Upload, open_store
from geo.store import db as store_db
from geo.store.schema import metadata


def _upload(kind: str, frame: pd.DataFrame, name: str = "x.csv", *, excluded=None) -> Upload:
    report = FileReport(kind, name, rows_in=len(frame) + sum((excluded or {}).values()), rows_used=len(frame),
                        excluded=dict(excluded or {}))
    return Upload(kind=kind, file_name=name, sha256="ab" * 32, uploaded_by="Ann Analyst", frame=frame, report=report)


def _review(periods, *, bump: int = 0, groups: bool = False) -> pd.DataFrame:
    rows = []
    for p in periods:
        for i, code in enumerate(["E01002812", "E01002813", "E01004662"]):
            for g in (["White", "Black", None] if groups else [None]):
                row = {"area_code": code, "period": p, "eligible": 10 + i + bump, "completed": 3 + i}
                if groups:
                    row["ethnic_group"] = g
                rows.append(row)
    return pd.DataFrame(rows)


def test_migrations_from_empty_match_the_metadata(store_url):
    store = open_store(url=store_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert diff == []
    assert version == "0001"
    assert set(sa.inspect(store.engine).get_table_names()) == {"alembic_version", "uploads", "upload_periods", "extract_rows",
                                                               "session_rows"}
    open_store(url=store_url)  # opening again is a no-op upgrade


def test_rows_round_trip_exactly_with_and_without_group_columns(store_url):
    store = open_store(url=store_url)
    plain = _review(["2025-Q3", "2025-Q4"])
    grouped = _review(["2025-Q2"], groups=True)
    attendance = pd.DataFrame({"area_code": ["E01002812", "E01002812"], "hub_id": ["WCC-BES", "RBKC-N"],
                               "period": ["2025-Q4", "2025-Q4"], "children": [7, 0]})
    sessions = pd.DataFrame({"session_id": ["S1", "S2"], "date": ["2025-04-15", "16/01/2026"], "hub_id": ["H1", "H1"],
                             "type": ["stay and play", None], "venue_id": ["V1", None], "postcode": [None, "SW1P 2QW"],
                             "period": ["2025-Q1", "2025-Q4"]})
    ids = [store.add(_upload(k, f)) for k, f in (("review_takeup", plain), ("review_takeup", grouped),
                                                ("hub_attendance", attendance), ("outreach_sessions", sessions))]
    assert ids == [1, 2, 3, 4]
    key = ["period", "area_code"]
    pd.testing.assert_frame_equal(store.rows(1), plain.sort_values(key, kind="stable").reset_index(drop=True))
    back = store.rows(2)
    assert list(back.columns) == ["area_code", "period", "ethnic_group", "eligible", "completed"]
    want = grouped.sort_values([*key, "ethnic_group"], kind="stable").reset_index(drop=True)[list(back.columns)]
    pd.testing.assert_frame_equal(back, want)
    pd.testing.assert_frame_equal(store.rows(3), attendance.sort_values([*key, "hub_id"]).reset_index(drop=True))
    def records(frame):
        return frame.astype(object).where(frame.notna(), None).to_dict("records")

    assert records(store.rows(4)) == records(sessions)
    current, uploads = store.current("review_takeup")
    assert uploads == [1, 2] and sorted(current["period"].unique()) == ["2025-Q2", "2025-Q3", "2025-Q4"]


def test_reupload_replaces_a_period_and_keeps_the_old_version(store_url):
    store = open_store(url=store_url)
    first = store.add(_upload("review_takeup", _review(["2025-Q3", "2025-Q4"]), "q3q4.csv", excluded={"area outside": 2}))
    second = store.add(_upload("review_takeup", _review(["2025-Q4"], bump=5), "q4-fixed.csv"))
    current, uploads = store.current("review_takeup")
    assert uploads == [first, second]
    assert current.groupby("period")["eligible"].sum().to_dict() == {"2025-Q3": 33, "2025-Q4": 48}
    old = store.rows(first, period="2025-Q4")  # the replaced version is still there
    assert old["eligible"].sum() == 33
    h = store.history().set_index("id")
    assert h.loc[first, "status"] == "partly superseded" and h.loc[second, "status"] == "current"
    assert h.loc[first, "replaced"] == f"2025-Q4 by {second}"
    assert h.loc[first, "excluded"] == {"area outside": 2} and h.loc[first, "rows_in"] == 8
    assert store.current_periods("review_takeup") == {"2025-Q3": first, "2025-Q4": second}
    third = store.add(_upload("review_takeup", _review(["2025-Q3"]), "q3.csv"))
    assert store.history().set_index("id").loc[first, "status"] == "superseded"
    assert store.current_periods("review_takeup") == {"2025-Q3": third, "2025-Q4": second}


def test_an_error_mid_write_leaves_the_store_as_it_was(store_url, monkeypatch):
    store = open_store(url=store_url)
    store.add(_upload("review_takeup", _review(["2025-Q3", "2025-Q4"])))
    before = (store.history(), store.current("review_takeup")[0])
    real = store_db._write_rows

    def half_then_fail(conn, upload_id, up):
        real(conn, upload_id, Upload(**{**up.__dict__, "frame": up.frame.iloc[:2]}))  # some rows are written ...
        raise OSError("disk full (injected)")  # ... then the write fails

    monkeypatch.setattr(store_db, "_write_rows", half_then_fail)
    with pytest.raises(OSError, match="injected"):
        store.add(_upload("review_takeup", _review(["2025-Q4", "2026-Q1"], bump=9)))
    pd.testing.assert_frame_equal(store.history(), before[0])
    pd.testing.assert_frame_equal(store.current("review_takeup")[0], before[1])
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM extract_rows")).scalar() == 6
        assert conn.execute(sa.text("SELECT count(*) FROM upload_periods")).scalar() == 2
    monkeypatch.undo()
    store.add(_upload("review_takeup", _review(["2026-Q1"])))  # (PostgreSQL may skip the failed id: sequences do not roll back)
    assert len(store.history()) == 2 and sorted(store.current_periods("review_takeup")) == ["2025-Q3", "2025-Q4", "2026-Q1"]


def test_a_missing_upload_and_an_unreachable_server_are_clear_errors(tmp_path):
    from geo.errors import DataError

    store = open_store(url=f"sqlite:///{tmp_path / 's.sqlite'}")
    with pytest.raises(DataError, match="no upload 7"):
        store.rows(7)
    with pytest.raises(DataError, match=r"postgresql\+psycopg://geo:\*\*\*@127.0.0.1:1/nothing cannot be opened"):
        open_store(url="postgresql://geo:secret@127.0.0.1:1/nothing")


@pytest.mark.parametrize("url", ["postgresql://geo:S3cretPW@127.0.0.1:badport/geo", "geo:S3cretPW@db.council.local/geo",
                                 "mysql://geo:S3cretPW@127.0.0.1/geo"])
def test_a_malformed_store_url_is_a_clear_error_without_its_password(url):
    """A mistyped DATABASE_URL is one message (exit 2), not an "unexpected error", and never shows the password."""
    import subprocess
    import sys

    from geo.errors import DataError
    from geo.store import describe
    from tests.conftest import REPO

    with pytest.raises(DataError, match="store") as err:
        open_store(url=url)
    assert "S3cretPW" not in str(err.value) and "S3cretPW" not in describe(url)
    env = {**__import__("os").environ, "DATABASE_URL": url}
    proc = subprocess.run([sys.executable, "-m", "geo", "store", "history", "--config", str(REPO / "config.toml")], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "S3cretPW" not in proc.stderr + proc.stdout and "unexpected" not in proc.stderr, proc.stderr


def test_the_alembic_command_line_upgrades_an_empty_database_to_head_and_back(store_url):
    import subprocess
    import sys
    from pathlib import Path

    ini = Path(__file__).resolve().parents[2] / "geo" / "store" / "alembic.ini"
    alembic = [sys.executable, "-m", "alembic", "-c", str(ini), "-x", f"url={store_url}"]
    for step in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"]):
        done = subprocess.run([*alembic, *step], capture_output=True, text=True, cwd=ini.parents[2])
        assert done.returncode == 0, done.stderr
    engine = sa.create_engine(store_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_the_store_is_chosen_by_database_url_then_the_config_then_the_sqlite_default(tmp_path, monkeypatch):
    from geo.config import ConfigError, load_config
    from geo.store import store_url

    base = "[study_area]\nname = 'x'\nslug = 'area-1'\nla_codes = ['E09000033']\n"
    (tmp_path / "a.toml").write_text(base)
    (tmp_path / "b.toml").write_text(base + "[store]\nurl = 'postgresql://geo@db.example/geo'\nuser_header = 'X-Remote-User'\n")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    a, b = load_config(tmp_path / "a.toml"), load_config(tmp_path / "b.toml")
    assert store_url(a) == f"sqlite:///{tmp_path / 'data' / 'store' / 'area-1.sqlite'}"
    assert store_url(b) == "postgresql+psycopg://geo@db.example/geo" and b.store.user_header == "X-Remote-User"
    monkeypatch.setenv("DATABASE_URL", "postgres://other@db2.example/geo")
    assert store_url(a) == store_url(b) == "postgresql+psycopg://other@db2.example/geo"  # the environment wins
    for table, message in (("[store]\nuri = 'x'\n", r"unknown key\(s\) \['uri'\]"), ("[store]\nurl = 'db.example'\n", "database URL"),
                           ("[store]\nuser_header = 'X User: 1'\n", "HTTP header name")):
        (tmp_path / "c.toml").write_text(base + table)
        with pytest.raises(ConfigError, match=message):
            load_config(tmp_path / "c.toml")


def test_two_uploads_of_one_period_at_once_leave_one_current_version(store_url, monkeypatch):
    """Two analysts confirm the same quarter at the same moment: the later one replaces the earlier, never both current."""
    import threading
    import time

    store = open_store(url=store_url)
    store.add(_upload("review_takeup", _review(["2025-Q4"])))
    real = store_db._write_rows
    first_inside, release = threading.Event(), threading.Event()

    def slow_first(conn, upload_id, up):
        if not first_inside.is_set():
            first_inside.set()
            release.wait(30)  # the first transaction stays open while the second starts
        real(conn, upload_id, up)

    monkeypatch.setattr(store_db, "_write_rows", slow_first)
    other = open_store(url=store_url)
    errors = []

    def add(s, bump):
        try:
            s.add(_upload("review_takeup", _review(["2025-Q4"], bump=bump)))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    t1 = threading.Thread(target=add, args=(store, 1))
    t1.start()
    assert first_inside.wait(30)
    t2 = threading.Thread(target=add, args=(other, 2))
    t2.start()
    time.sleep(1.5)  # the second is now waiting for the first
    release.set()
    t1.join(60)
    t2.join(60)
    assert not errors, errors
    with store.engine.connect() as conn:
        live = conn.execute(sa.text("SELECT count(*) FROM upload_periods WHERE period = '2025-Q4' AND superseded_by IS NULL"))
        assert live.scalar() == 1
    current, _ = store.current("review_takeup")
    assert len(current) == 3 and current["eligible"].sum() in (36 + 3, 36 + 6)


def test_several_processes_opening_a_new_postgresql_store_at_once_all_succeed(pg_url):
    """A fresh council server: app sessions and `geo ingest` open the empty database at the same moment. The
    migrations ran in each at once and all but one failed (IntegrityError: duplicate alembic_version type)."""
    import subprocess
    import sys
    import time

    from tests.conftest import REPO

    start = time.time() + 8
    code = ("import time, sys\nfrom geo.store import open_store\n"
            f"while time.time() < {start}: time.sleep(0.001)\n"
            "open_store(url=sys.argv[1]).history()\nprint('opened')\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, pg_url], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-300:] for _, err in results]
    assert all(out.strip() == "opened" for out, _ in results)
