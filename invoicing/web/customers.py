"""`GET /customers` and `GET /customers/<id>`: the customers of this server, each with its
balance at Stripe and what it owes."""

import functools
import operator

from flask import Blueprint, request

from invoicing.errors import NotFoundError
from invoicing.record import customers, database
from invoicing.record.snapshots import is_stripe_id
from invoicing.record.tables import customers as customers_table
from invoicing.web import paging

bp = Blueprint("customers", __name__)
# What a page shows of each customer, read by position: by name each value costs a lookup.
_VALUES = operator.itemgetter(
    *map(customers_table.c.keys().index, ("stripe_id", "email", "name", "balance", "currency"))
)


def _owed(pairs):
    return [{"currency": currency, "amount": amount} for currency, amount in pairs]


@bp.get("/customers")
def list_customers():
    """Customers newest first, a page of `?limit=` at a time (`?starting_after=` the last one
    shown), `?q=` a prefix of the email or of a word of the name; each with its balance and
    what its open invoices owe."""
    limit, q = paging.page_params(request.args)
    with database.connect() as db:
        find = functools.partial(customers.get_customer, db)
        after = paging.starting_after(request.args, find, "customer")
        found = customers.list_customers(db, limit + 1, q, after)
        shown = found[:limit]
        owed = customers.owed_by_each(db, [c.stripe_id for c in shown])
    data = [
        {
            "id": stripe_id,
            "email": email,
            "name": name,
            "balance": balance,
            "currency": currency,
            "owed": _owed(owed[stripe_id]),
        }
        for stripe_id, email, name, balance, currency in map(_VALUES, shown)
    ]
    return {"data": data, "has_more": len(found) > limit}


@bp.get("/customers/<customer_id>")
def get_customer(customer_id):
    """One customer: its balance in Stripe's sign (negative is credit its next invoice uses),
    how many invoices it has here, and what its open ones owe per currency."""
    with database.connect() as db:
        found = customers.get_customer(db, customer_id) if is_stripe_id(customer_id) else None
        if found is None:
            raise NotFoundError(f"No customer {customer_id!r}.")
        count, owed = customers.owed_by(db, customer_id)
    return {
        "id": found.stripe_id,
        "email": found.email,
        "name": found.name,
        "balance": found.balance,
        "currency": found.currency,
        "invoices": count,
        "owed": _owed(owed),
    }
