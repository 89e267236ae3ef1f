"""The database: the engine, and the one rule for transactions.

The record never commits. Each caller owns its unit of work: `with database.begin() as db:`
commits when the block ends and rolls back on an error; `with database.connect() as db:` only
reads. Every function of the record's modules takes that `db` (a Connection).
"""

import contextlib
import json
import os
import sqlite3

import orjson
from flask import current_app
from sqlalchemy import create_engine, event


def _sqlite_pragmas(connection, _record):
    cursor = connection.cursor()
    # WAL lets pages read while a webhook writes; the timeout queues writers instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _json_value(text):
    # A JSON column read by orjson: with the standard library, reading each invoice's lines
    # was a sixth of a page's CPU under cProfile. orjson refuses a lone surrogate's escape,
    # which the standard library reads. (It reads an integer beyond 64 bits as a float; the
    # record holds none, its amounts are checked before they are written.)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url):
    """An engine for `url`, with SQLite tuned for several threads and processes."""
    # No ping before each checkout (a round trip per event on PostgreSQL): a connection found
    # dead fails its one request (503; Stripe delivers again) and SQLAlchemy then renews the
    # whole pool.
    engine = create_engine(url, json_deserializer=_json_value)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _was_emulator_mode(path):
    """True if the SQLite record at `path` was used in emulator mode (it names an emulator)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            query = "SELECT 1 FROM settings WHERE key = 'emulator.url'"
            return db.execute(query).fetchone() is not None
    except sqlite3.Error:
        return False


def default_path(instance, mode):
    """The SQLite file of a record when DATABASE_URL is not set: emulator mode keeps its own
    (emulator.db), so that test or live keys start from an empty record (invoicing.db). A
    record made in emulator mode before it had its own file keeps being used."""
    shared, own = os.path.join(instance, "invoicing.db"), os.path.join(instance, "emulator.db")
    if mode != "emulator":
        return shared
    if not os.path.exists(own) and os.path.exists(shared) and _was_emulator_mode(shared):
        return shared
    return own


def init_app(app):
    """Open the database named by the config (its schema is migrate.py's)."""
    url = app.config["DATABASE_URL"]
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = f"sqlite:///{default_path(app.instance_path, app.config['MODE'])}"
    app.extensions["db"] = make_engine(url)


def _engine(engine):
    return engine if engine is not None else current_app.extensions["db"]


def begin(engine=None):
    """A unit of work: `with database.begin() as db:` commits at the end, rolls back on error."""
    return _engine(engine).begin()


def connect(engine=None):
    """A read: `with database.connect() as db:` (anything left open is rolled back)."""
    return _engine(engine).connect()
