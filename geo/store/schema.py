"""The store's tables (SQLAlchemy Core); the Alembic migrations in ``geo/store/migrations`` make them.

==============  ==========================================================================
uploads         one row per confirmed upload: kind, file name, sha256, when (UTC), by whom,
                rows in / used / excluded by reason (JSON), record-level flag, periods,
                status (``current``, ``partly superseded``, ``superseded``)
upload_periods  one row per upload and period: its row count and ``superseded_by`` (the
                upload that replaced it, NULL while it is current)
extract_rows    the validated **aggregate** rows of review_takeup and hub_attendance:
                area_code, period, hub_id, group_key (JSON of any group columns, ``{}``
                without), eligible, completed, children
session_rows    the outreach_sessions rows, every column as given (text), with their quarter
==============  ==========================================================================

No record-level (per-child) row is ever stored: record-level extracts are aggregated in
memory before they reach the store.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "uploads", "upload_periods", "extract_rows", "session_rows", "COUNT_COLUMNS", "SESSION_COLUMNS"]

metadata = sa.MetaData()

#: The count columns of each aggregate kind, and its key columns besides area and period.
COUNT_COLUMNS = {"review_takeup": (["eligible", "completed"], []), "hub_attendance": (["children"], ["hub_id"])}
#: The outreach_sessions columns kept (as text), in the order written back.
SESSION_COLUMNS = ["session_id", "date", "hub_id", "type", "venue_id", "lat", "lon", "easting", "northing", "postcode"]

uploads = sa.Table(
    "uploads", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False, index=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("uploaded_utc", sa.DateTime, nullable=False),
    sa.Column("uploaded_by", sa.String(200), nullable=False),
    sa.Column("rows_in", sa.Integer, nullable=False),
    sa.Column("rows_used", sa.Integer, nullable=False),
    sa.Column("excluded", sa.JSON, nullable=False),
    sa.Column("record_level", sa.Boolean, nullable=False),
    sa.Column("periods", sa.JSON, nullable=False),
    sa.Column("notes", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
)

upload_periods = sa.Table(
    "upload_periods", metadata,
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), primary_key=True),
    sa.Column("period", sa.String(20), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("superseded_by", sa.Integer, sa.ForeignKey("uploads.id"), nullable=True),
    sa.Index("ix_upload_periods_kind_period", "kind", "period"),
)

extract_rows = sa.Table(
    "extract_rows", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("area_code", sa.String(12), nullable=False),
    sa.Column("hub_id", sa.String(100), nullable=True),
    sa.Column("group_key", sa.Text, nullable=False),
    sa.Column("eligible", sa.BigInteger, nullable=True),
    sa.Column("completed", sa.BigInteger, nullable=True),
    sa.Column("children", sa.BigInteger, nullable=True),
    sa.Index("ix_extract_rows_upload_period", "upload_id", "period"),
)

session_rows = sa.Table(
    "session_rows", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    *[sa.Column(c, sa.Text, nullable=True) for c in SESSION_COLUMNS],
    sa.Index("ix_session_rows_upload_period", "upload_id", "period"),
)
