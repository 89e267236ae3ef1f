"""Customers: one Stripe customer per lower-cased email, with its balance at Stripe, and what
each owes."""

import time

from sqlalchemy import bindparam, func, select, tuple_, update

from invoicing.record.statements import insert_into, like_prefix
from invoicing.record.tables import customers, invoices

_CUSTOMER = select(customers).where(customers.c.email == bindparam("b_email"))


def find_customer(db, email):
    """The local customer with this (lower-cased) email, or None."""
    return db.execute(_CUSTOMER, {"b_email": email}).first()


def add_customer(db, email, stripe_id, name, details=None):
    """Keep the email → Stripe customer mapping (and the details given to Stripe with it);
    the first writer wins. Return the kept row."""
    db.execute(
        insert_into(db, customers)
        .values(
            email=email, stripe_id=stripe_id, name=name, created=int(time.time()), details=details
        )
        .on_conflict_do_nothing()
    )
    return find_customer(db, email)


def record_details(db, stripe_id, details):
    """Keep the details last given to Stripe for a customer (its name follows them)."""
    values = {"details": details}
    if details.get("name"):
        values["name"] = details["name"]
    db.execute(update(customers).where(customers.c.stripe_id == stripe_id).values(values))


def forget_customer(db, email, stripe_id):
    """Drop the mapping of an email to a Stripe customer that no longer exists (only that
    one: a parallel send may have mapped the email to its successor already)."""
    db.execute(
        customers.delete().where(customers.c.email == email, customers.c.stripe_id == stripe_id)
    )


def record_balance(db, stripe_id, balance, currency, at):
    """Keep a customer's balance as Stripe said it at `at` (an older snapshot never wins);
    True if it changed."""
    changed = db.execute(
        update(customers)
        .where(
            customers.c.stripe_id == stripe_id,
            customers.c.balance_at <= at,
            (customers.c.balance != balance) | customers.c.currency.is_distinct_from(currency),
        )
        .values(balance=balance, currency=currency, balance_at=at)
    )
    return changed.rowcount > 0


def get_customer(db, stripe_id):
    """The local customer with this Stripe id, or None."""
    return db.execute(select(customers).where(customers.c.stripe_id == stripe_id)).first()


def list_customers(db, limit, q=None, after=None):
    """Customers newest first (by when this server first made or found them), `limit` of
    them after the row `after`, those whose email or name (any word) begins with `q`."""
    query = select(customers).order_by(customers.c.created.desc(), customers.c.email.desc())
    if after is not None:
        position = tuple_(customers.c.created, customers.c.email)
        query = query.where(position < tuple_(after.created, after.email))
    if q:
        prefix = like_prefix(q)
        name = func.lower(customers.c.name)
        query = query.where(
            customers.c.email.like(prefix, escape="\\")
            | name.like(prefix, escape="\\")
            | name.like("% " + prefix, escape="\\")
        )
    return db.execute(query.limit(limit)).all()


def owed_by_each(db, stripe_ids):
    """{customer: [(currency, what its open invoices still owe)]} for these customers."""
    owed = {stripe_id: [] for stripe_id in stripe_ids}
    if not stripe_ids:
        return owed
    rows = db.execute(
        select(invoices.c.customer, invoices.c.currency, func.sum(invoices.c.amount_remaining))
        .where(invoices.c.customer.in_(stripe_ids), invoices.c.status == "open")
        .group_by(invoices.c.customer, invoices.c.currency)
        .order_by(invoices.c.customer, invoices.c.currency)
    )
    for customer, currency, amount in rows:
        owed[customer].append((currency, int(amount)))
    return owed


def owed_by(db, stripe_id):
    """(how many invoices the customer has here, [(currency, what its open ones still owe)])."""
    count = db.execute(
        select(func.count()).select_from(invoices).where(invoices.c.customer == stripe_id)
    ).scalar()
    owed = db.execute(
        select(invoices.c.currency, func.sum(invoices.c.amount_remaining))
        .where(invoices.c.customer == stripe_id, invoices.c.status == "open")
        .group_by(invoices.c.currency)
        .order_by(invoices.c.currency)
    ).all()
    return count, [(currency, int(amount)) for currency, amount in owed]
