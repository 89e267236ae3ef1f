"""The tables as they were before schema migrations: customers, invoices, events, keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    """Create the first tables (a database made before migrations is stamped at this one)."""
    op.create_table(
        "customers",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("stripe_id", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(256)),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("received", sa.BigInteger, nullable=False),
        sa.Column("invoice_id", sa.String(255), index=True),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("invoice_id", sa.String(255)),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("locked_at", sa.BigInteger, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("number", sa.String(255)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_rank", sa.Integer, nullable=False),
        sa.Column("payment", sa.String(32)),
        sa.Column("payment_rank", sa.Integer, nullable=False),
        sa.Column("payment_at", sa.BigInteger, nullable=False),
        sa.Column("payment_intent", sa.String(255), index=True),
        sa.Column("customer", sa.String(255), nullable=False),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("amount_due", sa.BigInteger, nullable=False),
        sa.Column("amount_paid", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("due_date", sa.BigInteger),
        sa.Column("hosted_invoice_url", sa.Text),
        sa.Column("invoice_pdf", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False, index=True),
        sa.Column("updated", sa.BigInteger, nullable=False),
        sa.Column("recorded", sa.BigInteger, nullable=False),
        sa.Column("changed", sa.BigInteger, nullable=False, index=True),
    )


def downgrade():
    """Drop every table."""
    for table in ("invoices", "idempotency_keys", "events", "customers"):
        op.drop_table(table)
