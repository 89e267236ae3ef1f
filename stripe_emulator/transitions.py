"""Stripe's invoice state machine: draft → open → paid | void | uncollectible, and its guards."""

from .errors import StripeAPIError, state
from .payments import cancel_payment, fail_payment, open_payment, settle
from .routes import route
from .store import now

_DAY = 86400
# Test payment methods that are declined, as on Stripe.
DECLINING_METHODS = frozenset({"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"})


def draft(store, invoice_id, action):
    """A draft invoice, or `invoice_not_editable` naming what could not be done."""
    invoice = store.get("invoice", invoice_id)
    if invoice["status"] != "draft":
        raise state(
            f"You can only {action} a draft invoice; this invoice is {invoice['status']}.",
            "invoice_not_editable",
        )
    return invoice


def open_invoice(store, invoice_id, action):
    """An open invoice, or an error naming its state."""
    invoice = store.get("invoice", invoice_id)
    if invoice["status"] != "open":
        raise state(f"You can only {action} an open invoice; this invoice is {invoice['status']}.")
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


def finalize(store, invoice):
    """Move a draft to open (or straight to paid when nothing is due)."""
    moment = now()
    invoice.update(
        status="open",
        number=_number(store, invoice),
        effective_at=moment,
        starting_balance=0,
        ending_balance=0,
        hosted_invoice_url=f"{store.base_url}/i/{invoice['id']}",
        invoice_pdf=f"{store.base_url}/i/{invoice['id']}/pdf",
    )
    invoice["status_transitions"]["finalized_at"] = moment
    if invoice["automatic_tax"]["enabled"]:
        invoice["automatic_tax"]["status"] = "complete"
    if invoice["collection_method"] == "send_invoice" and invoice["_days_until_due"] is not None:
        invoice["due_date"] = moment + invoice["_days_until_due"] * _DAY
    if invoice["amount_due"] > 0:
        open_payment(store, invoice)
    store.emit("invoice.finalized", invoice)
    if invoice["amount_due"] == 0:
        settle(store, invoice, out_of_band=True)
    return invoice


@route("POST", "/v1/invoices/<invoice>/send", "invoices.send_invoice", "InvoiceSendInvoiceParams")
def send_invoice(store, params, invoice):
    """Email a send_invoice invoice, finalizing it first if it is a draft."""
    inv = store.get("invoice", invoice)
    if inv["collection_method"] != "send_invoice":
        raise state("You can only send an invoice whose collection_method is send_invoice.")
    if inv["status"] == "draft":
        finalize(store, inv)
    if inv["status"] in ("void", "uncollectible"):
        raise state(f"You can't send an invoice that is {inv['status']}.")
    store.emit("invoice.sent", inv)
    return inv


@route("POST", "/v1/invoices/<invoice>/void", "invoices.void_invoice", "InvoiceVoidInvoiceParams")
def void_invoice(store, params, invoice):
    """Void an open invoice."""
    inv = open_invoice(store, invoice, "void")
    cancel_payment(store, inv)
    inv["status"] = "void"
    inv["status_transitions"]["voided_at"] = now()
    store.emit("invoice.voided", inv)
    return inv


@route(
    "POST",
    "/v1/invoices/<invoice>/mark_uncollectible",
    "invoices.mark_uncollectible",
    "InvoiceMarkUncollectibleParams",
)
def mark_uncollectible(store, params, invoice):
    """Mark an open invoice uncollectible."""
    inv = open_invoice(store, invoice, "mark uncollectible")
    inv["status"] = "uncollectible"
    inv["status_transitions"]["marked_uncollectible_at"] = now()
    store.emit("invoice.marked_uncollectible", inv)
    return inv


@route("POST", "/v1/invoices/<invoice>/pay", "invoices.pay", "InvoicePayParams")
def pay_invoice(store, params, invoice):
    """Pay an open invoice out of band, or with a test payment method such as `pm_card_visa`."""
    inv = open_invoice(store, invoice, "pay")
    if params.get("paid_out_of_band"):
        settle(store, inv, out_of_band=True)
        return inv
    method = params.get("payment_method")
    if not method:
        raise StripeAPIError(
            "This invoice has no payment method to charge; pass payment_method "
            "(pm_card_visa succeeds, pm_card_chargeDeclined fails) or paid_out_of_band=true.",
            code="parameter_missing",
            param="payment_method",
        )
    if method in DECLINING_METHODS:
        fail_payment(store, inv, "Your card was declined.")
        raise StripeAPIError(
            "Your card was declined.", status=402, type="card_error", code="card_declined"
        )
    settle(store, inv)
    return inv
