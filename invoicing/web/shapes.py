"""The invoice as the HTTP interface shows it."""

import time

from invoicing.receivables import days_overdue


def invoice_json(invoice, now=None):
    """The invoice row as JSON (overdue as of `now`)."""
    late = days_overdue(invoice, int(time.time()) if now is None else now)
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
        "paid_off_stripe_memo": invoice.paid_off_stripe_memo,
    }
