"""The local record (SQLAlchemy 2 Core): customers, invoices and events, read and written;
the engine; and the one rule for transactions (the tables are in tables.py).

Transactions: the store never commits. Each caller owns its unit of work:
`with store.begin() as db:` commits when the block ends and rolls back on an error;
`with store.connect() as db:` only reads. Every function here (and in bookkeeping.py) takes
that `db` (a Connection).

Every change an event makes is one conditional UPDATE, so the record only moves forward
whatever order events arrive in, and no read-modify-write race exists between workers.
"""

import os
import re
import time
from typing import NamedTuple

from flask import current_app
from sqlalchemy import (
    bindparam,
    create_engine,
    event,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from errors import NotFoundError
from tables import customers, events, invoices

# paid and void are final; uncollectible can still be paid or voided, as on Stripe.
STATUS_RANK = {"draft": 0, "open": 1, "uncollectible": 2, "paid": 3, "void": 3}
FINAL = 3
# A succeeded payment is final; otherwise the newest attempt wins.
PAYMENT_RANK = {None: 0, "processing": 1, "failed": 2, "succeeded": 3}

# The engine and units of work.


def _sqlite_pragmas(connection, _record):
    cursor = connection.cursor()
    # WAL lets pages read while a webhook writes; the timeout queues writers instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url):
    """An engine for `url`, with SQLite tuned for several threads and processes."""
    # No ping before each checkout (a round trip per event on PostgreSQL): a connection found
    # dead fails its one request (503; Stripe delivers again) and SQLAlchemy then renews the
    # whole pool.
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def init_app(app):
    """Open the database named by the config (its schema is migrate.py's)."""
    url = app.config["DATABASE_URL"]
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = f"sqlite:///{os.path.join(app.instance_path, 'invoicing.db')}"
    app.extensions["db"] = make_engine(url)


def _engine(engine):
    return engine if engine is not None else current_app.extensions["db"]


def begin(engine=None):
    """A unit of work: `with store.begin() as db:` commits at the end, rolls back on error."""
    return _engine(engine).begin()


def connect(engine=None):
    """A read: `with store.connect() as db:` (anything left open is rolled back)."""
    return _engine(engine).connect()


def _insert(dialect, table):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_into(db, table):
    """An INSERT for the dialect of `db`, which can skip conflicts (`on_conflict_do_nothing`)
    or update (`on_conflict_do_update`)."""
    return _insert(db.dialect.name, table)


def built_once(build):
    """`build(dialect)`'s statement, made once per dialect and reused with its values given
    at execution (`db.execute(statement(db), values)`): SQLAlchemy then neither builds it
    nor works out its cache key again, which costs several times what running it does."""
    made = {}

    def statement(db):
        name = db.dialect.name
        found = made.get(name)
        if found is None:
            found = made[name] = build(name)
        return found

    return statement


def columns_only(table, values):
    """`values` if every key names a column of `table`; else a TypeError (a statement built
    once takes its columns from the values given, and would skip a misspelt one silently)."""
    unknown = [key for key in values if key not in table.c]
    if unknown:
        raise TypeError(f"not columns of {table.name}: {', '.join(unknown)}")
    return values


def skip_conflicts(table, key):
    """An INSERT of the values given at execution that skips a row already there, RETURNING
    `key` (a column) if it went in: a statement for `built_once`."""
    return lambda dialect: _insert(dialect, table).on_conflict_do_nothing().returning(key)


# The statements events run, built and compiled once per dialect and shape, then run on the
# driver's cursor in the caller's transaction: SQLAlchemy's own work for each execution (cache
# keys, parameter and result processing) costs more than the statement (see BENCHMARKS.md).
_statements = {}


def _run(db, name, shape, build, params):
    """Run a hot-path statement on the driver's cursor, inside `db`'s transaction (begun if
    none is); return (rows changed, the first row returned or None)."""
    key = (db.dialect.name, name, shape)
    found = _statements.get(key)
    if found is None:
        compiled = build(db.dialect.name).compile(dialect=db.dialect)
        found = _statements[key] = (compiled.string, compiled.positiontup, compiled.params)
    sql, order, constants = found
    if not db.in_transaction():
        db.begin()  # as SQLAlchemy's autobegin would: the caller's commit covers this
    values = {**constants, **params}
    cursor = db.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, [values[column] for column in order] if order else values)
        row = cursor.fetchone() if cursor.description else None
        return cursor.rowcount, row
    finally:
        cursor.close()


