"""What invoices owed at a past moment, from each amount's own time: payments (payments table)
and credit notes (issued at `created`, given back at `voided_at`). Refunds and post-payment
credits come after payment, and change nothing owed."""

from collections import defaultdict

from sqlalchemy import select

from invoicing.record.tables import credit_notes, payments

# Ids per query: well under SQLite's limit of bound parameters.
_BATCH = 500


def _rows(db, table, ids):
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        yield from db.execute(select(table).where(table.c.invoice_id.in_(chunk)))


def owed_at(db, invoices, moment):
    """{invoice id: what it owed at `moment`} for invoice rows open then."""
    ids = [invoice.id for invoice in invoices]
    paid_by, paid_after = defaultdict(int), defaultdict(int)
    for payment in _rows(db, payments, ids):
        (paid_by if payment.paid_at <= moment else paid_after)[payment.invoice_id] += payment.amount
    # Pre-payment credit in force at `moment`, and how the current amounts differ from then.
    in_force, issued_since, voided_since = defaultdict(int), defaultdict(int), defaultdict(int)
    issued_now = defaultdict(int)
    for note in _rows(db, credit_notes, ids):
        pre = note.pre_payment_amount
        voided = note.status == "void"
        if not voided:
            issued_now[note.invoice_id] += pre
        if note.created <= moment and not (voided and note.voided_at <= moment):
            in_force[note.invoice_id] += pre
            if voided:
                voided_since[note.invoice_id] += pre
        elif note.created > moment and not voided:
            issued_since[note.invoice_id] += pre
    owed = {}
    for invoice in invoices:
        i = invoice.id
        if invoice.status == "open":
            # Back from what it owes now: add what was paid and credited since, take off what
            # was in force then and has been given back since.
            then = invoice.amount_remaining + paid_after[i] + issued_since[i] - voided_since[i]
        else:
            # Forward from what it was due when it opened (a closed one may have left no
            # payment of its own: paid outside Stripe, or before payments were recorded).
            then = invoice.amount_due + issued_now[i] - in_force[i] - paid_by[i]
        owed[i] = max(0, then)
    return owed
