"""Stripe's invoice state machine and its guards.

draft → open (finalize; straight to paid when nothing is due) → paid | void | uncollectible,
and an uncollectible invoice can still be paid or voided
(https://docs.stripe.com/invoicing/overview#invoice-statuses). Sending and paying finalize a
draft first. A refused action answers 400: `invoice_not_editable` for what only a draft allows,
`status_transition_invalid` for the rest.
"""

from invoicing import currencies as money

from . import balance_transactions as ledger
from . import charges, outbox
from .errors import StripeAPIError, no_such, state
from .payments import cancel_payment, fail_payment, open_payment, settle
from .routes import route
from .tax_ids import customer_on_invoice

_DAY = 86400
# Stripe's test payment methods (pm_card_visa, ...): the only ones an emulated account has.
TEST_METHOD_PREFIX = "pm_card_"
# Test payment methods that are declined, as on Stripe.
DECLINING_METHODS = frozenset({"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"})
# Stripe's test card whose refunds fail after a while (4000000000005126).
REFUND_FAILING_METHODS = frozenset({"pm_card_refundFail"})

# The statuses each action starts from; a draft is finalized first where it is listed.
ALLOWED = {
    "send": {"draft", "open", "uncollectible", "paid"},
    "pay": {"draft", "open", "uncollectible"},
    "void": {"open", "uncollectible"},
    "mark uncollectible": {"open"},
}


def draft(store, invoice_id, action, param=None):
    """A draft invoice, or `invoice_not_editable` naming what could not be done (`param`: the
    parameter that named it, if not the URL)."""
    invoice = store.get("invoice", invoice_id, param)
    if invoice["status"] != "draft":
        raise state(
            f"You can only {action} a draft invoice; this invoice is {invoice['status']}.",
            "invoice_not_editable",
        )
    return invoice


def allowed(store, invoice_id, action, statuses=None):
    """The invoice if its status allows `action` (see ALLOWED, or `statuses` if given), else
    `status_transition_invalid`."""
    invoice = store.get("invoice", invoice_id)
    if invoice["status"] not in (statuses or ALLOWED[action]):
        raise state(
            f"You can't {action} this invoice because its status is {invoice['status']}.",
            "status_transition_invalid",
        )
    return invoice


def _number(store, invoice):
    customer = store.objects[invoice["customer"]]
    # A deleted customer keeps its invoices numbered from a fallback prefix.
    prefix = customer.get("invoice_prefix", "DELETED")
    sequence = customer.get("next_invoice_sequence", 1)
    if "next_invoice_sequence" in customer:
        customer["next_invoice_sequence"] += 1
    return f"{prefix}-{sequence:04d}"


@route(
    "POST",
    "/v1/invoices/<invoice>/finalize",
    "invoices.finalize_invoice",
    "InvoiceFinalizeInvoiceParams",
)
def finalize_invoice(store, params, invoice):
    """Finalize a draft: number, due date, hosted page and PDF, and its PaymentIntent."""
    return finalize(store, draft(store, invoice, "finalize"))


def _refuse_too_large(store, invoice):
    """Stripe cannot charge more than the currency's maximum: finalization fails."""
    currency = invoice["currency"]
    largest = money.maximum(currency)
    if invoice["total"] <= largest:
        return
    error = StripeAPIError(
        f"Amount must be no more than {money.format_money(largest, currency)} {currency}",
        code="amount_too_large",
    )
    invoice["last_finalization_error"] = error.body()["error"]
    store.emit("invoice.finalization_failed", invoice)
    raise error


def _apply_balance(store, invoice):
    """Apply the customer's balance; below Stripe's minimum charge, move the amount to it.

    Each move of the balance is a customer balance transaction: `applied_to_invoice` for what
    the invoice took of it, `invoice_too_small` for an amount carried to it. Returns True when
    the invoice is settled by the balance (nothing left to charge).
    """
    customer = store.objects[invoice["customer"]]
    balance = customer.get("balance", 0)
    due = max(0, invoice["total"] + balance)
    smallest = money.minimum(invoice["currency"])
    carried = 0 < due < smallest
    applied = min(0, invoice["total"] + balance)  # what is left of a credit once applied
    invoice.update(
        starting_balance=balance,
        ending_balance=due if carried else applied,
        amount_due=0 if carried else due,
        amount_remaining=0 if carried else due,
    )
    if "balance" in customer:  # a deleted customer has none
        earlier = ledger.before(customer)
        moves = {"applied_to_invoice": applied - balance, "invoice_too_small": carried and due}
        for kind, amount in moves.items():
            if amount:
                currency = invoice["currency"]
                ledger.record(store, customer, amount, currency, kind, invoice=invoice["id"])
        ledger.announce(store, customer, earlier)
    return invoice["amount_due"] == 0


def _refuse_without_location(store, invoice):
    """Stripe Tax needs to know where the customer is: without an address (or shipping
    address) it cannot compute the tax, and finalization fails; the draft stays a draft."""
    if not invoice["automatic_tax"]["enabled"]:
        return
    customer = store.objects[invoice["customer"]]
    if customer.get("address") or customer.get("shipping"):
        return
    invoice["automatic_tax"]["status"] = "requires_location_inputs"
    raise StripeAPIError(
        "The customer's location isn't recognized, so tax can't be calculated: give it an "
        "address with a country, or a shipping address.",
        code="customer_tax_location_invalid",
        param="customer",
    )


