"""Policy reviews, acknowledgements, campaigns and the policy's own reminders.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("policy_id", sa.String(64), nullable=False, index=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("clause_hash", sa.String(64), nullable=False),
        sa.Column("clauses", sa.Text, nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("policy_id", "version", name="uq_policy_versions_policy_id"),
    )
    op.create_table(
        "policy_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("policy_id", sa.String(64), nullable=False, index=True),
        sa.Column("reviewed_on", sa.Date, nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("new_version", sa.String(40)),
        sa.Column("no_changes", sa.Boolean, nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "ack_campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("policy_id", sa.String(64), nullable=False, index=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("clause_hash", sa.String(64), nullable=False),
        sa.Column("previous_version", sa.String(40)),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
    )
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("clause_hash", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person_id", "policy_id", "version", name="uq_acknowledgements_person_id"),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("series", sa.String(120), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("sent_on", sa.Date, nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("series", "seq", name="uq_reminders_sent_series"),
    )
    op.create_table(
        "photo_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_on", sa.Date, nullable=False),
        sa.Column("confirmed_at", UTCDateTime()),
    )
    op.create_table(
        "leaver_checks",
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("leave_date", sa.Date, nullable=False),
        sa.Column("confirmed_at", UTCDateTime()),
        sa.Column("confirmed_by", sa.String(200)),
    )


def downgrade() -> None:
    for table in (
        "leaver_checks",
        "photo_records",
        "reminders_sent",
        "acknowledgements",
        "ack_campaigns",
        "policy_reviews",
        "policy_versions",
    ):
        op.drop_table(table)
