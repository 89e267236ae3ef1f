"""The Stripe customer for an email: the local record first, else one create at Stripe, so
that parallel first sends for one email still end with one Stripe customer and one row."""

import time

import stripe

from invoicing import stripe_calls
from invoicing.errors import StateConflictError
from invoicing.record import customers, database


def customer_for(email, name):
    """The Stripe customer id for an email: the local record first, else one create."""
    with database.connect() as db:
        known = customers.find_customer(db, email)
    return known.stripe_id if known else new_customer(email, name)


def new_customer(email, name, replacing=None):
    """Create the Stripe customer for an email and keep the mapping; return its id.

    Parallel first requests for one email share an idempotency key, so Stripe makes one
    customer and the unique email keeps one row. `replacing` names a customer deleted at
    Stripe: parallel sends that found it gone make one successor in the same way.
    """
    try:
        created = stripe_calls.create_customer(email, name, replacing)
    except stripe.IdempotencyError:
        # A parallel request with another name made it: use that one.
        return _made_in_parallel(email, replacing)
    with database.begin() as db:
        if replacing:
            customers.forget_customer(db, email, replacing)
        return customers.add_customer(db, email, created, name).stripe_id


def _made_in_parallel(email, replacing, wait=5.0):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with database.connect() as db:
            known = customers.find_customer(db, email)
        if known and known.stripe_id != replacing:
            return known.stripe_id
        time.sleep(0.05)
    # Its request died before keeping the mapping: the newest customer with this email.
    found = stripe_calls.newest_customer(email)
    if found is None or found[0] == replacing:
        raise StateConflictError("A parallel request is creating this customer; retry shortly.")
    with database.begin() as db:
        if replacing:
            customers.forget_customer(db, email, replacing)
        return customers.add_customer(db, email, *found).stripe_id
