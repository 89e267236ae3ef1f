"""Invoices: a row per Stripe invoice this server sent, moved only forward by what Stripe says
(each change one conditional UPDATE, see statements.py), and the reads the pages and jobs make."""

import functools
import time

from sqlalchemy import (
    BigInteger,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union,
    update,
)

from invoicing.errors import NotFoundError
from invoicing.record.ddl import EMAIL_HEAD
from invoicing.record.history import IS_OPEN, open_at_condition
from invoicing.record.snapshots import MIRRORED, changes_of, is_stripe_id
from invoicing.record.statements import (
    Change,
    built_once,
    columns_only,
    make_change,
    search_values,
    skip_conflicts,
    stamp,
)
from invoicing.record.tables import invoices

# paid and void are final; uncollectible can still be paid or voided, as on Stripe.
STATUS_RANK = {"draft": 0, "open": 1, "uncollectible": 2, "paid": 3, "void": 3}
FINAL = 3
# A succeeded payment is final; otherwise the newest attempt wins.
PAYMENT_RANK = {None: 0, "processing": 1, "failed": 2, "succeeded": 3}

_MOVING = (
    *MIRRORED, "total_discount", "total_tax", "customer_address", "customer_tax_ids",
    "finalized_at", "closed_at",
)  # fmt: skip


_insert_invoice = built_once(skip_conflicts(invoices, invoices.c.id))


def record_invoice(db, fields):
    """Insert a new invoice row, or move an existing one forward to `fields`."""
    values = {**fields, "status_rank": STATUS_RANK[fields["status"]], **stamp()}
    values["recorded"] = values["changed"]
    inserted = db.execute(_insert_invoice(db), columns_only(invoices, values)).first()
    if inserted is None:
        changes = {k: fields[k] for k in _MOVING if k in fields}
        if fields.get("payment_intent"):
            changes["payment_intent"] = fields["payment_intent"]
        advance_status(db, fields["id"], fields["status"], changes)


def record_paid_off_stripe(db, invoice_id, amount, memo):
    """Note what was paid outside Stripe, once: a repeat of the same marking changes nothing."""
    db.execute(
        update(invoices)
        .where(invoices.c.id == invoice_id, invoices.c.amount_paid_off_stripe == 0)
        .values(amount_paid_off_stripe=amount, paid_off_stripe_memo=memo, **stamp())
    )


def delete_invoice(db, invoice_id):
    """Remove the row of a draft that was deleted at Stripe."""
    db.execute(invoices.delete().where(invoices.c.id == invoice_id))


# Set once: the first time an invoice opened, and the first time it left `open`.
_FIRST_ONLY = ("finalized_at", "closed_at")
_CLOSED = ("paid", "void", "uncollectible")


def _build_advance_status(columns, final):
    def build(_dialect):
        allowed = invoices.c.status_rank < bindparam("p_rank")
        if not final:
            allowed = invoices.c.status_rank <= bindparam("p_rank")
        # Only a real change is written, so that repeats (redeliveries, reconciliation) keep
        # the change stamps, and with them the pages' `?since=` cursor, still.
        moved = [
            invoices.c[column].is_distinct_from(bindparam(f"v_{column}"))
            for column in columns
            if column not in ("updated", "changed", "status_rank", *_FIRST_ONLY)
        ]
        values = {
            column: func.coalesce(invoices.c[column], bindparam(f"v_{column}"))
            if column in _FIRST_ONLY
            else bindparam(f"v_{column}")
            for column in columns
        }
        conditions = [invoices.c.id == bindparam("p_id"), allowed, or_(*moved)]
        if "amount_paid" in columns:
            # Payments only add up: an older snapshot never takes one back.
            conditions.append(invoices.c.amount_paid <= bindparam("v_amount_paid"))
        return update(invoices).where(*conditions).values(values)

    return build


def status_change(invoice_id, status, changes=None):
    """The change that sets the status (and fields) only if it moves the invoice forward."""
    rank = STATUS_RANK[status]
    values = {**(changes or {}), "status": status, "status_rank": rank, **stamp()}
    if status == "paid":
        values.update(payment="succeeded", payment_rank=PAYMENT_RANK["succeeded"])
        values.setdefault("amount_remaining", 0)
    # Stripe's own times when the snapshot has them; else now, when this record learns of it.
    if status != "draft":
        values.setdefault("finalized_at", values["updated"])
    if status in _CLOSED:
        values.setdefault("closed_at", values["updated"])
    columns = tuple(sorted(values))
    final = rank >= FINAL
    params = {f"v_{column}": values[column] for column in columns}
    params.update(p_id=invoice_id, p_rank=rank)
    build = _build_advance_status(columns, final)
    return Change("advance_status", (columns, final), build, params)


def snapshot_change(invoice_id, status, snapshot):
    """The change that moves the invoice forward to `status` with what a Stripe invoice (a
    dict) says."""
    return status_change(invoice_id, status, changes_of(snapshot))


