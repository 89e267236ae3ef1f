"""What invoices owed at a moment, from each amount's own time: payments (payments table) and
credit notes (in force from `created` until `voided_at`). Refunds and post-payment credits come
after payment and change nothing owed.

An invoice still open now owed, at `moment`, what it owes now plus what was paid and credited
since, less the credit notes in force then and voided since; one closed since owed what it
was due when it opened (its amount due plus its issued pre-payment credit) less what was paid
and credited by then (it may have left no payment of its own: paid outside Stripe, or before
payments were recorded). The database keeps these rules' result as each invoice's changes
over time (ledger.py), and what is owed now per day of due date (open_amounts, ddl.py): both
are read here as sums, grouped by currency and bucket of days past due.
"""

import functools

from sqlalchemy import (
    BigInteger,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from invoicing.record.tables import invoices, open_amounts, owed_changes, owed_days

DAY = 86400
BUCKETS = ("current", "overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90")

# Open, with 'open' written into the SQL rather than bound: PostgreSQL uses a partial index
# (`WHERE status = 'open'`) only for a constant it can see, and psycopg prepares a statement
# run often, which PostgreSQL may then plan once for any value.
IS_OPEN = invoices.c.status == literal_column("'open'")


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


def _day_start(day):
    """The due date a row of sums per day of due dates stands for (none for -1)."""
    return case((day < 0, None), else_=day * DAY)


# What is owed now, as statements built once (building them costs more than running them):
# the moment and the four days cut by a bucket's start are given at execution.
_MOMENT = bindparam("moment", type_=BigInteger)
_CUT = [bindparam(f"cut{k}", type_=BigInteger) for k in range(4)]


@functools.cache
def _owed_now_statements():
    """The sums of the whole days (kept) and of the days cut by a bucket's start (read)."""
    kept = open_amounts.c
    whole_days = select(
        kept.currency, bucket_of(_MOMENT, _day_start(kept.due_day)).label("bucket"),
        kept.amount, kept.invoices,
    ).where(kept.due_day.not_in(_CUT))  # fmt: skip
    owed = case((invoices.c.amount_remaining > 0, invoices.c.amount_remaining), else_=literal(0))
    # One range of the index per day, each read from the index alone.
    cut_days = union_all(
        *(
            select(invoices.c.currency, bucket_of(_MOMENT).label("bucket"), owed, literal(1))
            .where(IS_OPEN)
            .where(invoices.c.due_date.between(cut * DAY, cut * DAY + DAY - 1))
            for cut in _CUT
        )
    )
    return _grouped(whole_days), _grouped(cut_days)


def _params(moment):
    """The moment, its day, and the four days of due dates cut by a bucket's start: where the
    due date is `moment` less 0, 30, 60 or 90 days. Every other day lies whole in one bucket."""
    params = {"moment": moment, "today": moment // DAY}
    params.update({f"cut{k}": (moment - k * 30 * DAY) // DAY for k in range(4)})
    return params


def _summed(db, statements, moment):
    """[(currency, bucket, sum, count)] of `statements` at `moment`, but buckets of none."""
    return [
        (currency, name, int(total), int(count))
        for statement in statements
        for currency, name, total, count in db.execute(statement, _params(moment))
        if count
    ]


_TODAY = bindparam("today", type_=BigInteger)


@functools.cache
def _owed_then_statement():
    """The sums of the changes of the days before the moment's (kept per day), of the moment's
    own day up to it, and of the days of due dates cut by a bucket's start (read)."""
    days, changes = owed_days.c, owed_changes.c
    # Summed per day of due dates first: the bucket is then worked out once per due day, not
    # once per day of change.
    per_due_day = (
        select(days.currency, days.due_day, func.sum(days.amount), func.sum(days.invoices))
        .where(days.day < _TODAY, days.due_day.not_in(_CUT))
        .group_by(days.currency, days.due_day)
        .subquery()
    )
    currency, due_day, amount, count = per_due_day.c
    whole_days = select(currency, bucket_of(_MOMENT, _day_start(due_day)), amount, count)
    due_day = func.coalesce(changes.due_date // DAY, -1)
    today = select(
        changes.currency, bucket_of(_MOMENT, changes.due_date), changes.amount, changes.invoices
    ).where(changes.at.between(_TODAY * DAY, _MOMENT), due_day.not_in(_CUT))
    cut_days = (
        select(
            changes.currency, bucket_of(_MOMENT, changes.due_date), changes.amount,
            changes.invoices,
        ).where(changes.due_date.between(cut * DAY, cut * DAY + DAY - 1), changes.at <= _MOMENT)
        for cut in _CUT
    )  # fmt: skip
    return (_grouped(union_all(whole_days, today, *cut_days)),)


def owed_by_bucket(db, moment):
    """[(currency, bucket, what was owed, how many invoices)] at `moment`, from what the
    database keeps of each invoice's changes (ledger.py): the sums per day before the moment's
    day, and the changes since."""
    return _summed(db, _owed_then_statement(), moment)


def owed_now_by_bucket(db, moment):
    """[(currency, bucket, what is owed, how many invoices)] for the invoices open now, aged at
    `moment`: summed from what the database keeps per day of due dates (open_amounts), but for
    the days in which a bucket begins, which are summed from their invoices."""
    return _summed(db, _owed_now_statements(), moment)