def _copy_customer(store, invoice):
    """Copy the customer's details as they are now: a finalized invoice keeps them, whatever
    happens to the customer later."""
    customer = store.objects[invoice["customer"]]
    if not customer.get("deleted"):
        invoice.update(customer_on_invoice(store, customer))


def finalize(store, invoice):
    """Move a draft to open (or straight to paid when nothing is due)."""
    _refuse_too_large(store, invoice)
    _refuse_without_location(store, invoice)
    moment = store.now()
    settled = _apply_balance(store, invoice)
    _copy_customer(store, invoice)
    invoice.update(
        status="open",
        # A number or date given to the draft is kept; else the customer's next number.
        number=invoice["number"] or _number(store, invoice),
        effective_at=invoice["effective_at"] or moment,
        last_finalization_error=None,
        hosted_invoice_url=f"{store.base_url}/i/{invoice['id']}",
        invoice_pdf=f"{store.base_url}/i/{invoice['id']}/pdf",
    )
    invoice["status_transitions"]["finalized_at"] = moment
    if invoice["automatic_tax"]["enabled"]:
        invoice["automatic_tax"]["status"] = "complete"
    if invoice["collection_method"] == "send_invoice" and invoice["_days_until_due"] is not None:
        invoice["due_date"] = moment + invoice["_days_until_due"] * _DAY
    if not settled:
        open_payment(store, invoice)
    store.emit("invoice.finalized", invoice)
    if settled:
        settle(store, invoice, out_of_band=True)
    return invoice


@route("POST", "/v1/invoices/<invoice>/send", "invoices.send_invoice", "InvoiceSendInvoiceParams")
def send_invoice(store, params, invoice):
    """Email a send_invoice invoice (finalizing a draft first); a later send is a reminder."""
    inv = allowed(store, invoice, "send")
    if inv["collection_method"] != "send_invoice":
        raise state(
            "You can only send an invoice whose collection_method is send_invoice.",
            "status_transition_invalid",
        )
    if inv["status"] == "draft":
        finalize(store, inv)
    if inv.get("_sent"):
        kind = "reminder" if inv["status"] in ("open", "uncollectible") else "invoice"
    else:
        kind = "invoice"
    inv["_sent"] = True
    outbox.record(store, inv, kind)
    store.emit("invoice.sent", inv)
    return inv


@route("POST", "/v1/invoices/<invoice>/void", "invoices.void_invoice", "InvoiceVoidInvoiceParams")
def void_invoice(store, params, invoice):
    """Void an open or uncollectible invoice."""
    inv = allowed(store, invoice, "void")
    cancel_payment(store, inv)
    inv.pop("status_details", None)
    inv["status"] = "void"
    inv["status_transitions"]["voided_at"] = store.now()
    store.emit("invoice.voided", inv)
    return inv


@route(
    "POST",
    "/v1/invoices/<invoice>/mark_uncollectible",
    "invoices.mark_uncollectible",
    "InvoiceMarkUncollectibleParams",
)
def mark_uncollectible(store, params, invoice):
    """Mark an open invoice uncollectible; it can still be paid or voided."""
    inv = allowed(store, invoice, "mark uncollectible")
    inv["status"] = "uncollectible"
    # Present only while the invoice is uncollectible (API 2026-09-30.endive and later).
    inv["status_details"] = {"uncollectible": {"reason": "user_forgiven"}}
    inv["status_transitions"]["marked_uncollectible_at"] = store.now()
    store.emit("invoice.marked_uncollectible", inv)
    return inv


@route(
    "POST",
    "/v1/invoices/<invoice>/pay",
    "invoices.pay",
    "InvoicePayParams",
    emulates=("paid_out_of_band", "payment_method"),
)
def pay_invoice(store, params, invoice):
    """Pay an invoice out of band, or with a test payment method such as `pm_card_visa`.

    A draft is finalized first; an open or uncollectible invoice is paid.
    """
    inv = allowed(store, invoice, "pay")
    method = params.get("payment_method")
    if not params.get("paid_out_of_band") and not method:
        raise StripeAPIError(
            "This invoice has no payment method to charge; pass payment_method "
            "(pm_card_visa succeeds, pm_card_chargeDeclined fails) or paid_out_of_band=true.",
            code="parameter_missing",
            param="payment_method",
        )
    if method and not method.startswith(TEST_METHOD_PREFIX):
        raise no_such("PaymentMethod", method, "payment_method")
    if inv["status"] == "draft":
        finalize(store, inv)
        if inv["status"] == "paid":  # nothing was due
            return inv
    if params.get("paid_out_of_band"):
        settle(store, inv, out_of_band=True)
        return inv
    if method in DECLINING_METHODS:
        raise fail_payment(store, inv, "Your card was declined.")
    refunds_fail = method in REFUND_FAILING_METHODS
    settle(store, inv, method=charges.REFUND_FAIL if refunds_fail else charges.CARD)
    return inv
