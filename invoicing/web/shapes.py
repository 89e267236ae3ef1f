"""The invoice, the credit note, the refund and the payment as the HTTP interface shows them."""

import json
import time

from invoicing.receivables import days_overdue


def invoice_json(invoice, now=None):
    """The invoice row as JSON (overdue as of `now`)."""
    late = days_overdue(invoice, int(time.time()) if now is None else now)
    # An invoice recorded before Stripe's totals were kept: what it was due when it opened.
    total = invoice.total if invoice.total is not None else invoice.amount_due
    return {
        "id": invoice.id,
        "number": invoice.number,
        "status": invoice.status,
        "payment": invoice.payment,
        "customer": invoice.customer,
        "email": invoice.email,
        "customer_name": invoice.customer_name,
        "amount_due": invoice.amount_due,
        "amount_paid": invoice.amount_paid,
        "currency": invoice.currency,
        "due_date": invoice.due_date,
        "hosted_invoice_url": invoice.hosted_invoice_url,
        "invoice_pdf": invoice.invoice_pdf,
        "description": invoice.description,
        "lines": invoice.lines,
        "created": invoice.created,
        "updated": invoice.updated,
        "amount_remaining": invoice.amount_remaining,
        "overdue": late > 0,
        "days_overdue": late,
        "reminded_at": invoice.reminded_at,
        "reminder_count": invoice.reminder_count,
        "amount_paid_off_stripe": invoice.amount_paid_off_stripe,
        "amount_credited": invoice.amount_credited,
        "paid_off_stripe_memo": invoice.paid_off_stripe_memo,
        "amount_refunded": invoice.amount_refunded,
        "total": total,
        "subtotal": invoice.subtotal if invoice.subtotal is not None else total,
        "total_discount": invoice.total_discount,
        "total_tax": invoice.total_tax,
        "footer": invoice.footer,
        "customer_address": json.loads(invoice.customer_address or "null"),
        "customer_phone": invoice.customer_phone,
        "customer_tax_ids": json.loads(invoice.customer_tax_ids or "[]"),
        "starting_balance": invoice.starting_balance,
    }


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
