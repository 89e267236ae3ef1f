"""Receivables: what is owed at a moment, aged by days past due, and which invoices are due a
reminder.

An invoice counts as owed at a moment if it had opened by then and had not yet been paid,
voided or marked uncollectible (Stripe's own times). What it owed then follows from each
amount's own time: the payments made by then and the credit notes in force then (issued, and
not yet voided) lower what it was due when it opened.
"""

from invoicing.record import history, invoices
from invoicing.record.history import BUCKETS, DAY


def days_past_due(due_date, at):
    """Whole days past `due_date` at `at`, a started day counting as one; 0 if not past."""
    if due_date is None or at <= due_date:
        return 0
    return -((due_date - at) // DAY)


def days_overdue(invoice, at):
    """Whole days an open invoice is past its due date at `at`; 0 for any other."""
    return days_past_due(invoice.due_date, at) if invoice.status == "open" else 0


def aging(db, as_of, now=False):
    """Per currency: what is owed at `as_of` in each bucket of days past due, its total and
    how many invoices; sorted by currency. Summed by the database (record/history.py): `now`
    reads what the record holds now, aged at `as_of`, from the sums the database keeps; else
    each amount's own time says what was owed at `as_of`."""
    report = {}
    rows = history.owed_now_by_bucket(db, as_of) if now else history.owed_by_bucket(db, as_of)
    for currency, bucket, owed, count in rows:
        row = report.setdefault(
            currency, {"currency": currency, **dict.fromkeys(BUCKETS, 0), "total": 0, "count": 0}
        )
        row[bucket] += owed
        row["total"] += owed
        row["count"] += count
    return [report[currency] for currency in sorted(report)]


def due_for_reminder(db, days_overdue, as_of, now):
    """Open invoices at least `days_overdue` days past due at `as_of` and not reminded in the
    last `days_overdue` days before `now`; oldest due first."""
    recent = now - days_overdue * DAY
    chosen = []
    for invoice in invoices.open_at(db, as_of):
        if invoice.status != "open":
            continue  # closed since `as_of`: nothing to chase now
        if days_past_due(invoice.due_date, as_of) < max(days_overdue, 1):
            continue
        if invoice.reminded_at is not None and invoice.reminded_at > recent:
            continue
        chosen.append(invoice)
    return sorted(chosen, key=lambda invoice: (invoice.due_date, invoice.id))
