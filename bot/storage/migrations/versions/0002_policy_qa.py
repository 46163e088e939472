"""Knowledge gaps and answer feedback (no identity).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_gaps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("question", sa.String(500), nullable=False),
        sa.Column("audience", sa.String(16)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_knowledge_gaps_asked_at", "knowledge_gaps", ["asked_at"])
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("clause_id", sa.String(80), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_answer_feedback_clause_id", "answer_feedback", ["clause_id"])


def downgrade() -> None:
    op.drop_table("answer_feedback")
    op.drop_table("knowledge_gaps")
