"""Reports, events, reply channels, attachments, outbox rows for alerts.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(19), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("conflicts", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime()),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("outcome", sa.Text),
        sa.Column("outcome_shared", sa.Boolean, nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("escalation_level", sa.Integer, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("code", name="uq_reports_code"),
    )
    op.create_index("ix_reports_status", "reports", ["status"])
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE", name="fk_report_events_report_id_reports"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("report_id", "seq", name="uq_report_events_report_seq"),
    )
    op.create_index("ix_report_events_report_id", "report_events", ["report_id"])
    op.create_table(
        "report_reply_channels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(19), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("code", name="uq_report_reply_channels_code"),
    )
    op.create_table(
        "report_attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE", name="fk_report_attachments_report_id_reports"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(100), nullable=False),
        sa.Column("content_type", sa.String(60), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_report_attachments_report_id", "report_attachments", ["report_id"])


def downgrade() -> None:
    op.drop_table("report_attachments")
    op.drop_table("report_reply_channels")
    op.drop_table("report_events")
    op.drop_table("reports")
