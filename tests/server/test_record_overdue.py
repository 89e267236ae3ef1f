"""The overdue page on SQLite, which keeps no histogram to plan from: read newest first along
the status index (each due date checked inside it) and stopped at a page, never every overdue
invoice read through the index of due dates and sorted, whatever share of a large record the
statistics say is open."""

import contextlib
import sqlite3
import time

import pytest
from sqlalchemy import text

from invoicing.record import invoices, migrate
from invoicing.record.database import make_engine

DAY = 86400


def _statistics(total, open_):
    """sqlite_stat1's rows for the invoices of a record of `total`, `open_` of them open (as
    ANALYZE writes them): the planner's view of a large record, on a test's small one."""
    return {
        "ix_invoices_status_created": f"{total} {total // 2} 1 1 1",
        "ix_invoices_open_due": f"{open_} 1 1 1",
        "ix_invoices_open_created": f"{open_} 1 1 1",
        "ix_invoices_open_customer": f"{open_} 4 4 1",
        "ix_invoices_created_recorded": f"{total} 1 1",
        "ix_invoices_changed": f"{total} 1",
        "ix_invoices_email_created": f"{total} 40 1",
        "ix_invoices_customer_status": f"{total} 40 20",
        "sqlite_autoindex_invoices_1": f"{total} 1",
    }


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    """A SQLite record of 400 invoices a day apart, a fifth open, each due 32 days after it
    was made; its URL."""
    url = f"sqlite:///{tmp_path_factory.mktemp('overdue') / 'overdue.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = int(time.time())
    with engine.begin() as db:
        for n in range(400):
            created = now - n * DAY
            invoices.record_invoice(db, {
                "id": f"in_o{n:05d}", "number": f"O-{n:05d}", "customer": f"cus_{n % 50}",
                "status": "open" if n % 5 == 0 else "paid", "email": f"c{n % 50}@example.com",
                "amount_due": 100, "amount_paid": 0, "currency": "usd", "lines": [],
                "created": created, "due_date": created + 32 * DAY,
            })  # fmt: skip
        db.execute(text("ANALYZE"))  # makes sqlite_stat1, which each test then writes
    engine.dispose()
    return url


def _overdue_page(url):
    """The overdue page's first ten invoices, and the statement SQLite ran for them."""
    engine = make_engine(url)
    seen = []
    with engine.connect() as db:
        connection = db.connection.driver_connection
        connection.set_trace_callback(seen.append)
        page = invoices.list_invoices(db, status="overdue", limit=10)
        connection.set_trace_callback(None)
    engine.dispose()
    return [row.id for row in page], next(sql for sql in seen if "status = 'open'" in sql)


def _plan(url, statement):
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as connection:
        return " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}"))


@pytest.mark.parametrize("open_", [40_000, 4_000, 1_000])
def test_sqlite_reads_the_overdue_page_along_the_status_index(record, open_):
    engine = make_engine(record)
    with engine.begin() as db:
        db.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'invoices'"))
        for index, stat in _statistics(200_000, open_).items():
            db.execute(
                text("INSERT INTO sqlite_stat1 VALUES ('invoices', :index, :stat)"),
                {"index": index, "stat": stat},
            )
    engine.dispose()  # a new connection plans from the statistics as written
    page, statement = _overdue_page(record)
    # The newest ten open invoices past due (invoices 0 to 30 are not due yet).
    assert page == [f"in_o{n:05d}" for n in range(35, 85, 5)]
    plan = _plan(record, statement)
    assert "ix_invoices_open_due" not in plan and "TEMP B-TREE" not in plan, plan


def test_the_due_date_never_narrows_the_index_of_due_dates_on_sqlite(record):
    # SQLite's choice between the two indexes turned on small differences between records
    # with the same statistics; the term itself must not offer the index of due dates.
    _, statement = _overdue_page(record)
    forced = statement.replace("FROM invoices", "FROM invoices INDEXED BY ix_invoices_open_due")
    assert "(due_date<?)" not in _plan(record, forced)
