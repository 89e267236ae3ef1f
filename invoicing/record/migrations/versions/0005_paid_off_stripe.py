"""Money paid outside Stripe (a bank transfer, a cheque): how much, and the note kept with it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    """Add amount_paid_off_stripe (0 for every invoice so far) and paid_off_stripe_memo."""
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(
            sa.Column("amount_paid_off_stripe", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("paid_off_stripe_memo", sa.Text))


def downgrade():
    """Drop them."""
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("paid_off_stripe_memo")
        batch.drop_column("amount_paid_off_stripe")
