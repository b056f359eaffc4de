"""Open the store and read and write it: :func:`open_store`, :class:`Store`.

The database is the one named by the environment variable ``DATABASE_URL`` (it wins), else
``[store] url`` in the config, else an SQLite file ``<[store] dir>/<slug>.sqlite`` (default
``data/store/`` beside the config, git-ignored), which needs no set-up. Opening a store applies
its Alembic migrations (``geo/store/migrations``) up to the newest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from geo.errors import DataError
from geo.inputs.counts import FileReport
from geo.store.schema import COUNT_COLUMNS, SESSION_COLUMNS, extract_rows, session_rows, upload_periods, uploads

__all__ = ["ENV_URL", "KINDS", "Upload", "Store", "open_store", "store_url", "default_path", "migrate",
           "describe"]

#: The environment variable naming the database (wins over ``[store] url``).
ENV_URL = "DATABASE_URL"
#: The extracts the store keeps.
KINDS = ("review_takeup", "hub_attendance", "outreach_sessions")
MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass
class Upload:
    """A validated upload, not yet written: its rows (aggregate schema plus ``period``) and accounting.

    ``frame`` has the kind's columns (``area_code, period, eligible, completed``;
    ``area_code, hub_id, period, children``; or the outreach_sessions columns and ``period``)
    and any group columns (e.g. ``ethnic_group``) for rows per area x period x group.
    """

    kind: str
    file_name: str
    sha256: str
    uploaded_by: str
    frame: pd.DataFrame
    report: FileReport
    record_level: bool = False
    uploaded_utc: dt.datetime = field(default_factory=lambda: _now())

    @property
    def periods(self) -> list[str]:
        return sorted(self.frame["period"].unique())


def _now() -> dt.datetime:
    """Now, in UTC to the second (stored without a time zone: every time in the store is UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def default_path(config) -> Path:
    """The embedded SQLite file of ``config``: ``<[store] dir>/<slug>.sqlite``."""
    folder = config.store.dir if config.store.dir is not None else config.root / "data" / "store"
    return Path(folder) / f"{config.slug}.sqlite"


def store_url(config) -> str:
    """The store's database URL: ``$DATABASE_URL``, else ``[store] url``, else the SQLite file.

    ``postgresql://`` and ``postgres://`` URLs are driven by psycopg 3.
    """
    return _driver(os.environ.get(ENV_URL) or config.store.url or f"sqlite:///{default_path(config)}")


def describe(url: str) -> str:
    """``url`` as shown to people: without any password.

    >>> describe("postgresql://geo:secret@db.example/geo")
    'postgresql://geo:***@db.example/geo'
    >>> describe("geo:secret@db.example/geo")
    '(a store URL that cannot be read: not shown, it may hold a password)'
    """
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        return "(a store URL that cannot be read: not shown, it may hold a password)"


def _engine(url: str) -> sa.Engine:
    """An engine for ``url``; a URL that is not one the store can use is a :class:`DataError` (no password shown)."""
    try:
        return sa.create_engine(url)
    except (sa.exc.ArgumentError, ValueError, ImportError) as err:
        raise DataError(f"the store {describe(url)} ({ENV_URL} or [store] url) is not a database URL the store can use "
                        f"({type(err).__name__}): give sqlite:///path/to/file.sqlite or "
                        "postgresql://user@host/database") from None


def _driver(url: str) -> str:
    """``url`` with PostgreSQL driven by psycopg 3 (``postgres://`` and ``postgresql://`` URLs)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def migrate(engine: sa.Engine) -> None:
    """Apply the Alembic migrations to ``engine``'s database up to the newest (``upgrade head``)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # one migration at a time: processes opening a new database at once
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(20261130)"))  # would otherwise all create its tables
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(config=None, *, url: str | None = None, create: bool = True) -> Store | None:
    """The store of ``config`` (or at ``url``), migrated to the newest schema.

    Parameters
    ----------
    config : geo.config.Config, optional
    url : str, optional
        A database URL instead of the config's.
    create : bool
        ``False``: return ``None`` rather than create the embedded SQLite file when it does not exist.

    Raises
    ------
    DataError
        The database cannot be reached (the message names it, without any password).
    """
    url = _driver(url) if url else store_url(config)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            if not create:
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(url)
    try:
        migrate(engine)
    except sa.exc.OperationalError as err:
        engine.dispose()
        shown = engine.url.render_as_string(hide_password=True)
        raise DataError(f"the store {shown} cannot be opened: {str(err.orig).strip().splitlines()[0]}") from None
    return Store(engine)


def _group_key(frame: pd.DataFrame, groups: list[str]) -> pd.Series:
    if not groups:
        return pd.Series("{}", index=frame.index)
    return pd.Series([json.dumps({g: (None if pd.isna(v) else str(v)) for g, v in zip(groups, vals)}, sort_keys=True)
                      for vals in frame[groups].itertuples(index=False)], index=frame.index)


def _records(upload_id: int, up: Upload) -> tuple[sa.Table, list[dict]]:
    """The rows of ``up`` as records of its table."""
    f = up.frame
    if up.kind == "outreach_sessions":
        cols = [c for c in SESSION_COLUMNS if c in f.columns]
        out = f[cols].astype(object).where(f[cols].notna(), None).assign(period=f["period"], upload_id=upload_id)
        return session_rows, out.to_dict("records")
    counts, keys = COUNT_COLUMNS[up.kind]
    groups = [c for c in f.columns if c not in {"area_code", "period", *counts, *keys} and not c.startswith("_")]
    out = pd.DataFrame({"upload_id": upload_id, "period": f["period"].astype(str), "area_code": f["area_code"].astype(str),
                        "group_key": _group_key(f, groups)})
    for k in keys:
        out[k] = f[k].astype(str)
    for c in counts:
        out[c] = f[c].astype("int64")
    return extract_rows, [{k: (int(v) if k in counts else v) for k, v in r.items()} for r in out.to_dict("records")]


def _write_rows(conn, upload_id: int, up: Upload) -> None:
    table, records = _records(upload_id, up)
    for start in range(0, len(records), 5000):
        conn.execute(sa.insert(table), records[start:start + 5000])


class Store:
    """A database of uploaded extracts (see :mod:`geo.store.schema`); each write is one transaction."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    @property
    def description(self) -> str:
        """The database URL without any password."""
        return self.engine.url.render_as_string(hide_password=True)

    def add(self, up: Upload) -> int:
        """Write ``up`` in ONE transaction: its periods replace the kind's current ones; return its id."""
        up.uploaded_utc = _now()  # when it was confirmed
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # one writer at a time (SQLite writers queue on the file anyway):
                # else two uploads of one period at once both stay current, and the build counts it twice
                conn.execute(sa.text("LOCK TABLE upload_periods IN SHARE ROW EXCLUSIVE MODE"))
            uid = conn.execute(sa.insert(uploads).values(
                kind=up.kind, file_name=up.file_name[:255], sha256=up.sha256, uploaded_utc=up.uploaded_utc,
                uploaded_by=up.uploaded_by[:200], rows_in=up.report.rows_in, rows_used=up.report.rows_used,
                excluded=dict(sorted(up.report.excluded.items())), record_level=bool(up.record_level),
                periods=up.periods, notes=list(up.report.notes), status="current")).inserted_primary_key[0]
            sizes = up.frame["period"].value_counts()
            conn.execute(sa.update(upload_periods).where(
                upload_periods.c.kind == up.kind, upload_periods.c.period.in_(up.periods),
                upload_periods.c.superseded_by.is_(None)).values(superseded_by=uid))
            conn.execute(sa.insert(upload_periods), [{"upload_id": uid, "period": p, "kind": up.kind, "rows": int(sizes[p])}
                                                     for p in up.periods])
            _write_rows(conn, uid, up)
            self._refresh_status(conn, up.kind)
        return int(uid)

    @staticmethod
    def _refresh_status(conn, kind: str) -> None:
        p = upload_periods.c
        live = sa.func.sum(sa.case((p.superseded_by.is_(None), 1), else_=0))
        q = sa.select(p.upload_id, sa.func.count().label("n"), live.label("live")).where(p.kind == kind).group_by(p.upload_id)
        for uid, n, alive in conn.execute(q):
            status = "current" if alive == n else "superseded" if not alive else "partly superseded"
            conn.execute(sa.update(uploads).where(uploads.c.id == uid, uploads.c.status != status).values(status=status))

    def history(self, kind: str | None = None) -> pd.DataFrame:
        """Every upload, oldest first, with which of its periods were replaced and by which upload."""
        q = sa.select(uploads).order_by(uploads.c.id)
        if kind is not None:
            q = q.where(uploads.c.kind == kind)
        with self.engine.connect() as conn:
            h = pd.DataFrame(conn.execute(q).mappings().all(), columns=[c.name for c in uploads.columns])
            rep = pd.DataFrame(conn.execute(sa.select(upload_periods).where(upload_periods.c.superseded_by.isnot(None))
                                            .order_by(upload_periods.c.upload_id, upload_periods.c.period)).mappings().all(),
                               columns=[c.name for c in upload_periods.columns])
        replaced = rep.groupby("upload_id").apply(
            lambda g: ", ".join(f"{p} by {int(b)}" for p, b in zip(g["period"], g["superseded_by"])), include_groups=False)
        h["replaced"] = h["id"].map(replaced).fillna("") if len(replaced) else ""
        return h

    def rows(self, upload_id: int, *, period: str | None = None) -> pd.DataFrame:
        """The rows of one upload (every period, or ``period``), current or replaced, in the extract schema."""
        with self.engine.connect() as conn:
            kind = conn.execute(sa.select(uploads.c.kind).where(uploads.c.id == upload_id)).scalar()
            if kind is None:
                raise DataError(f"the store has no upload {upload_id}")
            return self._frame(conn, kind, [upload_id], period=period)

    def current(self, kind: str) -> tuple[pd.DataFrame, list[int]] | None:
        """The current rows of ``kind`` (every period's latest upload) and the uploads they come from; ``None`` if none."""
        p = upload_periods.c
        with self.engine.connect() as conn:
            live = conn.execute(sa.select(p.upload_id, p.period).where(p.kind == kind, p.superseded_by.is_(None))).all()
            if not live:
                return None
            frames = [self._frame(conn, kind, [uid], period=period) for uid, period in sorted(live)]
        return pd.concat(frames, ignore_index=True), sorted({uid for uid, _ in live})

    def current_periods(self, kind: str) -> dict[str, int]:
        """``{period: upload id}`` of the kind's current periods."""
        p = upload_periods.c
        with self.engine.connect() as conn:
            return dict(sorted(conn.execute(sa.select(p.period, p.upload_id).where(p.kind == kind, p.superseded_by.is_(None))).all()))

    @staticmethod
    def _frame(conn, kind: str, upload_ids: list[int], *, period: str | None) -> pd.DataFrame:
        table = session_rows if kind == "outreach_sessions" else extract_rows
        q = sa.select(table).where(table.c.upload_id.in_(upload_ids)).order_by(table.c.id)
        if period is not None:
            q = q.where(table.c.period == period)
        raw = pd.DataFrame(conn.execute(q).mappings().all(), columns=[c.name for c in table.columns])
        if kind == "outreach_sessions":
            cols = [c for c in SESSION_COLUMNS if raw[c].notna().any()] or SESSION_COLUMNS[:4]
            return raw[cols + ["period"]].reset_index(drop=True)
        counts, keys = COUNT_COLUMNS[kind]
        groups = pd.DataFrame([json.loads(k) for k in raw["group_key"]], index=raw.index)
        out = raw[["area_code", *keys, "period"]].join(groups[sorted(groups.columns)])
        for c in counts:
            out[c] = raw[c].astype("int64")
        order = ["period", "area_code", *keys, *sorted(groups.columns)]
        return out.sort_values(order, kind="stable").reset_index(drop=True)
