"""What each invoice owed over time, kept by the database (owed_changes and owed_days,
record/ledger.py), on SQLite and PostgreSQL: after any mix of inserts, changes and deletes of
invoices, payments and credit notes, by any statement, what was owed at a moment read from
them equals what the rows themselves say (worked out here, in Python, from history.py's
rules) at every moment, bucket boundaries and a day's own changes included; the kept rows
equal those made again from the whole record; an existing database fills them when it
upgrades."""

import random

from sqlalchemy import delete, insert, select, update

from invoicing.record import history, ledger, migrate
from invoicing.record.database import make_engine
from invoicing.record.tables import credit_notes, invoices, owed_changes, owed_days, payments
from tests.helpers import by_bucket

DAY = 86400
T = 1_760_000_000
STATUSES = ("open", "open", "paid", "void", "uncollectible", "draft")


def _when(rng):
    """A time near T: whole days and odd seconds, some on the same second as others."""
    return T + rng.randrange(-120, 10) * DAY + rng.choice((0, 1, DAY // 2, DAY - 1))


def _invoice(n, rng):
    status = rng.choice(STATUSES)
    opened = _when(rng)
    return {
        "id": f"in_{n}", "status": status, "status_rank": 1, "payment_rank": 0, "payment_at": 0,
        "customer": "cus_1", "email": "jo@example.com", "amount_due": rng.choice((0, 2000)),
        "amount_paid": 0, "amount_remaining": rng.choice((0, 1, 999, 2000)),
        "currency": rng.choice(("usd", "eur")),
        "due_date": rng.choice((None, opened + rng.randrange(0, 60) * DAY + rng.randrange(DAY))),
        "lines": [], "created": opened, "updated": T, "recorded": n, "changed": n,
        "finalized_at": rng.choice((opened, opened, None)),
        "closed_at": rng.choice((None, opened, opened + rng.randrange(0, 90) * DAY + 7)),
    }  # fmt: skip


def _payment(n, rng, count):
    return {"id": f"inpay_{n}", "invoice_id": f"in_{rng.randrange(count)}",
            "amount": rng.choice((500, 1500, 2000, 2500)), "currency": "usd",
            "paid_at": _when(rng)}  # fmt: skip


def _note(n, rng, count):
    created = _when(rng)
    voided = rng.choice((None, created, created + rng.randrange(1, 30) * DAY))
    return {"id": f"cn_{n}", "invoice_id": f"in_{rng.randrange(count)}",
            "status": "issued" if voided is None else rng.choice(("void", "void", "issued")),
            "type": "pre_payment", "currency": "usd", "amount": 300,
            "pre_payment_amount": rng.choice((0, 300, 2500)), "post_payment_amount": 0,
            "refund_amount": 0, "credit_amount": 0, "out_of_band_amount": 0, "lines": [],
            "created": created, "voided_at": voided}  # fmt: skip


def _owed(invoice, paid, notes, moment):
    """What `invoice` owed at `moment` by history.py's rules, or None if it was not open."""
    opened, closed = invoice["finalized_at"], invoice["closed_at"]
    if invoice["status"] == "draft" or opened is None or opened > moment:
        return None
    if closed is None and invoice["status"] != "open":
        return None
    if closed is not None and closed <= moment:
        return None
    issued = sum(n["pre_payment_amount"] for n in notes if n["status"] == "issued")
    in_force = sum(
        n["pre_payment_amount"]
        for n in notes
        if n["created"] <= moment
        and (n["status"] == "issued" or (n["voided_at"] is not None and n["voided_at"] > moment))
    )
    paid_by_then = sum(p["amount"] for p in paid if p["paid_at"] <= moment)
    if invoice["status"] == "open":
        base = invoice["amount_remaining"] + sum(p["amount"] for p in paid) + issued
    else:
        base = invoice["amount_due"] + issued
    return max(base - in_force - paid_by_then, 0)


def _expected(db, moment):
    every = [row._asdict() for row in db.execute(select(invoices))]
    paid, notes = {}, {}
    for row in db.execute(select(payments)):
        paid.setdefault(row.invoice_id, []).append(row._asdict())
    for row in db.execute(select(credit_notes)):
        notes.setdefault(row.invoice_id, []).append(row._asdict())
    found = {}
    for invoice in every:
        owed = _owed(invoice, paid.get(invoice["id"], []), notes.get(invoice["id"], []), moment)
        if owed is None:
            continue
        late = 0 if invoice["due_date"] is None else moment - invoice["due_date"]
        bucket = history.BUCKETS[0 if late <= 0 else min((late - 1) // (30 * DAY) + 1, 4)]
        before = found.get((invoice["currency"], bucket), (0, 0))
        found[(invoice["currency"], bucket)] = (before[0] + owed, before[1] + 1)
    return found


def _change(db, rng, count):
    choice = rng.randrange(9)
    invoice = invoices.c.id == f"in_{rng.randrange(count)}"
    if choice == 0:
        db.execute(delete(invoices).where(invoice))
    elif choice == 1:
        closed = rng.choice((None, _when(rng)))
        db.execute(
            update(invoices)
            .where(invoice)
            .values(status=rng.choice(STATUSES), closed_at=closed, amount_remaining=700)
        )
    elif choice == 2:
        db.execute(update(invoices).where(invoice).values(due_date=_when(rng)))
    elif choice == 3:  # many rows in one statement
        db.execute(update(invoices).where(invoices.c.currency == "eur").values(currency="usd"))
    elif choice == 4:
        db.execute(insert(payments), _payment(rng.randrange(10**6), rng, count))
    elif choice == 5:
        db.execute(delete(payments).where(payments.c.id.in_([f"inpay_{rng.randrange(60)}"])))
    elif choice == 6:  # a payment moved to another invoice
        moved = {"invoice_id": f"in_{rng.randrange(count)}", "paid_at": _when(rng)}
        db.execute(update(payments).where(payments.c.id == f"inpay_{rng.randrange(60)}"), moved)
    elif choice == 7:
        voided = {"status": "void", "voided_at": _when(rng)}
        db.execute(
            update(credit_notes).where(credit_notes.c.id == f"cn_{rng.randrange(40)}"), voided
        )
    else:  # columns what was owed does not depend on
        db.execute(update(invoices).where(invoice).values(email="x@example.com", amount_paid=1))


def _kept(db):
    changes = sorted(tuple(row) for row in db.execute(select(owed_changes)))
    days = db.execute(select(owed_days).where(owed_days.c.invoices != 0))
    return changes, sorted(tuple(row) for row in days if row.amount or row.invoices)


def _fill(db, rng, count):
    db.execute(insert(invoices), [_invoice(n, rng) for n in range(count)])
    db.execute(insert(payments), [_payment(n, rng, count) for n in range(60)])
    db.execute(insert(credit_notes), [_note(n, rng, count) for n in range(40)])


def _moments(rng, db):
    """Random moments, every due date's bucket boundaries, and the records' own times."""
    dues = [row[0] for row in db.execute(select(invoices.c.due_date)) if row[0]]
    times = [row[0] for row in db.execute(select(payments.c.paid_at))]
    edges = [due + k * 30 * DAY + d for due in rng.sample(dues, 5) for k in range(4)
             for d in (-1, 0, 1)]  # fmt: skip
    return [_when(rng) for _ in range(8)] + edges + rng.sample(times, 5)


def test_what_was_owed_at_any_moment_follows_every_change(engine):
    rng = random.Random(5)
    with engine.begin() as db:
        _fill(db, rng, 80)
    for _ in range(5):
        with engine.begin() as db:
            for _ in range(25):
                _change(db, rng, 80)
        with engine.connect() as db:
            for moment in _moments(rng, db):
                expected = _expected(db, moment)
                assert by_bucket(history.owed_by_bucket(db, moment)) == expected, moment
    with engine.connect() as db:
        assert any(_expected(db, moment) for moment in _moments(rng, db))
        kept = _kept(db)
    with engine.begin() as db:
        ledger.refill(db)
    with engine.connect() as db:
        assert _kept(db) == kept and kept[0]


def test_an_existing_database_fills_the_ledger_when_it_upgrades(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0011")
    rng = random.Random(9)
    with engine.begin() as db:
        _fill(db, rng, 60)
    migrate.upgrade(engine)
    moments = [T - 40 * DAY, T - 5 * DAY + 3, T]
    with engine.connect() as db:
        for moment in moments:
            assert by_bucket(history.owed_by_bucket(db, moment)) == _expected(db, moment)
        assert any(_expected(db, moment) for moment in moments)
    with engine.begin() as db:  # and follows changes from then on
        db.execute(update(invoices).values(status="open", closed_at=None, finalized_at=T - DAY))
    with engine.connect() as db:
        assert by_bucket(history.owed_by_bucket(db, T)) == _expected(db, T)
        assert sum(count for _, count in _expected(db, T).values()) == 60
    engine.dispose()
