"""When a report's escalation clock starts, if not when it arrived: a case given back, unacknowledged, to the
others handling it (the person who acknowledged it was named in a reply) gives them the whole escalation time.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("escalation_start", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("escalation_start")
