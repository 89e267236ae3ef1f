"""The customer's name on each invoice, as billed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    """Add customer_name, filled from the customer's name the record already keeps."""
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("customer_name", sa.String(256)))
    op.execute(
        "UPDATE invoices SET customer_name = "
        "(SELECT name FROM customers WHERE customers.email = invoices.email)"
    )


def downgrade():
    """Drop customer_name."""
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("customer_name")
