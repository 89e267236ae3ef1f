"""An export's records read from the local record in batches, by keyset paging: each batch is
one short read on a connection of its own, starting after the last record of the batch before
(by moment, then id), so that no batch holds more than `size` records, no read scans what
earlier ones returned, and no connection is held while an answer goes out."""

from sqlalchemy import func, or_, select

from invoicing.record import database
from invoicing.record.tables import credit_notes, invoices

# Records per read: a few hundred kilobytes of rows for typical invoices (a few lines each).
BATCH = 500

# An invoice's values, in the order columns.invoice_rows reads them.
INVOICE_FIELDS = (
    "id", "number", "status", "email", "customer_name", "currency", "finalized_at", "due_date",
    "lines", "total", "amount_due", "amount_paid", "amount_remaining", "amount_credited",
    "amount_refunded", "amount_paid_off_stripe",
)  # fmt: skip
_INVOICE_COLUMNS = tuple(invoices.c[name] for name in INVOICE_FIELDS)

_CREDIT_NOTE_COLUMNS = (
    credit_notes.c.id, credit_notes.c.number, credit_notes.c.invoice_id, credit_notes.c.status,
    credit_notes.c.type, credit_notes.c.reason, credit_notes.c.currency, credit_notes.c.created,
    credit_notes.c.voided_at, credit_notes.c.lines, credit_notes.c.amount,
    credit_notes.c.pre_payment_amount, credit_notes.c.post_payment_amount,
    credit_notes.c.refund_amount, credit_notes.c.credit_amount,
    credit_notes.c.out_of_band_amount, credit_notes.c.memo,
    invoices.c.number.label("invoice_number"), invoices.c.email, invoices.c.customer_name,
)  # fmt: skip


def _invoices(issued_only):
    # Drafts were never sent; a finalized invoice has the moment it was finalized.
    query = select(*_INVOICE_COLUMNS).where(
        invoices.c.status != "draft", invoices.c.finalized_at.is_not(None)
    )
    if issued_only:
        query = query.where(invoices.c.status != "void")
    return query, invoices.c.finalized_at, invoices.c.id


def _credit_notes(issued_only):
    joined = credit_notes.outerjoin(invoices, invoices.c.id == credit_notes.c.invoice_id)
    query = select(*_CREDIT_NOTE_COLUMNS).select_from(joined)
    if issued_only:
        query = query.where(credit_notes.c.status == "issued")
    return query, credit_notes.c.created, credit_notes.c.id


_QUERIES = {"invoices": _invoices, "credit-notes": _credit_notes}


def _selection(kind, start, end, issued_only):
    query, moment, key = _QUERIES[kind](issued_only)
    if start is not None:
        query = query.where(moment >= start)
    if end is not None:
        query = query.where(moment < end)
    return query, moment, key


def batches(engine, kind, start=None, end=None, *, issued_only=False, size=None):
    """The records of `kind` ("invoices" by `finalized_at`, drafts left out; "credit-notes" by
    `created`) whose moment is in [start, end), oldest first, as lists of at most `size`;
    `issued_only` leaves out void ones."""
    size = size or BATCH
    query, moment, key = _selection(kind, start, end, issued_only)
    query = query.order_by(moment, key).limit(size)
    after = None
    while True:
        page = query
        if after is not None:
            # (moment, key) > after, written so that an index on the moment bounds the scan.
            last_moment, last_key = after
            page = query.where(moment >= last_moment, or_(moment > last_moment, key > last_key))
        with database.connect(engine) as db:
            rows = db.execute(page).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = (rows[-1]._mapping[moment], rows[-1]._mapping[key])


def count(engine, kind, start=None, end=None, *, issued_only=False):
    """How many records `batches` would give (for a progress bar)."""
    query, _, _ = _selection(kind, start, end, issued_only)
    with database.connect(engine) as db:
        return db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
