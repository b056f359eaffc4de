"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is the server named by ``GEO_TEST_POSTGRES_URL`` (``make test`` starts one with
``tools/postgres.sh``). Unset: the PostgreSQL cases skip, saying so. Set but unreachable (or
``unavailable: ...``): they FAIL.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

PG_ENV = "GEO_TEST_POSTGRES_URL"


def _pg_server() -> str:
    url = os.environ.get(PG_ENV, "")
    if not url:
        pytest.skip(f"{PG_ENV} is not set: start a server with `eval \"$(sh tools/postgres.sh start)\"` and export it "
                    "(make test does)")
    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        pytest.fail(f"{PG_ENV} = {url!r}: no PostgreSQL server for the store tests")
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture()
def pg_url():
    """A fresh, empty PostgreSQL database on the test server (dropped afterwards)."""
    server = _pg_server()
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"geo_t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as err:
        pytest.fail(f"{PG_ENV} is set but the server cannot be reached: {err.orig}", pytrace=False)
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """An empty store's URL: an SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_url")
