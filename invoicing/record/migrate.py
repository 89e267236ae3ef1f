"""Schema migrations (Alembic, in record/migrations/): applied at start and by
`flask --app server db upgrade`, one process at a time; a database made before migrations
existed is stamped at the first revision and upgraded in place.
"""

import contextlib
import fcntl
import functools
import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from invoicing.errors import DatabaseUnreachableError
from invoicing.record import ddl, ledger, tables

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")
# The schema the server made with `create_all` before it had migrations.
BASELINE = "0001"
# Any fixed number: the PostgreSQL advisory lock that one migrating process holds.
_PG_LOCK = 4242_0001


def _config(connection=None):
    config = Config()
    config.set_main_option("script_location", FOLDER)
    config.attributes["connection"] = connection
    return config


@functools.cache
def head():
    """The newest revision in migrations/versions."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(engine):
    """The revision the database is at, or None before any."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextlib.contextmanager
def _exclusive(engine):
    """A connection that only one process at a time holds, to migrate with."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Held until the transaction ends, across every process and host.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
            yield connection
            return
        path = engine.url.database
        if not path or path == ":memory:":
            yield connection  # a private database: nobody to wait for
            return
        with open(f"{path}.migrate-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield connection


def upgrade(engine, revision="head"):
    """Bring the schema to `revision`; return the revision it was at before."""
    if revision == "head" and current(engine) == head():
        return head()
    with _exclusive(engine) as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config = _config(connection)
        empty = before is None and not inspect(connection).get_table_names()
        if empty and revision == "head":
            # An empty database: the tables as they are now, marked as the newest revision.
            ddl.before_tables(connection)
            tables.metadata.create_all(connection)
            ddl.after_tables(connection)
            ddl.search_statistics(connection)
            ledger.install(connection)
            command.stamp(config, "head")
        else:
            if before is None and not empty:  # made before migrations: at the baseline
                command.stamp(config, BASELINE)
            command.upgrade(config, revision)
        connection.commit()
    return before


def init_app(app):
    """Upgrade the app's database at start."""
    engine = app.extensions["db"]
    try:
        upgrade(engine)
    except OperationalError as error:
        where = engine.url.render_as_string(hide_password=True)
        text_ = str(error.orig).strip()
        reason = text_.splitlines()[0] if text_ else type(error.orig).__name__
        raise DatabaseUnreachableError(f"Could not reach the database {where}: {reason}") from None
