"""What invoices owed at a moment, from each amount's own time, summed by the database:
payments (payments table) and credit notes (in force from `created` until `voided_at`).
Refunds and post-payment credits come after payment and change nothing owed.

An invoice still open now owed, at `moment`, what it owes now plus what was paid and credited
since, less the credit notes in force then and voided since; one closed since owed what it
was due when it opened (its amount due plus its issued pre-payment credit) less what was paid
and credited by then (it may have left no payment of its own: paid outside Stripe, or before
payments were recorded).
"""

from sqlalchemy import and_, case, func, literal, or_, select

from invoicing.record.tables import credit_notes, invoices, payments

DAY = 86400
BUCKETS = ("current", "overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90")


def _sum(table, condition, column):
    """The sum of `column` over the invoice's rows of `table` where `condition` holds."""
    return (
        select(func.coalesce(func.sum(column), 0))
        .where(table.c.invoice_id == invoices.c.id, condition)
        .scalar_subquery()
    )


def open_at_condition(moment):
    """The invoices open at `moment` (Stripe's times): opened by then and not yet paid, void or
    uncollectible."""
    return and_(
        invoices.c.finalized_at <= moment,
        invoices.c.status != "draft",
        or_(
            invoices.c.closed_at > moment,
            invoices.c.closed_at.is_(None) & (invoices.c.status == "open"),
        ),
    )


def owed_then(moment):
    """The SQL expression of what an invoice open at `moment` owed then."""
    pre = credit_notes.c.pre_payment_amount
    issued = credit_notes.c.status == "issued"
    in_force = (credit_notes.c.created <= moment) & (issued | (credit_notes.c.voided_at > moment))
    paid = payments.c.amount
    still_open = (
        invoices.c.amount_remaining
        + _sum(payments, payments.c.paid_at > moment, paid)
        + _sum(credit_notes, issued & (credit_notes.c.created > moment), pre)
        - _sum(credit_notes, ~issued & in_force, pre)
    )
    closed_since = (
        invoices.c.amount_due
        + _sum(credit_notes, issued, pre)
        - _sum(credit_notes, in_force, pre)
        - _sum(payments, payments.c.paid_at <= moment, paid)
    )
    owed = case((invoices.c.status == "open", still_open), else_=closed_since)
    return case((owed > 0, owed), else_=literal(0))


def bucket_of(moment):
    """The SQL expression of an invoice's bucket of days past due at `moment` (a started day
    counts as one)."""
    late = moment - invoices.c.due_date
    return case(
        (invoices.c.due_date.is_(None) | (late <= 0), "current"),
        (late <= 30 * DAY, "overdue_1_30"),
        (late <= 60 * DAY, "overdue_31_60"),
        (late <= 90 * DAY, "overdue_61_90"),
        else_="overdue_over_90",
    )


def owed_by_bucket(db, moment):
    """[(currency, bucket, what was owed, how many invoices)] at `moment`, grouped by the
    database."""
    owed, bucket = owed_then(moment).label("owed"), bucket_of(moment).label("bucket")
    rows = select(invoices.c.currency, bucket, owed).where(open_at_condition(moment)).subquery()
    query = select(rows.c.currency, rows.c.bucket, func.sum(rows.c.owed), func.count()).group_by(
        rows.c.currency, rows.c.bucket
    )
    return [
        (currency, name, int(total), count) for currency, name, total, count in db.execute(query)
    ]
