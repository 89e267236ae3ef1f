"""A customer paying on the hosted page, as Stripe's test mode cannot script it through the API:
at once, declined, or with a delayed method that settles later."""

import functools

from .errors import invalid, state
from .payments import fail_payment, process_payment, settle
from .transitions import allowed

# A customer pays on the hosted page, which a finalized invoice that is still owed has.
PAYABLE = frozenset({"open", "uncollectible"})

OUTCOMES = ("succeed", "fail", "delayed", "delayed_fail")


def simulate_payment(store, invoice_id, outcome, schedule):
    """A customer's payment on the hosted page: `succeed`, `fail`, `delayed` or `delayed_fail`.

    A delayed payment is `processing` first; `schedule(fn)` runs its outcome later.
    """
    inv = allowed(store, invoice_id, "pay", PAYABLE)
    if outcome not in OUTCOMES:
        raise invalid("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
    if store.objects[inv["_payment_intent"]]["status"] == "processing":
        raise state("A payment of this invoice is already processing.")
    if outcome == "succeed":
        settle(store, inv)
    elif outcome == "fail":
        fail_payment(store, inv, "Your card was declined.")
    else:
        process_payment(store, inv)
        # Kept on the invoice, so that a state file can carry a payment still processing.
        inv["_delayed_succeeds"] = outcome == "delayed"
        schedule(functools.partial(_finish_delayed, store, inv["id"]))
    return inv


def resume_delayed(store, schedule):
    """Schedule again the delayed payments that were processing when the state was saved."""
    for invoice_id in store.by_type["invoice"]:
        if "_delayed_succeeds" in store.objects[invoice_id]:
            schedule(functools.partial(_finish_delayed, store, invoice_id))


def _finish_delayed(store, invoice_id):
    with store.lock:
        inv = store.objects.get(invoice_id)
        if inv is None:
            return
        succeeds = inv.pop("_delayed_succeeds", None)
        if succeeds is None or inv["status"] not in PAYABLE:
            return
        if succeeds:
            settle(store, inv)
        else:
            fail_payment(store, inv, "The bank debit failed.")
