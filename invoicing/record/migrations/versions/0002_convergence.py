"""Convergence: sends recorded before their first Stripe call, settings, and leases.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    """Add the sends, settings and leases tables."""
    op.create_table(
        "sends",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("invoice_id", sa.String(255)),
        sa.Column("customer", sa.String(255), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("touched", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_sends_state_touched", "sends", ["state", "touched"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires", sa.BigInteger, nullable=False),
    )


def downgrade():
    """Drop the sends, settings and leases tables."""
    op.drop_index("ix_sends_state_touched", table_name="sends")
    for table in ("leases", "settings", "sends"):
        op.drop_table(table)
