"""``geo ingest --record-level``: one row per child in, only LSOA x quarter aggregates stored, on SQLite and
PostgreSQL; the stored counts equal the demo aggregates, and no child id, postcode or date of birth is in the store
or in anything printed."""

from __future__ import annotations

import io
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.cli import main
from geo.config import load_config
from geo.demo_records import write_record_demo
from tests.conftest import REPO, copy_config

DEMO = REPO / "data" / "extracts" / "demo" / "biborough"


def _needles(frame: pd.DataFrame) -> set[str]:
    """Every child id, postcode (three spellings) and date of birth (three spellings) in the record-level file."""
    out = set(frame["child_id"].astype(str))
    for pc in frame["postcode"].dropna().astype(str):
        flat = pc.replace(" ", "").upper()
        out |= {flat, flat[:-3] + " " + flat[-3:], flat.lower()}
    for dob in pd.to_datetime(frame["date_of_birth"], dayfirst=False, format="mixed").dropna().unique():
        d = pd.Timestamp(dob)
        out |= {d.strftime("%Y-%m-%d"), d.strftime("%d/%m/%Y"), d.strftime("%Y%m%d")}
    return out


def _dump(url: str) -> str:
    """Every cell of every table of the store, as text."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        cells = [str(v) for t in sa.inspect(conn).get_table_names()
                 for row in conn.execute(sa.text(f'SELECT * FROM "{t}"')) for v in row]
    engine.dispose()
    return "\n".join(cells)


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_record_level_ingest_stores_only_the_aggregates(db, biborough_config, tmp_path, monkeypatch, capsys, request):
    config_file = copy_config(tmp_path, biborough_config, outreach_sessions=DEMO / "outreach_sessions.csv")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}" if db == "sqlite" else request.getfixturevalue("pg_url")
    monkeypatch.setenv("DATABASE_URL", url)
    records = write_record_demo(load_config(config_file), out_dir=tmp_path / "records")["review_children"]
    children = pd.read_csv(records, dtype=str)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(["ingest", "--config", str(config_file), "--kind", "review_takeup", str(records), "--record-level",
                 "--yes", "--by", "Ann Analyst"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "record-level, aggregated in memory" in out

    assert main(["store", "show", "--config", str(config_file), "--upload", "1", "--out", str(tmp_path / "got.csv")]) == 0
    got = pd.read_csv(tmp_path / "got.csv", dtype={"area_code": str, "period": str})
    demo = pd.read_csv(DEMO / "review_takeup.csv", dtype={"area_code": str, "period": str})
    key = ["period", "area_code"]
    demo = demo.groupby(key, as_index=False)[["eligible", "completed"]].sum()  # the demo splits rows by ethnic group
    demo = demo[demo["eligible"] > 0][["area_code", "period", "eligible", "completed"]]
    assert "ethnic_group" in got.columns   # the children's group is kept as a split of the counts
    got = got.groupby(key, as_index=False)[["eligible", "completed"]].sum()
    pd.testing.assert_frame_equal(got[demo.columns].sort_values(key).reset_index(drop=True),
                                  demo.sort_values(key).reset_index(drop=True), check_dtype=False)

    needles = _needles(children)
    assert len(needles) > 3 * len(children)
    text = _dump(url) + out + err + capsys.readouterr().out
    leaked = sorted(n for n in needles if n in text)
    assert not leaked, f"personal data in the store or output: {leaked[:5]}"
    if db == "sqlite":
        raw = (tmp_path / "store.sqlite").read_bytes()
        assert not [n for n in list(children["child_id"])[:500] if n.encode() in raw]
