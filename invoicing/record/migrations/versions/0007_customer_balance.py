"""A customer's balance at Stripe (negative is credit the next invoice uses) and its currency.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    """Add balance (0 until Stripe says otherwise) and currency."""
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("balance", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("currency", sa.String(3)))


def downgrade():
    """Drop them."""
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("currency")
        batch.drop_column("balance")
