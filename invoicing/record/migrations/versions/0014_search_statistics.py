"""Finer statistics on the invoices' emails on PostgreSQL (ddl.SEARCH_STATISTICS), so that a
search for a prefix matching a few of a million invoices reads them through the email index
instead of walking the newest invoices until a hundred match; gathered at once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

from invoicing.record import ddl

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    """Set the statistics' targets and gather them (ANALYZE blocks neither reads nor writes)."""
    connection = op.get_bind()
    ddl.search_statistics(connection)
    if connection.dialect.name == "postgresql":
        for table in {table for table, _ in ddl.SEARCH_STATISTICS}:
            connection.exec_driver_sql(f"ANALYZE {table}")


def downgrade():
    """Back to the database's default targets."""
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for table, column in ddl.SEARCH_STATISTICS:
            connection.exec_driver_sql(
                f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1"
            )
