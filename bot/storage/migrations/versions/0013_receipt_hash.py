"""The sender's receipt kept apart from the case reference: `reports.receipt_hash` (SHA-256 of the receipt) and
`report_reply_channels.receipt` (the receipt, encrypted, for the news sent to a sender who chose it).

A report made before this has its receipt as its code, which the people handling it see: its hash is filled from
that code, so the receipt its sender holds still works. Its reply channel gets no encrypted receipt (the migration
has no key): the report's code is still the receipt, and is used for its news. A downgrade drops both columns;
newer reports then keep their case reference, and their senders' receipts no longer open them.

Revision ID: 0013
Revises: 0012
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("receipt_hash", sa.String(64), nullable=True))
    reports = sa.table("reports", sa.column("id", sa.Integer), sa.column("code", sa.String(19)),
                       sa.column("receipt_hash", sa.String(64)))
    conn = op.get_bind()
    for report_id, code in conn.execute(sa.select(reports.c.id, reports.c.code)).all():
        # As bot.reports.receipts.receipt_hash, written out here: a migration must not change with the code.
        digest = hashlib.sha256(code.encode("ascii")).hexdigest()
        conn.execute(reports.update().where(reports.c.id == report_id).values(receipt_hash=digest))
    with op.batch_alter_table("reports") as batch:
        batch.alter_column("receipt_hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_reports_receipt_hash", ["receipt_hash"])
    with op.batch_alter_table("report_reply_channels") as batch:
        batch.add_column(sa.Column("receipt", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report_reply_channels") as batch:
        batch.drop_column("receipt")
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint("uq_reports_receipt_hash", type_="unique")
        batch.drop_column("receipt_hash")
