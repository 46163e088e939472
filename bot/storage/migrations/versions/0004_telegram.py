"""Telegram conversation persistence.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_conversations",
        sa.Column("key_mac", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("key_enc", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_telegram_conversations_name", "telegram_conversations", ["name"])
    op.create_table(
        "telegram_chat_data",
        sa.Column("key_mac", sa.String(64), primary_key=True),
        sa.Column("chat_enc", sa.Text, nullable=False),
        sa.Column("data_enc", sa.Text, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("telegram_chat_data")
    op.drop_index("ix_telegram_conversations_name", table_name="telegram_conversations")
    op.drop_table("telegram_conversations")
