"""Money with its own time: each payment and refund of an invoice, its total and starting
balance, what was refunded in all, and when a customer's balance was last told.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    """Add the payments and refunds tables, invoices' total, starting_balance,
    amount_refunded and lines_unnamed, credit notes' refund_ids, and customers' balance_at.
    An invoice recorded before takes what it was due when it opened as its total, until
    Stripe says otherwise."""
    op.create_table(
        "payments",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("invoice_id", sa.String(255), nullable=False, index=True),
        sa.Column("payment_intent", sa.String(255), index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("invoice_id", sa.String(255), nullable=False, index=True),
        sa.Column("payment_intent", sa.String(255)),
        sa.Column("charge", sa.String(255)),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_rank", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(32)),
        sa.Column("failure_reason", sa.String(64)),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("total", sa.BigInteger))
        batch.add_column(
            sa.Column("starting_balance", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("amount_refunded", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("lines_unnamed", sa.Boolean, nullable=False, server_default=sa.false())
        )
    # Lines recorded before know no Stripe ids: reconciliation names them.
    op.execute("UPDATE invoices SET lines_unnamed = TRUE WHERE status <> 'draft'")
    op.execute(
        "UPDATE invoices SET total = amount_due + COALESCE((SELECT SUM(pre_payment_amount) "
        "FROM credit_notes WHERE credit_notes.invoice_id = invoices.id "
        "AND credit_notes.status = 'issued'), 0)"
    )
    with op.batch_alter_table("credit_notes") as batch:
        batch.add_column(sa.Column("refund_ids", sa.JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("balance_at", sa.BigInteger, nullable=False, server_default="0"))


def downgrade():
    """Drop them."""
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("balance_at")
    with op.batch_alter_table("credit_notes") as batch:
        batch.drop_column("refund_ids")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("lines_unnamed")
        batch.drop_column("amount_refunded")
        batch.drop_column("starting_balance")
        batch.drop_column("total")
    op.drop_table("refunds")
    op.drop_table("payments")
