"""record/migrate.py: a database made before migrations upgrades in place with nothing lost, the
migrations build exactly the tables that record/tables.py declares, and concurrent starts
agree."""

import os
import threading
import uuid

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from invoicing.record import ddl, migrate, tables
from invoicing.record.database import make_engine
from tests.helpers import served

BEFORE = os.path.join(os.path.dirname(__file__), "data", "schema_before_migrations.sql")


def _differences(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": ddl.compared})
        return compare_metadata(context, tables.metadata)


def _old_database(url):
    """A database as the server made it before migrations, holding one paid invoice."""
    engine = make_engine(url)
    with open(BEFORE) as ddl, engine.begin() as connection:
        for statement in ddl.read().split(";"):
            if "CREATE" in statement:
                connection.exec_driver_sql(statement)
        connection.exec_driver_sql(
            "INSERT INTO customers (email, stripe_id, name, created) "
            "VALUES ('old@example.com', 'cus_old', 'Old', 1)"
        )
        connection.exec_driver_sql(
            "INSERT INTO invoices (id, number, status, status_rank, payment, payment_rank, "
            "payment_at, customer, email, amount_due, amount_paid, currency, lines, created, "
            "updated, recorded, changed) VALUES ('in_old', 'OLD-0001', 'paid', 2, 'succeeded', "
            "3, 5, 'cus_old', 'old@example.com', 1000, 1000, 'usd', '[]', 7, 8, 9, 10)"
        )
        connection.exec_driver_sql(
            "INSERT INTO events (id, type, created, received, invoice_id, payload) "
            "VALUES ('evt_old', 'invoice.paid', 6, 6, 'in_old', '{}')"
        )
    return engine


def test_a_database_from_before_migrations_upgrades_in_place(emulator, database_url):
    engine = _old_database(database_url)
    assert migrate.current(engine) is None
    with served(emulator, database_url) as api:  # the server upgrades it at start
        shown = api.invoice("in_old")
        assert shown["status"] == "paid" and shown["amount_paid"] == 1000
        assert [e["id"] for e in shown["events"]] == ["evt_old"]
    with engine.connect() as connection:
        kept = connection.exec_driver_sql("SELECT email, stripe_id FROM customers").all()
    assert kept == [("old@example.com", "cus_old")]
    assert migrate.current(engine) == migrate.head()
    assert _differences(engine) == []
    engine.dispose()


def test_migrations_build_the_tables_the_store_declares(database_url):
    engine = make_engine(database_url)
    assert migrate.upgrade(engine, migrate.BASELINE) is None
    assert migrate.upgrade(engine) == migrate.BASELINE
    assert migrate.current(engine) == migrate.head()
    assert _differences(engine) == []
    engine.dispose()


def test_concurrent_starts_migrate_once(database_url):
    engines = [make_engine(database_url) for _ in range(4)]
    errors = []

    def start(engine):
        try:
            migrate.upgrade(engine)
        except Exception as error:  # noqa: BLE001 - any failure of a start is the finding
            errors.append(error)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {migrate.current(e) for e in engines} == {migrate.head()}
    for engine in engines:
        engine.dispose()


def test_db_upgrade_command(emulator, sqlite_url):
    with served(emulator, sqlite_url) as api:
        result = api.live.app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    assert f"already at revision {migrate.head()}" in result.output


def test_money_with_its_own_time_upgrades_a_database_in_place(database_url):
    # 0008: an invoice recorded at 0007 takes what it was due when it opened as its total, and
    # its lines wait to be named by reconciliation.
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0007")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO invoices (id, status, status_rank, payment_rank, payment_at, customer, "
            "email, amount_due, amount_paid, currency, lines, created, updated, recorded, "
            "changed, amount_remaining) VALUES ('in_07', 'open', 1, 0, 0, 'cus_07', "
            "'o@example.com', 1500, 0, 'usd', '[{\"price\": \"price_1\"}]', 1, 1, 1, 1, 1500)"
        )
        connection.exec_driver_sql(
            "INSERT INTO credit_notes (id, invoice_id, status, type, currency, amount, "
            "pre_payment_amount, post_payment_amount, refund_amount, credit_amount, "
            "out_of_band_amount, lines, created) VALUES ('cn_07', 'in_07', 'issued', "
            "'pre_payment', 'usd', 500, 500, 0, 0, 0, 0, '[]', 2)"
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT total, starting_balance, amount_refunded, lines_unnamed FROM invoices"
        ).one()
    assert tuple(row) == (2000, 0, 0, True)
    assert _differences(engine) == []
    engine.dispose()


def _email_statistics(engine):
    with engine.connect() as connection:
        return connection.exec_driver_sql(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'invoices'::regclass AND attname = 'email'"
        ).scalar()


def test_postgresql_plans_the_search_from_finer_statistics_new_or_upgraded(postgres):
    # 0014: a thousand buckets for the emails' histogram, whether the database is new or
    # upgraded from 0013 (which had the default), so that a rare prefix reads the index.
    fresh = make_engine(postgres.create_database(f"t_{uuid.uuid4().hex[:12]}"))
    migrate.upgrade(fresh)
    upgraded = make_engine(postgres.create_database(f"t_{uuid.uuid4().hex[:12]}"))
    migrate.upgrade(upgraded, "0013")
    before = _email_statistics(upgraded)
    migrate.upgrade(upgraded)
    assert before in (-1, None)  # the database's default (PostgreSQL 17 says NULL)
    assert _email_statistics(fresh) == _email_statistics(upgraded) == 1000
    assert _differences(upgraded) == []
    with upgraded.begin() as connection:  # and back
        command.downgrade(migrate._config(connection), "0013")
    assert _email_statistics(upgraded) in (-1, None)
    for engine in (fresh, upgraded):
        engine.dispose()


def _search_indexes(engine):
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'invoices' AND "
            "indexname IN ('ix_invoices_email_prefix', 'ix_invoices_newest_emails', "
            "'ix_invoices_email_heads')"
        )
        return {name: definition.split(" USING ")[1] for name, definition in rows}


def test_postgresql_reads_the_search_email_term_from_indexes_new_or_upgraded(postgres):
    # 0015: the email index carries each invoice's moment and id, and the newest invoices'
    # emails have an index of their own; 0016 replaces that one with an index of the emails'
    # first three characters, newest first. On a new database, and on one at 0014 (made here
    # by the downgrades: 0010 makes the search's indexes as ddl.py has them now).
    at_0014 = {"ix_invoices_email_prefix": "btree (email text_pattern_ops)"}
    email = {
        "ix_invoices_email_prefix": "btree (email text_pattern_ops) INCLUDE (created, recorded, id)"
    }
    newest = "btree (created, recorded) INCLUDE (email, id)"
    at_0015 = {**email, "ix_invoices_newest_emails": newest}
    heads = "btree (substr((email)::text, 1, 3), created, recorded) INCLUDE (email, id)"
    at_head = {**email, "ix_invoices_email_heads": heads}
    engine = make_engine(postgres.create_database(f"t_{uuid.uuid4().hex[:12]}"))
    migrate.upgrade(engine)
    assert _search_indexes(engine) == at_head
    for revision, expected in (("0015", at_0015), ("0014", at_0014)):
        with engine.begin() as connection:
            command.downgrade(migrate._config(connection), revision)
        assert _search_indexes(engine) == expected
    migrate.upgrade(engine)
    assert _search_indexes(engine) == at_head
    assert _differences(engine) == []
    engine.dispose()
