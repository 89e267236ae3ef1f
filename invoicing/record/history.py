"""What invoices owed at a moment, from each amount's own time, summed by the database:
payments (payments table) and credit notes (in force from `created` until `voided_at`).
Refunds and post-payment credits come after payment and change nothing owed.

An invoice still open now owed, at `moment`, what it owes now plus what was paid and credited
since, less the credit notes in force then and voided since; one closed since owed what it
was due when it opened (its amount due plus its issued pre-payment credit) less what was paid
and credited by then (it may have left no payment of its own: paid outside Stripe, or before
payments were recorded).
"""

import functools

from sqlalchemy import BigInteger, and_, bindparam, case, func, literal, or_, select, union_all

from invoicing.record.tables import credit_notes, invoices, open_amounts, payments

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


def owed_then(moment, greatest):
    """The SQL expression of what an invoice open at `moment` owed then (never below 0, by
    the dialect's `greatest` of two values, which computes the sums once)."""
    pre = credit_notes.c.pre_payment_amount
    issued = credit_notes.c.status == "issued"
    in_force = (credit_notes.c.created <= moment) & (issued | (credit_notes.c.voided_at > moment))
    paid = payments.c.amount
    # Most invoices have no credit note: one look for any spares the sums' own.
    credited = select(credit_notes.c.id).where(credit_notes.c.invoice_id == invoices.c.id).exists()
    still_open = (
        invoices.c.amount_remaining
        + _sum(payments, payments.c.paid_at > moment, paid)
        + case(
            (
                credited,
                _sum(credit_notes, issued & (credit_notes.c.created > moment), pre)
                - _sum(credit_notes, ~issued & in_force, pre),
            ),
            else_=literal(0),
        )
    )
    closed_since = (
        invoices.c.amount_due
        + case(
            (credited, _sum(credit_notes, issued, pre) - _sum(credit_notes, in_force, pre)),
            else_=literal(0),
        )
        - _sum(payments, payments.c.paid_at <= moment, paid)
    )
    return greatest(case((invoices.c.status == "open", still_open), else_=closed_since), 0)


def bucket_of(moment, due_date=invoices.c.due_date):
    """The SQL expression of an invoice's bucket of days past due at `moment` (a started day
    counts as one), from its `due_date`."""
    late = moment - due_date
    return case(
        (due_date.is_(None) | (late <= 0), "current"),
        (late <= 30 * DAY, "overdue_1_30"),
        (late <= 60 * DAY, "overdue_31_60"),
        (late <= 90 * DAY, "overdue_61_90"),
        else_="overdue_over_90",
    )


def _grouped(rows):
    """The sums and counts of `rows` (currency, bucket, amount, how many) per currency and
    bucket."""
    rows = rows.subquery()
    currency, bucket, amount, count = rows.c
    return select(currency, bucket, func.sum(amount), func.sum(count)).group_by(currency, bucket)


def _by_bucket(db, rows):
    """[(currency, bucket, sum, count)] of `rows` (currency, bucket, amount, how many), grouped
    by the database."""
    found = db.execute(_grouped(rows))
    return [(currency, name, int(total), int(n)) for currency, name, total, n in found]


def owed_by_bucket(db, moment):
    """[(currency, bucket, what was owed, how many invoices)] at `moment`, grouped by the
    database."""
    greatest = func.greatest if db.dialect.name == "postgresql" else func.max
    rows = select(
        invoices.c.currency,
        bucket_of(moment).label("bucket"),
        owed_then(moment, greatest),
        literal(1),
    ).where(open_at_condition(moment))
    return _by_bucket(db, rows)


# What is owed now, as statements built once (building them costs more than running them):
# the moment and the four days cut by a bucket's start are given at execution.
_MOMENT = bindparam("moment", type_=BigInteger)
_CUT = [bindparam(f"cut{k}", type_=BigInteger) for k in range(4)]


@functools.cache
def _owed_now_statements():
    """The sums of the whole days (kept) and of the days cut by a bucket's start (read)."""
    kept = open_amounts.c
    day = case((kept.due_day < 0, None), else_=kept.due_day * DAY)
    whole_days = select(
        kept.currency, bucket_of(_MOMENT, day).label("bucket"), kept.amount, kept.invoices
    ).where(kept.due_day.not_in(_CUT))
    owed = case((invoices.c.amount_remaining > 0, invoices.c.amount_remaining), else_=literal(0))
    # One range of the index per day, each read from the index alone.
    cut_days = union_all(
        *(
            select(invoices.c.currency, bucket_of(_MOMENT).label("bucket"), owed, literal(1))
            .where(invoices.c.status == "open")
            .where(invoices.c.due_date.between(cut * DAY, cut * DAY + DAY - 1))
            for cut in _CUT
        )
    )
    return _grouped(whole_days), _grouped(cut_days)


def owed_now_by_bucket(db, moment):
    """[(currency, bucket, what is owed, how many invoices)] for the invoices open now, aged at
    `moment`: summed from what the database keeps per day of due dates (open_amounts), but for
    the days in which a bucket begins, which are summed from their invoices."""
    # A bucket begins where the due date is `moment` less 0, 30, 60 or 90 days: in four days
    # of due dates. Every other day lies whole in one bucket.
    params = {"moment": moment}
    params.update({f"cut{k}": (moment - k * 30 * DAY) // DAY for k in range(4)})
    return [
        (currency, name, int(total), int(count))
        for statement in _owed_now_statements()
        for currency, name, total, count in db.execute(statement, params)
        if count
    ]
