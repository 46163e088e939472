"""Someone away (leave, illness) up to and including a day: reports are not routed to them meanwhile, if anyone
else can take them (`policybot people away NAME --until DATE`).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("away_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("away_until")
