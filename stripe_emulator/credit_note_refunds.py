"""What a credit note's post-payment amount gives back: refunds of the invoice's payments
(`refund_amount`), a credit to the customer's balance (`credit_amount`), or money given back
outside Stripe (`out_of_band_amount`), which together must equal it
(https://docs.stripe.com/api/credit_notes/create)."""

from . import balance_transactions as ledger
from .errors import invalid, not_covered
from .refunds import refund_invoice, refundable_on

_ACCOUNTED = ("refund_amount", "credit_amount", "out_of_band_amount")
# A credit note's reason, as the reason of the refunds it makes (the others have none).
_REFUND_REASONS = {"duplicate": "duplicate", "fraudulent": "fraudulent"}


def refuse_linked_refunds(params):
    """`refunds` (linking refunds made before) is not covered: refused, never dropped."""
    if "refunds" in params:
        raise not_covered(
            "refunds",
            "The emulator does not cover refunds (linking existing refunds to a credit note) "
            "yet: pass refund_amount to make the credit note's refund with it.",
        )


def account_for(store, params, invoice, post, preview=False):
    """Check that refund_amount, credit_amount and out_of_band_amount account for the post-
    payment amount `post`, and that the invoice has what they take; return out_of_band_amount
    as the credit note shows it (None if not given). A `preview` need not account for all of
    it: Stripe's preview answers a split that falls short, which is how a caller learns what
    a credit's tax adds before asking for its refund (stackoverflow.com/q/76484776)."""
    given = {key: params[key] for key in _ACCOUNTED if key in params}
    for key, value in given.items():
        if value < 0:
            raise invalid(key, f"{key} must not be negative.")
        if value and not post:
            raise invalid(
                key,
                f"{key} accounts for a post-payment amount; this credit note only lowers what "
                "remains due on the invoice.",
            )
    total = sum(given.values())
    if total != post and not (preview and total < post):
        raise invalid(
            "out_of_band_amount" if total < post else next(iter(given)),
            f"The sum of refunds, customer balance credits and outside of Stripe credits "
            f"({total}) must equal the credit note's post_payment_amount ({post}).",
        )
    _check_refund(store, invoice, given.get("refund_amount", 0))
    _check_credit(store, invoice, given.get("credit_amount", 0))
    return params.get("out_of_band_amount")


def _check_refund(store, invoice, amount):
    left = refundable_on(store, invoice)
    if amount > left:
        raise invalid(
            "refund_amount",
            f"refund_amount ({amount}) is more than this invoice's payments through Stripe have "
            f"left to refund ({left}); an invoice paid out of band has nothing to refund.",
        )


def _check_credit(store, invoice, amount):
    if not amount:
        return
    customer = store.objects[invoice["customer"]]
    if customer.get("deleted"):
        raise invalid("credit_amount", "This invoice's customer is deleted: it has no balance.")
    ledger.check_currency(customer, invoice["currency"], "credit_amount")


def give_back(store, invoice, note, params):
    """Make the credit note's refunds (newest charge first) and its balance credit, and note
    them on it: `refund.created` and `charge.refunded` for each refund, then `customer.updated`
    for a credit."""
    reason = _REFUND_REASONS.get(note["reason"])
    made = refund_invoice(store, invoice, params.get("refund_amount") or 0, reason)
    note["refunds"] = [
        {
            "amount_refunded": refund["amount"],
            "payment_record_refund": None,
            "refund": refund["id"],
            "type": "refund",
        }
        for refund in made
    ]
    credit = params.get("credit_amount") or 0
    if credit:
        customer = store.objects[invoice["customer"]]
        earlier = ledger.before(customer)
        found = ledger.record(
            store,
            customer,
            -credit,
            invoice["currency"],
            "credit_note",
            invoice=invoice["id"],
            credit_note=note["id"],
        )
        note["customer_balance_transaction"] = found["id"]
        ledger.announce(store, customer, earlier)
