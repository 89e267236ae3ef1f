"""What can be done to a sent invoice from here: void it, mark it uncollectible, remind the
customer. Stripe first (outside any database transaction), then the record."""

import time

from invoicing import stripe_calls
from invoicing.errors import StateConflictError
from invoicing.record import database, invoices

_ACTIONS = {
    "void": (stripe_calls.void_invoice, "void"),
    "mark-uncollectible": (stripe_calls.mark_uncollectible, "uncollectible"),
}
# What each action is allowed from, as on Stripe.
_FROM = {"void": ("open", "uncollectible"), "mark-uncollectible": ("open",)}


def close_invoice(invoice, action):
    """Void or mark uncollectible a local invoice at Stripe, then locally; return the row.

    Raises StateConflictError when its state does not allow it.
    """
    call, status = _ACTIONS[action]
    if invoice.status not in _FROM[action]:
        allowed = " or ".join(_FROM[action])
        raise StateConflictError(
            f"The invoice is {invoice.status}; only an {allowed} one can be {status}."
        )
    done = call(invoice.id)
    with database.begin() as db:
        invoices.apply_snapshot(db, invoice.id, done["status"], done)
        return invoices.get_invoice(db, invoice.id)


def remind(invoice):
    """Have Stripe send an open invoice again, and note it; return the row.

    Raises StateConflictError for any other state.
    """
    if invoice.status != "open":
        raise StateConflictError(
            f"The invoice is {invoice.status}; only an open one is sent again."
        )
    sent = stripe_calls.send_again(invoice.id)
    moment = int(time.time())
    with database.begin() as db:
        invoices.apply_snapshot(db, invoice.id, sent["status"], sent)
        invoices.record_reminder(db, invoice.id, moment)
        return invoices.get_invoice(db, invoice.id)
