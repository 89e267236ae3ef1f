"""The plain CSV export's columns (docs/exports.md): one row per line item, with the invoice's
or credit note's own values repeated on each of its rows; a record without lines still has one
row, its line cells empty."""

from invoicing.exports.cells import amount, iso, number, text, unit_amount

INVOICE_HEADER = (
    "number", "id", "status", "customer_email", "customer_name", "currency", "finalized_at",
    "due_date", "line_price", "line_description", "quantity", "unit_amount", "line_amount",
    "invoice_total", "amount_paid", "amount_remaining", "amount_credited", "amount_refunded",
    "paid_outside_stripe",
)  # fmt: skip

CREDIT_NOTE_HEADER = (
    "number", "id", "invoice_id", "invoice_number", "status", "type", "reason", "currency",
    "created", "voided_at", "customer_email", "customer_name", "line_description", "quantity",
    "line_amount", "credit_note_amount", "pre_payment_amount", "post_payment_amount",
    "refund_amount", "credit_amount", "out_of_band_amount", "memo",
)  # fmt: skip


def whole(value):
    """An integer from a line's JSON, or None for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def lines_of(record):
    """A record's lines (dicts), or one empty line, so that it still has a row."""
    return _lines(record.lines)


def _lines(lines):
    found = [line for line in lines or () if isinstance(line, dict)]
    return found or [{}]


def invoice_rows(invoice):
    """The rows of one invoice (a row of reading.batches)."""
    # By position, in reading.INVOICE_FIELDS's order: by name, each value costs a lookup.
    (
        id_, invoice_number, status, email, customer_name, currency, finalized_at, due_date, lines,
        total, amount_due, amount_paid, amount_remaining, amount_credited, amount_refunded,
        amount_paid_off_stripe,
    ) = invoice  # fmt: skip
    first = [
        text(invoice_number), text(id_), text(status), text(email), text(customer_name),
        text(currency.upper()), iso(finalized_at), iso(due_date),
    ]  # fmt: skip
    last = [
        amount(total if total is not None else amount_due, currency),
        amount(amount_paid, currency), amount(amount_remaining, currency),
        amount(amount_credited, currency), amount(amount_refunded, currency),
        amount(amount_paid_off_stripe, currency),
    ]  # fmt: skip
    for line in _lines(lines):
        quantity, line_amount = whole(line.get("quantity")), whole(line.get("amount"))
        yield [
            *first, text(line.get("price")), text(line.get("description")), number(quantity),
            unit_amount(line_amount, quantity, currency), amount(line_amount, currency), *last,
        ]  # fmt: skip


def credit_note_rows(note):
    """The rows of one credit note (a row of reading.batches)."""
    currency = note.currency
    first = [
        text(note.number), text(note.id), text(note.invoice_id), text(note.invoice_number),
        text(note.status), text(note.type), text(note.reason), text(currency.upper()),
        iso(note.created), iso(note.voided_at), text(note.email), text(note.customer_name),
    ]  # fmt: skip
    last = [
        amount(note.amount, currency), amount(note.pre_payment_amount, currency),
        amount(note.post_payment_amount, currency), amount(note.refund_amount, currency),
        amount(note.credit_amount, currency), amount(note.out_of_band_amount, currency),
        text(note.memo),
    ]  # fmt: skip
    for line in lines_of(note):
        quantity, line_amount = whole(line.get("quantity")), whole(line.get("amount"))
        yield [
            *first, text(line.get("description")), number(quantity),
            amount(line_amount, currency), *last,
        ]  # fmt: skip