def advance_status(db, invoice_id, status, changes=None):
    """Set the status (and fields) only if it moves the invoice forward; return True if it did."""
    return make_change(db, status_change(invoice_id, status, changes))


def apply_snapshot(db, invoice_id, status, snapshot):
    """Move the invoice forward to `status` with what a Stripe invoice (a dict) says."""
    return make_change(db, snapshot_change(invoice_id, status, snapshot))


def _build_advance_payment(_dialect):
    at, rank, payment = bindparam("p_at"), bindparam("p_rank"), bindparam("v_payment")
    return (
        update(invoices)
        .where(
            invoices.c.id == bindparam("p_id"),
            invoices.c.payment_rank < PAYMENT_RANK["succeeded"],
            # Events carry whole seconds: within one, the attempt heard of last is taken as
            # the latest (a retry right after a failure is processing, not failed).
            or_(
                invoices.c.payment_at < at,
                (invoices.c.payment_at == at) & invoices.c.payment.is_distinct_from(payment),
            ),
        )
        .values(
            payment=payment,
            payment_rank=rank,
            payment_at=at,
            updated=bindparam("v_updated"),
            changed=bindparam("v_changed"),
        )
    )


def payment_change(invoice_id, payment, at):
    """The change that records a payment attempt's outcome unless a newer one (or success) is
    already known; within one second, the last one heard of."""
    stamped = stamp()
    params = {
        "p_id": invoice_id,
        "p_at": at,
        "p_rank": PAYMENT_RANK[payment],
        "v_payment": payment,
        "v_updated": stamped["updated"],
        "v_changed": stamped["changed"],
    }
    return Change("advance_payment", None, _build_advance_payment, params)


_INVOICE = select(invoices).where(invoices.c.id == bindparam("b_id"))


def get_invoice(db, invoice_id):
    """One invoice row, or None."""
    return db.execute(_INVOICE, {"b_id": invoice_id}).first()


def lock_invoice(db, invoice_id):
    """One invoice row, locked until the end of the transaction (PostgreSQL), or None.

    Every unit of work that writes an invoice's credit notes, refunds or payments and then its
    totals takes this lock first: they then queue in one order, where taking the child row
    first could deadlock with a webhook taking them the other way round.
    """
    return db.execute(select(invoices).where(invoices.c.id == invoice_id).with_for_update()).first()


def require_invoice(db, invoice_id):
    """One invoice row, or NotFoundError."""
    # An id Stripe could never have made (a NUL, say, which PostgreSQL refuses) names nothing.
    invoice = get_invoice(db, invoice_id) if is_stripe_id(invoice_id) else None
    if invoice is None:
        raise NotFoundError(f"No invoice {invoice_id!r}.")
    return invoice


STATUSES = ("draft", "open", "paid", "void", "uncollectible", "overdue")


def search_terms(prefix, word, head=None):
    """The conditions of a search (LIKE patterns, see statements.search_values), one per way
    of reading it: a prefix (case-insensitive) of the invoice's number, of the customer's
    email, or of any word of the customer's name. With `head` (a search's first EMAIL_HEAD
    characters, for one that long), the email's term also compares the email's first
    characters with it: the key of PostgreSQL's index of them (ddl.SEARCH_INDEXES)."""
    name = func.lower(invoices.c.customer_name)
    email = invoices.c.email.like(prefix, escape="\\")
    if head is not None:
        # Written as the index is, constants and all, so that PostgreSQL matches the two.
        first = func.substr(invoices.c.email, literal_column("1"), literal_column(str(EMAIL_HEAD)))
        email = and_(first == head, email)
    return (
        func.lower(invoices.c.number).like(prefix, escape="\\"),
        email,
        or_(name.like(prefix, escape="\\"), name.like(word, escape="\\")),
    )


_MOMENT = {"type_": BigInteger}
_NEWEST = (invoices.c.created.desc(), invoices.c.recorded.desc())


