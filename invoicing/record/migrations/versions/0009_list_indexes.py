"""The indexes the lists and the receivables need at hundreds of thousands of invoices: pages
newest first (all, by status, by email, by customer), what was open at a moment, customers
newest first, and credit notes in order of creation (the export).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_invoices_created_recorded": ("invoices", ["created", "recorded"]),
    "ix_invoices_status_created": ("invoices", ["status", "created"]),
    "ix_invoices_email_created": ("invoices", ["email", "created"]),
    "ix_invoices_customer_status": ("invoices", ["customer", "status"]),
    "ix_invoices_finalized_at": ("invoices", ["finalized_at"]),
    "ix_invoices_closed_at": ("invoices", ["closed_at"]),
    "ix_customers_created": ("customers", ["created", "email"]),
    "ix_credit_notes_created": ("credit_notes", ["created", "id"]),
}


def upgrade():
    """Add them; the single-column email and created indexes give way to the pairs."""
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    op.drop_index("ix_invoices_email", "invoices")
    op.drop_index("ix_invoices_created", "invoices")


def downgrade():
    """Drop them, and bring back the single-column ones."""
    op.create_index("ix_invoices_created", "invoices", ["created"])
    op.create_index("ix_invoices_email", "invoices", ["email"])
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table)
