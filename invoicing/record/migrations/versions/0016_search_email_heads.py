"""The search's email term, for a prefix of ddl.EMAIL_HEAD characters or more, read on
PostgreSQL from an index of the emails' first characters, newest first, where 0015's index of
the newest invoices' emails was walked until a page matched; the index's statistics gathered
at once.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op

from invoicing.record import ddl

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_HEADS, _NEWEST = "ix_invoices_email_heads", "ix_invoices_newest_emails"


def upgrade():
    """Replace the newest emails' index with the emails' heads', and gather its statistics
    (the planner knows how many invoices share a head only from them)."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {_NEWEST}")
        target = ddl.SEARCH_INDEXES[_HEADS]
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {_HEADS} ON {target}")
        connection.exec_driver_sql("ANALYZE invoices")


def downgrade():
    """Back to 0015's index of the newest invoices' emails."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {_HEADS}")
        connection.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {_NEWEST} ON invoices (created, recorded) "
            "INCLUDE (email, id)"
        )
