"""The sums the database keeps of what open invoices owe (open_amounts, record/ddl.py), on
SQLite and PostgreSQL: after any mix of inserts, changes and deletes by any statement they
equal the sums of the invoices, and what is owed now read from them equals what the invoices'
own history says, at every moment, bucket boundaries included; an existing database fills
them when it upgrades."""

import random

from sqlalchemy import delete, func, insert, select, update

from invoicing.record import history, migrate
from invoicing.record.database import make_engine
from invoicing.record.tables import invoices, open_amounts
from tests.helpers import by_bucket

DAY = 86400
T = 1_760_000_000
STATUSES = ("open", "open", "paid", "void", "uncollectible", "draft")


def _invoice(n, rng):
    status = rng.choice(STATUSES)
    return {
        "id": f"in_{n}", "status": status, "status_rank": 1, "payment_rank": 0, "payment_at": 0,
        "customer": "cus_1", "email": "jo@example.com", "amount_due": 2000, "amount_paid": 0,
        "amount_remaining": rng.choice((0, 1, 999, 2000, -5)),
        "currency": rng.choice(("usd", "eur")),
        "due_date": rng.choice((None, T + rng.randrange(-200, 10) * DAY + rng.randrange(DAY))),
        "lines": [], "created": T - 100 * DAY, "updated": T, "recorded": n, "changed": n,
        "finalized_at": T - 100 * DAY, "closed_at": None if status == "open" else T - DAY,
    }  # fmt: skip


def _kept(db):
    rows = db.execute(
        select(open_amounts.c.currency, open_amounts.c.due_day, open_amounts.c.amount,
               open_amounts.c.invoices).where(open_amounts.c.invoices != 0)
    )  # fmt: skip
    return sorted(tuple(row) for row in rows)


def _summed(db):
    day = func.coalesce(invoices.c.due_date // DAY, -1)
    owed = func.sum(func.greatest(invoices.c.amount_remaining, 0))
    if db.dialect.name == "sqlite":
        owed = func.sum(func.max(invoices.c.amount_remaining, 0))
    rows = db.execute(
        select(invoices.c.currency, day, owed, func.count())
        .where(invoices.c.status == "open")
        .group_by(invoices.c.currency, day)
    )
    return sorted(tuple(row) for row in rows)


def _change(db, rng, n):
    target = invoices.c.id == f"in_{rng.randrange(n)}"
    choice = rng.randrange(6)
    if choice == 0:
        db.execute(delete(invoices).where(target))
    elif choice == 1:
        db.execute(update(invoices).where(target).values(status=rng.choice(STATUSES)))
    elif choice == 2:
        db.execute(update(invoices).where(target).values(amount_remaining=rng.randrange(3000)))
    elif choice == 3:
        db.execute(update(invoices).where(target).values(due_date=T + rng.randrange(-99, 9) * DAY))
    elif choice == 4:  # many rows in one statement
        db.execute(update(invoices).where(invoices.c.currency == "eur").values(currency="usd"))
    else:  # columns the sums do not depend on
        db.execute(update(invoices).where(target).values(email="x@example.com", amount_paid=1))


def test_the_kept_sums_follow_every_change(engine):
    rng = random.Random(7)
    with engine.begin() as db:
        db.execute(insert(invoices), [_invoice(n, rng) for n in range(120)])
    for _ in range(6):
        with engine.begin() as db:
            for _ in range(30):
                _change(db, rng, 120)
        with engine.connect() as db:
            assert _kept(db) == _summed(db)


def test_what_is_owed_now_equals_the_history_at_every_moment(engine):
    rng = random.Random(11)
    with engine.begin() as db:
        db.execute(insert(invoices), [_invoice(n, rng) for n in range(300)])
        # Due dates on each bucket's first and last second, at whole days and between.
        for k, n in enumerate(range(300, 340)):
            due = T - (k % 4) * 30 * DAY - (k % 3 - 1) - (k % 2) * DAY // 2
            opened = {"status": "open", "closed_at": None, "due_date": due}
            db.execute(insert(invoices), {**_invoice(n, rng), **opened})
    moments = [T, T + 1, T - 1, T + DAY // 2, T + 17 * DAY + 5, T + 45 * DAY, T - DAY]
    with engine.connect() as db:
        for moment in moments:
            now = by_bucket(history.owed_now_by_bucket(db, moment))
            assert now == by_bucket(history.owed_by_bucket(db, moment)), moment
        assert now  # the moments had something owed


def test_an_existing_database_fills_the_sums_when_it_upgrades(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0009")
    rng = random.Random(3)
    rows = [_invoice(n, rng) for n in range(50)]
    with engine.begin() as db:
        db.execute(insert(invoices), rows)
    migrate.upgrade(engine)
    with engine.connect() as db:
        assert _kept(db) == _summed(db) and _kept(db)
    with engine.begin() as db:  # and follows changes from then on
        db.execute(update(invoices).values(status="open", amount_remaining=7))
    with engine.connect() as db:
        assert _kept(db) == _summed(db)
        assert sum(row[3] for row in _kept(db)) == 50
    engine.dispose()
