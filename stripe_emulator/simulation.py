"""A customer paying on the hosted page, as Stripe's test mode cannot script it through the API:
at once (in full or in part), declined, or with a delayed method that settles later."""

import functools

from . import charges
from .errors import invalid, state
from .payments import fail_payment, pay_part, process_payment, settle
from .transitions import allowed

# A customer pays on the hosted page, which a finalized invoice that is still owed has.
PAYABLE = frozenset({"open", "uncollectible"})

OUTCOMES = ("succeed", "fail", "delayed", "delayed_fail", "succeed_refunds_fail")
# The outcomes that pay at once, with the test card each pays with.
_PAYING = {"succeed": charges.CARD, "succeed_refunds_fail": charges.REFUND_FAIL}


def simulate_payment(store, invoice_id, outcome, schedule, amount=None):
    """A customer's payment on the hosted page: `succeed`, `fail`, `delayed`, `delayed_fail`
    or `succeed_refunds_fail` (a card whose refunds fail later, Stripe's 4000000000005126).

    A paying outcome pays `amount` if given, part of what remains (all of it pays the invoice).
    A delayed payment is `processing` first; `schedule(fn)` runs its outcome later.
    """
    inv = allowed(store, invoice_id, "pay", PAYABLE)
    if outcome not in OUTCOMES:
        raise invalid("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
    if store.objects[inv["_payment_intent"]]["status"] == "processing":
        raise state("A payment of this invoice is already processing.")
    _check_amount(inv, outcome, amount)
    if outcome in _PAYING:
        if amount is None or amount == inv["amount_remaining"]:
            settle(store, inv, method=_PAYING[outcome])
        else:
            pay_part(store, inv, amount, _PAYING[outcome])
    elif outcome == "fail":
        fail_payment(store, inv, "Your card was declined.")
    else:
        process_payment(store, inv)
        # Kept on the invoice, so that a state file can carry a payment still processing.
        inv["_delayed_succeeds"] = outcome == "delayed"
        schedule(functools.partial(_finish_delayed, store, inv["id"]))
    return inv


def _check_amount(invoice, outcome, amount):
    """A part payment's amount: for a paying outcome, from 1 to what remains due."""
    if amount is None:
        return
    if outcome not in _PAYING:
        raise invalid("amount", f"amount is for a payment that succeeds at once, not {outcome}.")
    remaining = invoice["amount_remaining"]
    if not 1 <= amount <= remaining:
        raise invalid("amount", f"amount must be from 1 to what remains due ({remaining}).")


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
            settle(store, inv, method=charges.BANK)
        else:
            fail_payment(store, inv, "The bank debit failed.")
