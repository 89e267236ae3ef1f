"""The search's email term, for a prefix of three characters or more (ddl.EMAIL_HEAD), read on
PostgreSQL from an index of the emails' first characters, newest first, where 0015's index of
the newest invoices' emails was walked until a page matched; the index's statistics gathered
at once.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_HEADS, _NEWEST = "ix_invoices_email_heads", "ix_invoices_newest_emails"
# As this revision makes them (a later one that changes ddl.SEARCH_INDEXES makes its own).
_TARGETS = {
    _HEADS: "invoices (substr(email, 1, 3), created, recorded) INCLUDE (email, id)",
    _NEWEST: "invoices (created, recorded) INCLUDE (email, id)",
}


def upgrade():
    """Replace the newest emails' index with the emails' heads', and gather its statistics
    (the planner knows how many invoices share a head only from them)."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {_NEWEST}")
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {_HEADS} ON {_TARGETS[_HEADS]}")
        connection.exec_driver_sql("ANALYZE invoices")


def downgrade():
    """Back to 0015's index of the newest invoices' emails."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {_HEADS}")
        connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {_NEWEST} ON {_TARGETS[_NEWEST]}")
