"""The invoice, the credit note, the refund and the payment as the HTTP interface shows them."""

import json
import operator
import time

from invoicing.receivables import days_past_due
from invoicing.record.tables import invoices

# What the JSON shows of an invoice, in its order: each column under its own name, but for the
# values worked out from others (overdue, days_overdue), which hold the due date until then.
_KEYS = (
    "id", "number", "status", "payment", "customer", "email", "customer_name", "amount_due",
    "amount_paid", "currency", "due_date", "hosted_invoice_url", "invoice_pdf", "description",
    "lines", "created", "updated", "amount_remaining", "overdue", "days_overdue",
    "reminded_at", "reminder_count", "amount_paid_off_stripe", "amount_credited",
    "paid_off_stripe_memo", "amount_refunded", "total", "subtotal", "total_discount",
    "total_tax", "footer", "customer_address", "customer_phone", "customer_tax_ids",
    "starting_balance",
)  # fmt: skip
_WORKED_OUT = ("overdue", "days_overdue")
# A row of `select(invoices)` read by position: by name, each value costs a lookup, and a
# page has a hundred rows of thirty-five.
_COLUMNS = invoices.c.keys()
_VALUES = operator.itemgetter(
    *(_COLUMNS.index("due_date" if key in _WORKED_OUT else key) for key in _KEYS)
)


def invoice_json(invoice, now=None):
    """An invoice (a row of `select(invoices)`) as JSON, overdue as of `now`."""
    shown = dict(zip(_KEYS, _VALUES(invoice), strict=True))
    late = 0
    if shown["status"] == "open":
        late = days_past_due(shown["due_date"], int(time.time()) if now is None else now)
    shown["overdue"], shown["days_overdue"] = late > 0, late
    # An invoice recorded before Stripe's totals were kept: what it was due when it opened.
    if shown["total"] is None:
        shown["total"] = shown["amount_due"]
    if shown["subtotal"] is None:
        shown["subtotal"] = shown["total"]
    # Most invoices have no address or tax IDs: nothing to parse.
    address, tax_ids = shown["customer_address"], shown["customer_tax_ids"]
    shown["customer_address"] = json.loads(address) if address else None
    shown["customer_tax_ids"] = json.loads(tax_ids) if tax_ids else []
    return shown


CREDIT_NOTE_FIELDS = (
    "id", "number", "status", "type", "amount", "pre_payment_amount", "post_payment_amount",
    "refund_amount", "credit_amount", "out_of_band_amount", "reason", "memo", "pdf", "lines",
    "created", "voided_at",
)  # fmt: skip


def credit_note_json(fields):
    """A credit note (a row, or a preview's fields) as JSON."""
    values = fields._mapping if hasattr(fields, "_mapping") else fields
    return {"invoice": values["invoice_id"], **{key: values[key] for key in CREDIT_NOTE_FIELDS}}


def refund_json(refund):
    """A refund (as refunds.refunds_for gives it) as JSON."""
    keys = ("id", "amount", "status", "created", "reason", "failure_reason")
    return {**{key: refund[key] for key in keys}, "credit_note": refund["credit_note_id"]}


def payment_json(payment):
    """A payment row as JSON."""
    return {"id": payment.id, "amount": payment.amount, "paid_at": payment.paid_at}
