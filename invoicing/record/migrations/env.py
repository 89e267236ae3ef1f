"""Alembic's environment: the record's tables, and the connection migrate.py hands over."""

from alembic import context

from invoicing.record import ddl, tables

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=tables.metadata,
    include_name=ddl.compared,
    # SQLite alters a table by copying it; a batch lets one migration read the same on both.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
