"""The search's email term read from indexes alone on PostgreSQL (ddl.SEARCH_INDEXES): the
email index carries each invoice's moment and id, and a new index the newest invoices' emails
and ids, so that neither a rare prefix nor a common one reads the table row by row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_EMAIL, _NEWEST = "ix_invoices_email_prefix", "ix_invoices_newest_emails"
# As this revision made them (0016 replaces the second).
_TARGETS = {
    _EMAIL: "invoices (email text_pattern_ops) INCLUDE (created, recorded, id)",
    _NEWEST: "invoices (created, recorded) INCLUDE (email, id)",
}


def upgrade():
    """Make the email index again with what it now carries, and the newest emails' index."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {_EMAIL}")
        for name, target in _TARGETS.items():
            connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def downgrade():
    """Back to the email index alone, as 0010 made it."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {_NEWEST}")
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {_EMAIL}")
        connection.exec_driver_sql(f"CREATE INDEX {_EMAIL} ON invoices (email text_pattern_ops)")
