"""The outbox: the emails Stripe would send about invoices, recorded instead of sent.

Emulator behaviour, not Stripe's API: Stripe's test mode sends no emails, and no API lists
them. The emulator records the invoice when it is first sent (`invoice`), each later send of an
invoice that is still owed (`reminder`), the receipt when a sent invoice is paid through
Stripe (`receipt`; an invoice paid out of band has no charge, so no receipt), and each credit
note issued on a sent invoice (`credit_note`).
"""

from invoicing.currencies import format_money

from .hosted import day
from .indexes import indexed

indexed("email", "invoice")


def _subject(invoice, kind, note=None):
    number, account = invoice["number"], invoice["account_name"]
    if kind == "credit_note":
        return f"Credit note {note['number']} from {account} for invoice {number}"
    if kind == "receipt":
        return f"Your receipt from {account} for invoice {number}"
    if kind == "reminder":
        return f"Reminder: invoice {number} from {account}"
    return f"Invoice {number} from {account}"


def _credit_note_lines(invoice, note):
    """What a credit note email says: what was credited, why, and what remains due."""
    account, currency = invoice["account_name"], invoice["currency"]
    lines = [
        f"Credit note from {account}",
        f"Credit note number: {note['number']}",
        f"Amount credited: {format_money(note['amount'], currency)}",
    ]
    if note["reason"]:
        lines.append(f"Reason: {note['reason'].replace('_', ' ')}")
    if note["memo"]:
        lines.append(f"Memo: {note['memo']}")
    refunded = sum(refund["amount_refunded"] for refund in note["refunds"])
    credited = note["post_payment_amount"] - refunded - (note["out_of_band_amount"] or 0)
    if refunded:
        lines.append(f"Refunded to the payment method: {format_money(refunded, currency)}")
    if credited:
        lines.append(f"Credited to the account balance: {format_money(credited, currency)}")
    if invoice["status"] in ("open", "uncollectible"):
        lines.append(f"Amount due now: {format_money(invoice['amount_remaining'], currency)}")
    return [*lines, f"Download the credit note PDF: {note['pdf']}"]


def _text(invoice, kind, moment, note=None):
    """The email's plain text at `moment`, as Stripe words it: who sends it, to whom, what is
    owed, paid or credited, by when, and the links to the hosted invoice page and the PDF."""
    account, currency = invoice["account_name"], invoice["currency"]
    lines = [
        f"From: {account}",
        f"To: {invoice['customer_email']}",
        f"Subject: {_subject(invoice, kind, note)}",
        "",
    ]
    if kind == "credit_note":
        lines += _credit_note_lines(invoice, note)
    elif kind == "receipt":
        lines += [
            f"Receipt from {account}",
            f"Amount paid: {format_money(invoice['amount_paid'], currency)}",
            f"Paid on: {day(invoice['status_transitions']['paid_at'] or moment)}",
        ]
    else:
        due = invoice["due_date"]
        if kind == "reminder" and due:
            late = due < moment
            lines.append(f"This invoice {'was' if late else 'is'} due on {day(due)}.")
        lines += [
            f"Invoice from {account}",
            f"Amount due: {format_money(invoice['amount_remaining'], currency)}",
        ]
        if due:
            lines.append(f"Due: {day(due)}")
    settled = kind == "credit_note" and invoice["status"] not in ("open", "uncollectible")
    action = "View the invoice" if kind == "receipt" or settled else "View and pay the invoice"
    lines += [
        f"Invoice number: {invoice['number']}",
        "",
        f"{action}: {invoice['hosted_invoice_url']}",
        f"Download the PDF: {invoice['invoice_pdf']}",
        "",
        "Recorded by the Stripe emulator: no email was sent.",
    ]
    return "\n".join(lines)


def record(store, invoice, kind, note=None):
    """Record an email of `kind` about `invoice` (and its credit `note`, for a credit_note) to
    its customer; None if it has no email."""
    if not invoice["customer_email"]:
        return None
    about = {"credit_note": note["id"]} if note else {}
    moment = store.now()
    return store.add(
        {
            "id": store.new_id("email"),
            "object": "email",
            "to": invoice["customer_email"],
            "subject": _subject(invoice, kind, note),
            "kind": kind,
            "invoice": invoice["id"],
            "hosted_invoice_url": invoice["hosted_invoice_url"],
            "created": moment,
            "text": _text(invoice, kind, moment, note),
            **about,
        }
    )


def emails(store, invoice=None):
    """The recorded emails, newest first, as copies; only those about `invoice` if given."""
    orders = (
        [store.by_type["email"]] if invoice is None else store.filed("email", "invoice", [invoice])
    )
    return [store.render(store.objects[i]) for order in orders for i in reversed(order)]
