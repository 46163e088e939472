"""Signed Slack requests already taken (HTTP mode), so that a replay within Slack's five minutes is refused after a
restart too, and by every process on one PostgreSQL database.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_requests_seen",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_slack_requests_seen_sent_at", "slack_requests_seen", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_requests_seen_sent_at", table_name="slack_requests_seen")
    op.drop_table("slack_requests_seen")
