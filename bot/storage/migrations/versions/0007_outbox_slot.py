"""The outbox's slot: versions of one message (a case's card for one recipient), of which only the newest is sent.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("slot", sa.String(200), nullable=True))
        batch.create_index("ix_outbox_slot", ["slot"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_slot")
        batch.drop_column("slot")
