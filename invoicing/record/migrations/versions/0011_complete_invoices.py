"""Complete invoices: an invoice's subtotal, discount, tax and footer and its customer as it
shows them (address, phone, tax IDs), and the details last given to Stripe for a customer
(name, address, phone, tax ID).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    """Add the columns; an invoice recorded before has no discount and no tax."""
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("subtotal", sa.BigInteger))
        batch.add_column(
            sa.Column("total_discount", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("total_tax", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("footer", sa.Text))
        batch.add_column(sa.Column("customer_address", sa.Text))
        batch.add_column(sa.Column("customer_phone", sa.String(256)))
        batch.add_column(sa.Column("customer_tax_ids", sa.Text))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("details", sa.JSON))


def downgrade():
    """Drop them."""
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("details")
    with op.batch_alter_table("invoices") as batch:
        for name in (
            "customer_tax_ids", "customer_phone", "customer_address",
            "footer", "total_tax", "total_discount", "subtotal",
        ):  # fmt: skip
            batch.drop_column(name)
