"""What each invoice owed over time, kept by the database (owed_changes and owed_days, with the
triggers of ledger.py), so that receivables as of a past moment are a sum of days.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from invoicing.record import ledger

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    """Add the tables, their triggers, and their rows for the record there is."""
    op.create_table(
        "owed_changes",
        sa.Column("invoice_id", sa.String(255), primary_key=True),
        sa.Column("at", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("due_date", sa.BigInteger),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("invoices", sa.BigInteger, nullable=False),
    )
    # A day's own changes, and those of a day of due dates, read from the indexes alone.
    kept = ["currency", "amount", "invoices"]
    op.create_index("ix_owed_changes_at", "owed_changes", ["at", "due_date", *kept])
    op.create_index("ix_owed_changes_due_date", "owed_changes", ["due_date", "at", *kept])
    op.create_table(
        "owed_days",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("due_day", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("day", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("invoices", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_owed_days_day", "owed_days", ["day", "currency", "due_day", "amount", "invoices"]
    )
    ledger.install(op.get_bind())


def downgrade():
    """Drop the triggers and the tables."""
    ledger.uninstall(op.get_bind())
    op.drop_table("owed_days")
    op.drop_table("owed_changes")
