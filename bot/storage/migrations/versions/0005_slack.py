"""Slack alert message references, for updating alerts in place.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_alert_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("channel", "ts", name="uq_slack_alert_messages_channel_ts"),
    )
    op.create_index("ix_slack_alert_messages_ref", "slack_alert_messages", ["ref"])


def downgrade() -> None:
    op.drop_index("ix_slack_alert_messages_ref", table_name="slack_alert_messages")
    op.drop_table("slack_alert_messages")
