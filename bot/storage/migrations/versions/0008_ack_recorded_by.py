"""Who recorded an acceptance made for someone else (on paper, with `policybot acks record NAME --by NAME`).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("acknowledgements") as batch:
        batch.add_column(sa.Column("recorded_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("acknowledgements") as batch:
        batch.drop_column("recorded_by")
