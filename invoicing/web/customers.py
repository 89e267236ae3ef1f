"""`GET /customers/<id>`: a customer of this server, its balance at Stripe and what it owes."""

from flask import Blueprint

from invoicing.errors import NotFoundError
from invoicing.record import customers, database
from invoicing.record.snapshots import is_stripe_id

bp = Blueprint("customers", __name__)


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
        "owed": [{"currency": currency, "amount": amount} for currency, amount in owed],
    }
