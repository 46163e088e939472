"""Unanswered questions encrypted at rest: a new `question_enc` column, and the plain `question` made optional.

The migration has no key, so it moves no text: start-up (`bot.qa.gaps.seal_plain_gaps`) encrypts the questions still
in plain text and clears them. A downgrade cannot decrypt either: the questions already encrypted are deleted (the
older version could not show them), those still in plain text are kept.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("knowledge_gaps") as batch:
        batch.add_column(sa.Column("question_enc", sa.Text(), nullable=True))
        batch.alter_column("question", existing_type=sa.String(500), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM knowledge_gaps WHERE question IS NULL")
    with op.batch_alter_table("knowledge_gaps") as batch:
        batch.alter_column("question", existing_type=sa.String(500), nullable=False)
        batch.drop_column("question_enc")
