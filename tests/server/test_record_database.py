"""record/database.py: the engine (SQLite tuned for several threads and processes) and the one
rule for transactions: a unit of work commits at its end and rolls back on an error."""

import pytest
from sqlalchemy import select, text

from invoicing.record import database, migrate, settings, tables
from invoicing.record.database import make_engine


def test_sqlite_waits_for_writers_and_lets_pages_read_while_one_writes(sqlite_url):
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as db:
            assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    finally:
        engine.dispose()


def test_a_unit_of_work_commits_at_its_end_and_rolls_back_on_an_error(engine):
    with database.begin(engine) as db:
        settings.set_setting(db, "kept", "1")
    with pytest.raises(ZeroDivisionError), database.begin(engine) as db:
        settings.set_setting(db, "lost", "1")
        1 / 0  # noqa: B018
    with database.connect(engine) as db:
        assert settings.get_setting(db, "kept") == "1"
        assert settings.get_setting(db, "lost") is None


def test_the_newest_migration_is_where_a_new_database_starts(database_url):
    engine = make_engine(database_url)  # empty: the engine fixture has a migrated copy
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "stored, value",
    [
        ('[{"price": "price_x", "amount": 2000, "description": "Zo\\u00eb"}]',
         [{"price": "price_x", "amount": 2000, "description": "Zoë"}]),
        # orjson refuses a lone surrogate's escape; the standard library reads it.
        ('{"text": "\\ud800"}', {"text": "\ud800"}),
    ],
)  # fmt: skip
def test_a_json_column_reads_back_what_was_written(engine, stored, value):
    with database.begin(engine) as db:
        db.execute(
            text("INSERT INTO sends (id, state, customer, request, created, touched) "
                 "VALUES ('send_json', 'pending', 'cus_json', :stored, 0, 0)"),
            {"stored": stored},
        )  # fmt: skip
    with database.connect(engine) as db:
        assert db.execute(select(tables.sends.c.request)).scalar() == value
