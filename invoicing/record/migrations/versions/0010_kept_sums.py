"""A million invoices: what the open invoices owe kept by the database per currency and day of
due date (open_amounts, with its triggers); partial indexes for what each customer owes, the
open and overdue pages, and the open invoices of a day; and on PostgreSQL the search's indexes
(a prefix of the number or the email, and pg_trgm for a word of the name).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from invoicing.record import ddl

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
PARTIAL = {"sqlite_where": OPEN, "postgresql_where": OPEN}


def upgrade():
    """Add open_amounts (filled from the open invoices there are), its triggers and the
    indexes (ddl.py)."""
    connection = op.get_bind()
    ddl.before_tables(connection)
    op.create_table(
        "open_amounts",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("due_day", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("invoices", sa.BigInteger, nullable=False),
    )
    ddl.after_tables(connection)
    op.create_index(
        "ix_invoices_open_customer",
        "invoices",
        ["customer", "currency", "amount_remaining"],
        **PARTIAL,
    )
    op.create_index(
        "ix_invoices_open_created", "invoices", ["created", "recorded", "due_date"], **PARTIAL
    )
    op.create_index(
        "ix_invoices_open_due", "invoices", ["due_date", "currency", "amount_remaining"], **PARTIAL
    )


def downgrade():
    """Drop them (pg_trgm stays: other databases' objects may use it)."""
    connection = op.get_bind()
    op.drop_index("ix_invoices_open_due", "invoices")
    op.drop_index("ix_invoices_open_created", "invoices")
    op.drop_index("ix_invoices_open_customer", "invoices")
    ddl.drop_all(connection)
    op.drop_table("open_amounts")
