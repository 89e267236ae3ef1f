"""Statements built once and run fast: an INSERT for either dialect, statements reused with
their values given at execution, and the hot path that runs a compiled statement on the
driver's cursor.

Every change an event makes is one conditional UPDATE (a `Change`), so the record only moves
forward whatever order events arrive in, and no read-modify-write race exists between workers.
"""

import time
from typing import NamedTuple

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect, table):
    """An INSERT of `table` for the named dialect (see `insert_into`)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_into(db, table):
    """An INSERT for the dialect of `db`, which can skip conflicts (`on_conflict_do_nothing`)
    or update (`on_conflict_do_update`)."""
    return insert_for(db.dialect.name, table)


def built_once(build):
    """`build(dialect)`'s statement, made once per dialect and reused with its values given
    at execution (`db.execute(statement(db), values)`): SQLAlchemy then neither builds it
    nor works out its cache key again, which costs several times what running it does."""
    made = {}

    def statement(db):
        name = db.dialect.name
        found = made.get(name)
        if found is None:
            found = made[name] = build(name)
        return found

    return statement


def columns_only(table, values):
    """`values` if every key names a column of `table`; else a TypeError (a statement built
    once takes its columns from the values given, and would skip a misspelt one silently)."""
    unknown = [key for key in values if key not in table.c]
    if unknown:
        raise TypeError(f"not columns of {table.name}: {', '.join(unknown)}")
    return values


def skip_conflicts(table, key):
    """An INSERT of the values given at execution that skips a row already there, RETURNING
    `key` (a column) if it went in: a statement for `built_once`."""
    return lambda dialect: insert_for(dialect, table).on_conflict_do_nothing().returning(key)


# The statements events run, built and compiled once per dialect and shape, then run on the
# driver's cursor in the caller's transaction: SQLAlchemy's own work for each execution (cache
# keys, parameter and result processing) costs more than the statement (see bench/BENCHMARKS.md).
_statements = {}


def run(db, name, shape, build, params):
    """Run a hot-path statement on the driver's cursor, inside `db`'s transaction (begun if
    none is); return (rows changed, the first row returned or None)."""
    key = (db.dialect.name, name, shape)
    found = _statements.get(key)
    if found is None:
        compiled = build(db.dialect.name).compile(dialect=db.dialect)
        found = _statements[key] = (compiled.string, compiled.positiontup, compiled.params)
    sql, order, constants = found
    if not db.in_transaction():
        db.begin()  # as SQLAlchemy's autobegin would: the caller's commit covers this
    values = {**constants, **params}
    cursor = db.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, [values[column] for column in order] if order else values)
        row = cursor.fetchone() if cursor.description else None
        return cursor.rowcount, row
    finally:
        cursor.close()


class Change(NamedTuple):
    """One hot-path UPDATE of an invoice, ready to run: `run`'s arguments."""

    name: str
    shape: object
    build: object
    params: dict


def stamp():
    """The change stamps every write sets: seconds for people, microseconds for cursors."""
    micros = time.time_ns() // 1000
    return {"updated": micros // 1_000_000, "changed": micros}


def make_change(db, change):
    """Make a change (an UPDATE of one invoice) in `db`'s transaction; True if it moved it."""
    return run(db, *change)[0] > 0


def like_prefix(text):
    """A LIKE pattern (escape character `\\`) for values that begin with `text`,
    case-folded: its own `%`, `_` and `\\` match only themselves."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def search_values(q):
    """The values a search's statement binds for `q` (`b_prefix`, `b_word`): the LIKE patterns
    of a value that begins with it, and of one with a word that does."""
    prefix = like_prefix(q)
    return {"b_prefix": prefix, "b_word": "% " + prefix}
