"""People with their roles, and the outbox every message goes through.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("slack_user_id", sa.String(64)),
        sa.Column("telegram_chat_id", sa.BigInteger),
        sa.Column("start_date", sa.Date),
        sa.Column("leave_date", sa.Date),
        # named as the models' naming convention names them, so both databases compare equal to the models
        sa.UniqueConstraint("name", name="uq_people_name"),
        sa.UniqueConstraint("slack_user_id", name="uq_people_slack_user_id"),
        sa.UniqueConstraint("telegram_chat_id", name="uq_people_telegram_chat_id"),
    )
    op.create_table(
        "person_roles",
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(32), primary_key=True),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("ref", sa.String(64), index=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.String(300)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime()),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("person_roles")
    op.drop_table("people")
