"""Credit notes: each one Stripe issued for an invoice, and what they credit in all.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    """Add the credit_notes table and invoices.amount_credited (0 for every invoice so far)."""
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("invoice_id", sa.String(255), nullable=False, index=True),
        sa.Column("number", sa.String(255)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("pre_payment_amount", sa.BigInteger, nullable=False),
        sa.Column("post_payment_amount", sa.BigInteger, nullable=False),
        sa.Column("refund_amount", sa.BigInteger, nullable=False),
        sa.Column("credit_amount", sa.BigInteger, nullable=False),
        sa.Column("out_of_band_amount", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(32)),
        sa.Column("memo", sa.Text),
        sa.Column("pdf", sa.Text),
        sa.Column("lines", sa.JSON, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("voided_at", sa.BigInteger),
    )
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(
            sa.Column("amount_credited", sa.BigInteger, nullable=False, server_default="0")
        )


def downgrade():
    """Drop them."""
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("amount_credited")
    op.drop_table("credit_notes")