@functools.cache
def _page(changed, after, email, status, q, dialect):
    """A page's statement, for one shape of its filters (each a flag, `status` None, "overdue"
    or "one", `q` None, "short" or "long": EMAIL_HEAD characters or more) and one database
    (`dialect`'s name), built once with its values given at execution (`list_invoices`):
    building it and working out its cache key cost more than a page's query does. On
    PostgreSQL a search's terms are each read apart (`_matching`), in the newest-first order
    only: changes since a cursor are few."""
    filters = []
    if after:
        # A row comparison, which both databases answer from the (created, recorded) index.
        position = tuple_(invoices.c.created, invoices.c.recorded)
        bound = tuple_(bindparam("b_created", **_MOMENT), bindparam("b_recorded", **_MOMENT))
        filters.append(position < bound)
    if changed:
        filters.append(invoices.c.changed > bindparam("b_since", **_MOMENT))
    if email:
        filters.append(invoices.c.email == bindparam("b_email"))
    if status == "overdue":
        due = invoices.c.due_date
        if dialect == "sqlite":
            # SQLite, which keeps no histogram, would read every overdue invoice through the
            # index of open invoices' due dates and sort them all. `+ 0` keeps that index
            # out: it reads the status index newest first, checks each due date inside the
            # index, and stops at a page (PostgreSQL's statistics choose that alone).
            due = due + literal_column("0")
        filters.extend((IS_OPEN, due < bindparam("b_now", **_MOMENT)))
    elif status:
        filters.append(invoices.c.status == bindparam("b_status"))
    apart = q and not changed and dialect == "postgresql"
    head = bindparam("b_head") if apart and q == "long" else None
    terms = search_terms(bindparam("b_prefix"), bindparam("b_word"), head) if q else ()
    if apart:
        filters, terms = [invoices.c.id.in_(_matching(filters, terms))], ()
    elif terms:
        filters.append(or_(*terms))
    query = select(invoices).where(*filters).limit(bindparam("b_limit"))
    if changed:
        return query.order_by(invoices.c.changed, invoices.c.id)
    return query.order_by(*_NEWEST)


def _matching(filters, terms):
    """The ids of the newest page of invoices that match each search term, apart, together:
    PostgreSQL then reads each from its own index or from the newest invoices, whichever its
    statistics say is cheaper for that term, where one condition over all of them is read in
    one way for all (from the newest invoices, when any term is common, testing every term on
    each)."""
    limit = bindparam("b_limit")
    return union(
        *(select(invoices.c.id).where(*filters, term).order_by(*_NEWEST).limit(limit)
          for term in terms)
    )  # fmt: skip


def list_invoices(db, email=None, since=None, status=None, limit=100, q=None, after=None):
    """Invoices newest first, optionally for one email, in one of STATUSES (`overdue`: open and
    past its due date now), matching a search `q`, and after the invoice row `after` (a page's
    last); or, with a `since` cursor, those changed after it, in the order they changed (so
    that a full page can be followed by the next)."""
    values = {"b_limit": limit}
    if since is not None:
        after = None  # changes come in the order they were made, not by creation
        values["b_since"] = since
    if after is not None:
        values.update(b_created=after.created, b_recorded=after.recorded)
    if email:
        values["b_email"] = email.lower()
    if status == "overdue":
        values["b_now"] = int(time.time())
    elif status:
        values["b_status"] = status
    search = None
    if q:
        values.update(search_values(q))
        head = q.lower()[:EMAIL_HEAD]
        search = "long" if len(head) == EMAIL_HEAD else "short"
        values["b_head"] = head  # bound only where the statement compares it (`_page`)
    shape = "overdue" if status == "overdue" else "one" if status else None
    query = _page(since is not None, after is not None, bool(email), shape, search, db.dialect.name)
    return db.execute(query, values).all()


def open_at(db, moment):
    """The invoices that were open at `moment` (Stripe's times): opened by then and not yet
    paid, void or uncollectible."""
    return db.execute(select(invoices).where(open_at_condition(moment))).all()


def name_lines(db, invoice_id, facts, complete):
    """Give the invoice's lines, in order, what Stripe says of each (`facts`, as
    snapshots.line_facts gives them: its id `line`, and its `discount` and `tax`); `complete`
    if `facts` cover all Stripe has (the rest are then left unnamed for good)."""
    invoice = get_invoice(db, invoice_id)
    if invoice is None:
        return
    lines = [
        {**line, **facts[i]} if i < len(facts) else line for i, line in enumerate(invoice.lines)
    ]
    db.execute(
        update(invoices)
        .where(invoices.c.id == invoice_id)
        .values(lines=lines, lines_unnamed=not complete and len(facts) < len(lines))
    )


def with_unnamed_lines(db, limit):
    """Ids of up to `limit` sent invoices some of whose lines lack Stripe's id, oldest first."""
    query = (
        select(invoices.c.id)
        .where(invoices.c.lines_unnamed, invoices.c.status != "draft")
        .order_by(invoices.c.created)
        .limit(limit)
    )
    return list(db.execute(query).scalars())


def record_reminder(db, invoice_id, at):
    """Note that Stripe sent the invoice again at `at`."""
    db.execute(
        update(invoices)
        .where(invoices.c.id == invoice_id)
        .values(reminded_at=at, reminder_count=invoices.c.reminder_count + 1, **stamp())
    )


_NEWEST_CHANGE = select(func.max(invoices.c.changed))


def cursor(db):
    """The newest change stamp: pass it back as `since` to get only later changes."""
    return db.execute(_NEWEST_CHANGE).scalar() or 0


def unfinished_invoice_ids(db):
    """Ids of local invoices not yet paid or void."""
    return list(db.execute(select(invoices.c.id).where(invoices.c.status_rank < FINAL)).scalars())


def oldest_created(db):
    """When the oldest local invoice was created (Stripe's time), or None if there is none."""
    return db.execute(select(func.min(invoices.c.created))).scalar()
