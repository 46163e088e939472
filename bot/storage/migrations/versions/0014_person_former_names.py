"""The names someone was listed under before `policybot people rename`: a report saying whom it is about names them
as the sender was shown them, perhaps before the rename (a Telegram draft keeps them for days), and must still be
kept from them.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("former_names", sa.Text(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has it since 3.35), not a batch copy of the table: with SQLite's foreign keys on,
    # dropping the old copy of `people` would take everyone's roles with it.
    op.drop_column("people", "former_names")
