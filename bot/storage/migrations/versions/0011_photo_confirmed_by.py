"""Who confirmed that pictures of pupils were moved off someone's own phone and deleted: the member of staff, or,
once they are leaving, the admin or headteacher who checked (`policybot people pictures-deleted NAME --by NAME`).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("photo_records") as batch:
        batch.add_column(sa.Column("confirmed_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("photo_records") as batch:
        batch.drop_column("confirmed_by")
