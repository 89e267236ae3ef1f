"""Customers: one Stripe customer per lower-cased email, with its balance at Stripe, and what
each owes."""

import functools
import time

from sqlalchemy import BigInteger, bindparam, func, select, tuple_, update

from invoicing.record.history import IS_OPEN
from invoicing.record.statements import insert_into, search_values
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


_BY_STRIPE_ID = select(customers).where(customers.c.stripe_id == bindparam("b_id"))


def get_customer(db, stripe_id):
    """The local customer with this Stripe id, or None."""
    return db.execute(_BY_STRIPE_ID, {"b_id": stripe_id}).first()


@functools.cache
def _page(after, q):
    """A page's statement, for one shape (each a flag), built once with its values given at
    execution (`list_customers`)."""
    query = select(customers).order_by(customers.c.created.desc(), customers.c.email.desc())
    if after:
        position = tuple_(customers.c.created, customers.c.email)
        bound = tuple_(bindparam("b_created", type_=BigInteger), bindparam("b_email"))
        query = query.where(position < bound)
    if q:
        name = func.lower(customers.c.name)
        query = query.where(
            customers.c.email.like(bindparam("b_prefix"), escape="\\")
            | name.like(bindparam("b_prefix"), escape="\\")
            | name.like(bindparam("b_word"), escape="\\")
        )
    return query.limit(bindparam("b_limit"))


def list_customers(db, limit, q=None, after=None):
    """Customers newest first (by when this server first made or found them), `limit` of
    them after the row `after`, those whose email or name (any word) begins with `q`."""
    values = {"b_limit": limit}
    if after is not None:
        values.update(b_created=after.created, b_email=after.email)
    if q:
        values.update(search_values(q))
    return db.execute(_page(after is not None, bool(q)), values).all()


_OWED_BY_EACH = (
    select(invoices.c.customer, invoices.c.currency, func.sum(invoices.c.amount_remaining))
    .where(invoices.c.customer.in_(bindparam("b_ids", expanding=True)), IS_OPEN)
    .group_by(invoices.c.customer, invoices.c.currency)
    .order_by(invoices.c.customer, invoices.c.currency)
)
_COUNT = select(func.count()).select_from(invoices).where(invoices.c.customer == bindparam("b_id"))
_OWED = (
    select(invoices.c.currency, func.sum(invoices.c.amount_remaining))
    .where(invoices.c.customer == bindparam("b_id"), IS_OPEN)
    .group_by(invoices.c.currency)
    .order_by(invoices.c.currency)
)


def owed_by_each(db, stripe_ids):
    """{customer: [(currency, what its open invoices still owe)]} for these customers."""
    owed = {stripe_id: [] for stripe_id in stripe_ids}
    if not stripe_ids:
        return owed
    for customer, currency, amount in db.execute(_OWED_BY_EACH, {"b_ids": list(stripe_ids)}):
        owed[customer].append((currency, int(amount)))
    return owed


def owed_by(db, stripe_id):
    """(how many invoices the customer has here, [(currency, what its open ones still owe)])."""
    count = db.execute(_COUNT, {"b_id": stripe_id}).scalar()
    owed = db.execute(_OWED, {"b_id": stripe_id}).all()
    return count, [(currency, int(amount)) for currency, amount in owed]
