"""The store's first schema: uploads, upload_periods, extract_rows, session_rows.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SESSION_COLUMNS = ["session_id", "date", "hub_id", "type", "venue_id", "lat", "lon", "easting", "northing", "postcode"]


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
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
    op.create_index("ix_uploads_kind", "uploads", ["kind"])
    op.create_table(
        "upload_periods",
        sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("superseded_by", sa.Integer, sa.ForeignKey("uploads.id"), nullable=True),
    )
    op.create_index("ix_upload_periods_kind_period", "upload_periods", ["kind", "period"])
    op.create_table(
        "extract_rows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("area_code", sa.String(12), nullable=False),
        sa.Column("hub_id", sa.String(100), nullable=True),
        sa.Column("group_key", sa.Text, nullable=False),
        sa.Column("eligible", sa.BigInteger, nullable=True),
        sa.Column("completed", sa.BigInteger, nullable=True),
        sa.Column("children", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_extract_rows_upload_period", "extract_rows", ["upload_id", "period"])
    op.create_table(
        "session_rows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id"), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        *[sa.Column(c, sa.Text, nullable=True) for c in SESSION_COLUMNS],
    )
    op.create_index("ix_session_rows_upload_period", "session_rows", ["upload_id", "period"])


def downgrade() -> None:
    for table in ("session_rows", "extract_rows", "upload_periods", "uploads"):
        op.drop_table(table)
