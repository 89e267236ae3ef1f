"""Customers: one Stripe customer per lower-cased email."""

import time

from sqlalchemy import bindparam, select

from invoicing.record.statements import insert_into
from invoicing.record.tables import customers

_CUSTOMER = select(customers).where(customers.c.email == bindparam("b_email"))


def find_customer(db, email):
    """The local customer with this (lower-cased) email, or None."""
    return db.execute(_CUSTOMER, {"b_email": email}).first()


def add_customer(db, email, stripe_id, name):
    """Keep the email → Stripe customer mapping; the first writer wins. Return the kept row."""
    db.execute(
        insert_into(db, customers)
        .values(email=email, stripe_id=stripe_id, name=name, created=int(time.time()))
        .on_conflict_do_nothing()
    )
    return find_customer(db, email)


def forget_customer(db, email, stripe_id):
    """Drop the mapping of an email to a Stripe customer that no longer exists (only that
    one: a parallel send may have mapped the email to its successor already)."""
    db.execute(
        customers.delete().where(customers.c.email == email, customers.c.stripe_id == stripe_id)
    )
