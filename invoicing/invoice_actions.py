"""What can be done to a sent invoice from here: void it, mark it uncollectible, remind the
customer, mark it paid outside Stripe. Stripe first (outside any database transaction), then
the record."""

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


def _as_stripe_has_it(invoice, allowed, refusal):
    """The invoice as Stripe has it now, if its status is one of `allowed`; else the record is
    brought up to Stripe's and a StateConflictError says `refusal` (with the status)."""
    current = stripe_calls.current_invoice(invoice.id)
    if current["status"] not in allowed:
        with database.begin() as db:
            invoices.apply_snapshot(db, invoice.id, current["status"], current)
        raise StateConflictError(refusal.format(current["status"]))
    return current


_NOT_OPEN = "The invoice is {}; only an open one is sent again."


def remind(invoice):
    """Have Stripe send an open invoice again, and note it; return the row.

    Stripe's own status is read first: a webhook missed here (the invoice paid meanwhile) must
    not email a customer who already has the receipt. Raises StateConflictError for any state
    but open, after bringing the record up to Stripe's.
    """
    if invoice.status != "open":
        raise StateConflictError(_NOT_OPEN.format(invoice.status))
    _as_stripe_has_it(invoice, ("open",), _NOT_OPEN)
    sent = stripe_calls.send_again(invoice.id)
    moment = int(time.time())
    with database.begin() as db:
        invoices.apply_snapshot(db, invoice.id, sent["status"], sent)
        invoices.record_reminder(db, invoice.id, moment)
        return invoices.get_invoice(db, invoice.id)


def mark_paid(invoice, memo=None):
    """Mark an open or uncollectible invoice paid outside Stripe (`paid_out_of_band`: a bank
    transfer, say), noting the amount it still owed and `memo`; return the row.

    Stripe's own status is read first, as for a reminder. Raises StateConflictError for any
    other state.
    """
    refusal = "The invoice is {}; only an open or uncollectible one can be marked paid."
    current = _as_stripe_has_it(invoice, ("open", "uncollectible"), refusal)
    paid = stripe_calls.pay_out_of_band(invoice.id)
    with database.begin() as db:
        invoices.apply_snapshot(db, invoice.id, paid["status"], paid)
        invoices.record_paid_off_stripe(db, invoice.id, current["amount_remaining"], memo)
        return invoices.get_invoice(db, invoice.id)