class Change(NamedTuple):
    """One hot-path UPDATE of an invoice, ready to run: `_run`'s arguments."""

    name: str
    shape: object
    build: object
    params: dict


def _stamp():
    """The change stamps every write sets: seconds for people, microseconds for cursors."""
    micros = time.time_ns() // 1000
    return {"updated": micros // 1_000_000, "changed": micros}


# What the record mirrors from Stripe's invoice, and how a snapshot maps onto it.
_BIGINT = 2**63
# Stripe's ids are letters, digits and underscores after their prefix.
_ID = re.compile("[A-Za-z0-9_]{1,255}")
_NUMBER = re.compile("[\x21-\x7e][\x20-\x7e]{0,254}")
# Only web addresses are kept as links: never `javascript:`, never control characters.
_URL = re.compile("https?://[\x21-\x7e]{1,2048}", re.IGNORECASE)


def _amount(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _BIGINT


def _matches(pattern):
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


# What the record mirrors from Stripe's invoice, each with the check a value must pass: even a
# signed event is not trusted for what the pages render as links or amounts.
MIRRORED = {
    "number": _matches(_NUMBER),
    "amount_due": _amount,
    "amount_paid": _amount,
    "amount_remaining": _amount,
    "due_date": _amount,
    "hosted_invoice_url": _matches(_URL),
    "invoice_pdf": _matches(_URL),
}
is_stripe_id = _matches(_ID)


def invoice_id_of(snapshot):
    """The id of a Stripe invoice (a dict), or None if it has none that fits."""
    value = snapshot.get("id")
    return value if is_stripe_id(value) else None


def changes_of(snapshot):
    """What a Stripe invoice (a dict) may change on the local record: the mirrored fields that
    it carries with a value that passes their check (any other, which Stripe never sends,
    reads as missing). The status is applied on its own, forward only."""
    changes = {
        key: value
        for key, fits in MIRRORED.items()
        if (value := snapshot.get(key)) is not None and fits(value)
    }
    moments = snapshot.get("status_transitions")
    if isinstance(moments, dict):
        if _amount(opened := moments.get("finalized_at")):
            changes["finalized_at"] = opened
        # It left `open` at the first of these (uncollectible, then paid: the first).
        closes = [moments.get(k) for k in ("paid_at", "voided_at", "marked_uncollectible_at")]
        if closes := [moment for moment in closes if _amount(moment)]:
            changes["closed_at"] = min(closes)
    return changes


# Customers.


_CUSTOMER = select(customers).where(customers.c.email == bindparam("b_email"))


def find_customer(db, email):
    """The local customer with this (lower-cased) email, or None."""
    return db.execute(_CUSTOMER, {"b_email": email}).first()


def add_customer(db, email, stripe_id, name):
    """Keep the email → Stripe customer mapping; the first writer wins. Return the kept row."""
    db.execute(
        insert_into(db, customers)
        .values(email=email, stripe_id=stripe_id, name=name, created=int(time.time()))
        .on_conflict_do_nothing()
    )
    return find_customer(db, email)


def forget_customer(db, email):
    """Drop a mapping whose Stripe customer no longer exists."""
    db.execute(customers.delete().where(customers.c.email == email))


# Invoices.


_MOVING = (*MIRRORED, "finalized_at", "closed_at")


_insert_invoice = built_once(skip_conflicts(invoices, invoices.c.id))


def record_invoice(db, fields):
    """Insert a new invoice row, or move an existing one forward to `fields`."""
    values = {**fields, "status_rank": STATUS_RANK[fields["status"]], **_stamp()}
    values["recorded"] = values["changed"]
    inserted = db.execute(_insert_invoice(db), columns_only(invoices, values)).first()
    if inserted is None:
        changes = {k: fields[k] for k in _MOVING if k in fields}
        if fields.get("payment_intent"):
            changes["payment_intent"] = fields["payment_intent"]
        advance_status(db, fields["id"], fields["status"], changes)


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
    values = {**(changes or {}), "status": status, "status_rank": rank, **_stamp()}
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
    stamp = _stamp()
    params = {
        "p_id": invoice_id,
        "p_at": at,
        "p_rank": PAYMENT_RANK[payment],
        "v_payment": payment,
        "v_updated": stamp["updated"],
        "v_changed": stamp["changed"],
    }
    return Change("advance_payment", None, _build_advance_payment, params)


def make_change(db, change):
    """Make a change (an UPDATE of one invoice) in `db`'s transaction; True if it moved it."""
    return _run(db, *change)[0] > 0


def invoice_by_payment_intent(db, payment_intent):
    """The id of the local invoice that this PaymentIntent pays, or None."""
    query = select(invoices.c.id).where(invoices.c.payment_intent == payment_intent)
    return db.execute(query).scalar()


_INVOICE = select(invoices).where(invoices.c.id == bindparam("b_id"))


def get_invoice(db, invoice_id):
    """One invoice row, or None."""
    return db.execute(_INVOICE, {"b_id": invoice_id}).first()


def require_invoice(db, invoice_id):
    """One invoice row, or NotFoundError."""
    # An id Stripe could never have made (a NUL, say, which PostgreSQL refuses) names nothing.
    invoice = get_invoice(db, invoice_id) if is_stripe_id(invoice_id) else None
    if invoice is None:
        raise NotFoundError(f"No invoice {invoice_id!r}.")
    return invoice


STATUSES = ("draft", "open", "paid", "void", "uncollectible", "overdue")
DAY = 86400


def list_invoices(db, email=None, since=None, status=None, limit=100):
    """Invoices newest first, optionally for one email, in one of STATUSES (`overdue`: open and
    past its due date now); or, with a `since` cursor, those changed after it, in the order
    they changed (so that a full page can be followed by the next)."""
    query = select(invoices).limit(limit)
    if since is None:
        query = query.order_by(invoices.c.created.desc(), invoices.c.recorded.desc())
    else:
        query = query.where(invoices.c.changed > since).order_by(invoices.c.changed, invoices.c.id)
    if email:
        query = query.where(invoices.c.email == email.lower())
    if status == "overdue":
        query = query.where(invoices.c.status == "open", invoices.c.due_date < int(time.time()))
    elif status:
        query = query.where(invoices.c.status == status)
    return db.execute(query).all()


def open_at(db, moment):
    """The invoices that were open at `moment` (Stripe's times): opened by then and not yet
    paid, void or uncollectible."""
    query = select(invoices).where(
        invoices.c.finalized_at <= moment,
        invoices.c.status != "draft",
        or_(
            invoices.c.closed_at > moment,
            (invoices.c.closed_at.is_(None)) & (invoices.c.status == "open"),
        ),
    )
    return db.execute(query).all()


def record_reminder(db, invoice_id, at):
    """Note that Stripe sent the invoice again at `at`."""
    db.execute(
        update(invoices)
        .where(invoices.c.id == invoice_id)
        .values(reminded_at=at, reminder_count=invoices.c.reminder_count + 1, **_stamp())
    )


def days_past_due(due_date, at):
    """Whole days past `due_date` at `at`, a started day counting as one; 0 if not past."""
    if due_date is None or at <= due_date:
        return 0
    return -((due_date - at) // DAY)


def days_overdue(invoice, at):
    """Whole days an open invoice is past its due date at `at`; 0 for any other."""
    return days_past_due(invoice.due_date, at) if invoice.status == "open" else 0


def cursor(db):
    """The newest change stamp: pass it back as `since` to get only later changes."""
    return db.execute(select(func.max(invoices.c.changed))).scalar() or 0


def unfinished_invoice_ids(db):
    """Ids of local invoices not yet paid or void."""
    return list(db.execute(select(invoices.c.id).where(invoices.c.status_rank < FINAL)).scalars())


def oldest_unfinished(db):
    """When the oldest local invoice not yet paid or void was created (Stripe's time), or None."""
    query = select(func.min(invoices.c.created)).where(invoices.c.status_rank < FINAL)
    return db.execute(query).scalar()


def invoice_json(invoice, now=None):
    """The invoice as the HTTP interface shows it (overdue as of `now`)."""
    late = days_overdue(invoice, int(time.time()) if now is None else now)
    return {
        "id": invoice.id,
        "number": invoice.number,
        "status": invoice.status,
        "payment": invoice.payment,
        "customer": invoice.customer,
        "email": invoice.email,
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
    }


# Events.


def _build_store_event(dialect):
    columns = ("id", "type", "created", "received", "invoice_id", "payload")
    return (
        _insert(dialect, events)
        .values({column: bindparam(column) for column in columns})
        .on_conflict_do_nothing()
        # RETURNING says whether the row went in; rowcount is not reliable for this on psycopg.
        .returning(events.c.id)
    )


def begin_event(db):
    """Begin the unit of work that `store_event` alone fills, as `db.begin()` does.

    On PostgreSQL that unit is one statement, so it runs as a transaction of its own
    (autocommit): the event costs one round trip where BEGIN and COMMIT would add two. The
    pool restores the connection's default when it takes it back.
    """
    if db.dialect.name == "postgresql":
        db.execution_options(isolation_level="AUTOCOMMIT")
    return db.begin()


def _build_store_event_then(build_change):
    def build(dialect):
        # PostgreSQL runs both in one statement: the change only if the event's row went in.
        stored = _build_store_event(dialect).cte("stored")
        changed = (
            build_change(dialect)
            .where(exists(select(stored.c.id)))
            .returning(invoices.c.id)
            .cte("changed")
        )
        count = func.count
        return select(
            select(count()).select_from(stored).scalar_subquery(),
            select(count()).select_from(changed).scalar_subquery(),
        )

    return build


def store_event(db, stripe_event, invoice_id, payload, change=None):
    """Keep a verified event by id, with the exact body Stripe signed, and only if it is new
    make `change` in the same transaction; return (stored, changed). On PostgreSQL this is
    always one statement (see `begin_event`)."""
    params = {
        "id": stripe_event["id"],
        "type": stripe_event["type"],
        "created": stripe_event["created"],
        "received": int(time.time()),
        "invoice_id": invoice_id,
        "payload": payload.decode() if isinstance(payload, bytes) else payload,
    }
    if change is not None and db.dialect.name == "postgresql":
        # One round trip for both, where the INSERT then the UPDATE would take two.
        name, shape, build, values = change
        build = _build_store_event_then(build)
        row = _run(db, f"store_event+{name}", shape, build, {**params, **values})[1]
        return row[0] > 0, row[1] > 0
    stored = _run(db, "store_event", None, _build_store_event, params)[1] is not None
    return stored, stored and change is not None and make_change(db, change)


def get_event(db, event_id):
    """One stored event row, or None."""
    return db.execute(select(events).where(events.c.id == event_id)).first()


def events_for(db, invoice_id):
    """The events that touched an invoice, oldest first."""
    query = (
        select(events.c.id, events.c.type, events.c.created)
        .where(events.c.invoice_id == invoice_id)
        .order_by(events.c.created, events.c.received, events.c.id)
    )
    return [{"id": e.id, "type": e.type, "created": e.created} for e in db.execute(query)]
