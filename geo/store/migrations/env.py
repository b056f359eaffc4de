"""Alembic environment of the store: run on the connection :func:`geo.store.db.open_store` passes
(``config.attributes["connection"]``), or on ``sqlalchemy.url`` (``alembic -x url=...``)."""

from alembic import context
from sqlalchemy import create_engine

from geo.store.schema import metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
