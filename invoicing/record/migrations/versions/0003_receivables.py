"""Receivables: what is left to pay, when an invoice opened and closed, and its reminders.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    """Add amount_remaining, finalized_at, closed_at, reminded_at and reminder_count."""
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(
            sa.Column("amount_remaining", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("finalized_at", sa.BigInteger))
        batch.add_column(sa.Column("closed_at", sa.BigInteger))
        batch.add_column(sa.Column("reminded_at", sa.BigInteger))
        batch.add_column(
            sa.Column("reminder_count", sa.Integer, nullable=False, server_default="0")
        )
    # What earlier releases recorded: an open invoice still owes what was not paid; it opened
    # when it was created (as near as the record knows), and a closed one closed when it last
    # changed.
    op.execute(
        "UPDATE invoices SET amount_remaining = amount_due - amount_paid "
        "WHERE status IN ('open', 'uncollectible', 'draft')"
    )
    op.execute("UPDATE invoices SET finalized_at = created WHERE status <> 'draft'")
    op.execute(
        "UPDATE invoices SET closed_at = updated WHERE status IN ('paid', 'void', 'uncollectible')"
    )


def downgrade():
    """Drop the receivables columns."""
    with op.batch_alter_table("invoices") as batch:
        for column in ("reminder_count", "reminded_at", "closed_at", "finalized_at"):
            batch.drop_column(column)
        batch.drop_column("amount_remaining")
