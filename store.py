"""The local record (SQLAlchemy 2 Core): its tables, and its reads and writes.

Transactions: the store never commits. Each caller owns its unit of work:
`with store.begin() as db:` commits when the block ends and rolls back on an error;
`with store.connect() as db:` only reads. Every function here takes that `db` (a Connection).

Every change an event makes is one conditional UPDATE, so the record only moves forward
whatever order events arrive in, and no read-modify-write race exists between workers.
"""

import os
import re
import time

from flask import current_app
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from errors import NotFoundError

# paid and void are final; uncollectible can still be paid or voided, as on Stripe.
STATUS_RANK = {"draft": 0, "open": 1, "uncollectible": 2, "paid": 3, "void": 3}
FINAL = 3
# A succeeded payment is final; otherwise the newest attempt wins.
PAYMENT_RANK = {None: 0, "processing": 1, "failed": 2, "succeeded": 3}

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    # One Stripe customer per lower-cased email.
    Column("email", String(254), primary_key=True),
    Column("stripe_id", String(255), nullable=False, unique=True),
    Column("name", String(256)),
    Column("created", BigInteger, nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("number", String(255)),
    Column("status", String(32), nullable=False),
    Column("status_rank", Integer, nullable=False),
    Column("payment", String(32)),
    Column("payment_rank", Integer, nullable=False, default=0),
    Column("payment_at", BigInteger, nullable=False, default=0),
    Column("payment_intent", String(255), index=True),
    Column("customer", String(255), nullable=False),
    Column("email", String(254), nullable=False, index=True),
    Column("amount_due", BigInteger, nullable=False),
    Column("amount_paid", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("due_date", BigInteger),
    Column("hosted_invoice_url", Text),
    Column("invoice_pdf", Text),
    Column("description", Text),
    Column("lines", JSON, nullable=False),
    Column("created", BigInteger, nullable=False, index=True),
    Column("updated", BigInteger, nullable=False),
    # When this server first recorded it (microseconds): orders invoices created in one second.
    Column("recorded", BigInteger, nullable=False),
    # When it last changed here (microseconds): the cursor pages poll with `?since=`.
    Column("changed", BigInteger, nullable=False, index=True),
)

events = Table(
    "events",
    metadata,
    # Every verified event, stored once by its Stripe id, with the body Stripe signed.
    Column("id", String(255), primary_key=True),
    Column("type", String(255), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False),
    Column("invoice_id", String(255), index=True),
    Column("payload", Text, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # A client's `Idempotency-Key` on POST /invoices: its body and the invoice it made.
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("invoice_id", String(255)),
    # A try after a cleaned-up failure gets fresh keys at Stripe (that try's draft is gone);
    # a try taking over from a crashed one keeps its keys, so Stripe replays what it did.
    Column("attempt", Integer, nullable=False),
    Column("locked_at", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
)

sends = Table(
    "sends",
    metadata,
    # One try at sending an invoice, recorded before its first Stripe call. The id is also the
    # prefix of its Stripe idempotency keys, so a repair can replay what it did.
    Column("id", String(255), primary_key=True),
    Column("state", String(16), nullable=False),  # pending, done or rolled_back
    Column("invoice_id", String(255)),
    Column("customer", String(255), nullable=False),
    # What it asks Stripe for ("invoice", "lines") and records locally ("record").
    Column("request", JSON, nullable=False),
    # The client's Idempotency-Key, released if the send is rolled back.
    Column("idempotency_key", String(255)),
    Column("created", BigInteger, nullable=False),
    # Last worked on: a pending send untouched for a while was abandoned by a dead process.
    Column("touched", BigInteger, nullable=False),
    Index("ix_sends_state_touched", "state", "touched"),
)

settings = Table(
    "settings",
    metadata,
    # Small named values the server keeps between runs (the reconciler's cursor, ...).
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    # A job that one process across every worker and host runs at a time.
    Column("name", String(64), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("expires", BigInteger, nullable=False),
)


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
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
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


def ping(db):
    """Raise if the database does not answer, or does not take a write."""
    set_setting(db, "health.checked_at", str(int(time.time())))


def insert_into(db, table):
    """An INSERT for the dialect of `db`, which can skip conflicts (`on_conflict_do_nothing`)."""
    return (postgresql.insert if db.dialect.name == "postgresql" else sqlite.insert)(table)


# The statements events run, built once per dialect and shape: building a statement costs
# more than running it (see BENCHMARKS.md).
_statements = {}


def _statement(db, name, shape, build):
    key = (db.dialect.name, name, shape)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = build(db.dialect.name)
    return statement


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
    return {
        key: value
        for key, fits in MIRRORED.items()
        if (value := snapshot.get(key)) is not None and fits(value)
    }


# Customers.


def find_customer(db, email):
    """The local customer with this (lower-cased) email, or None."""
    return db.execute(select(customers).where(customers.c.email == email)).first()


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


def record_invoice(db, fields):
    """Insert a new invoice row, or move an existing one forward to `fields`."""
    values = {**fields, "status_rank": STATUS_RANK[fields["status"]], **_stamp()}
    values["recorded"] = values["changed"]
    inserted = db.execute(
        insert_into(db, invoices).values(**values).on_conflict_do_nothing().returning(invoices.c.id)
    ).first()
    if inserted is None:
        changes = {k: fields[k] for k in MIRRORED if k in fields}
        if fields.get("payment_intent"):
            changes["payment_intent"] = fields["payment_intent"]
        advance_status(db, fields["id"], fields["status"], changes)


def delete_invoice(db, invoice_id):
    """Remove the row of a draft that was deleted at Stripe."""
    db.execute(invoices.delete().where(invoices.c.id == invoice_id))


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
            if column not in ("updated", "changed", "status_rank")
        ]
        return (
            update(invoices)
            .where(invoices.c.id == bindparam("p_id"), allowed, or_(*moved))
            .values({column: bindparam(f"v_{column}") for column in columns})
        )

    return build


def advance_status(db, invoice_id, status, changes=None):
    """Set the status (and fields) only if it moves the invoice forward; return True if it did."""
    rank = STATUS_RANK[status]
    values = {**(changes or {}), "status": status, "status_rank": rank, **_stamp()}
    if status == "paid":
        values.update(payment="succeeded", payment_rank=PAYMENT_RANK["succeeded"])
    columns = tuple(sorted(values))
    final = rank >= FINAL
    statement = _statement(
        db, "advance_status", (columns, final), _build_advance_status(columns, final)
    )
    params = {f"v_{column}": values[column] for column in columns}
    params.update(p_id=invoice_id, p_rank=rank)
    return db.execute(statement, params).rowcount > 0


def apply_snapshot(db, invoice_id, status, snapshot):
    """Move the invoice forward to `status` with what a Stripe invoice (a dict) says."""
    return advance_status(db, invoice_id, status, changes_of(snapshot))


def _build_advance_payment(_dialect):
    at, rank = bindparam("p_at"), bindparam("p_rank")
    return (
        update(invoices)
        .where(
            invoices.c.id == bindparam("p_id"),
            invoices.c.payment_rank < PAYMENT_RANK["succeeded"],
            or_(
                invoices.c.payment_at < at,
                (invoices.c.payment_at == at) & (invoices.c.payment_rank <= rank),
            ),
        )
        .values(
            payment=bindparam("v_payment"),
            payment_rank=rank,
            payment_at=at,
            updated=bindparam("v_updated"),
            changed=bindparam("v_changed"),
        )
    )


def advance_payment(db, invoice_id, payment, at):
    """Record a payment attempt's outcome unless a newer one (or success) is already known."""
    stamp = _stamp()
    params = {
        "p_id": invoice_id,
        "p_at": at,
        "p_rank": PAYMENT_RANK[payment],
        "v_payment": payment,
        "v_updated": stamp["updated"],
        "v_changed": stamp["changed"],
    }
    statement = _statement(db, "advance_payment", None, _build_advance_payment)
    return db.execute(statement, params).rowcount > 0


def invoice_by_payment_intent(db, payment_intent):
    """The id of the local invoice that this PaymentIntent pays, or None."""
    query = select(invoices.c.id).where(invoices.c.payment_intent == payment_intent)
    return db.execute(query).scalar()


def get_invoice(db, invoice_id):
    """One invoice row, or None."""
    return db.execute(select(invoices).where(invoices.c.id == invoice_id)).first()


def require_invoice(db, invoice_id):
    """One invoice row, or NotFoundError."""
    invoice = get_invoice(db, invoice_id)
    if invoice is None:
        raise NotFoundError(f"No invoice {invoice_id!r}.")
    return invoice


def list_invoices(db, email=None, since=None, limit=100):
    """Invoices newest first, optionally for one email or changed after the `since` cursor."""
    query = (
        select(invoices)
        .order_by(invoices.c.created.desc(), invoices.c.recorded.desc())
        .limit(limit)
    )
    if email:
        query = query.where(invoices.c.email == email.lower())
    if since is not None:
        query = query.where(invoices.c.changed > since)
    return db.execute(query).all()


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


def invoice_json(invoice):
    """The invoice as the HTTP interface shows it."""
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
    }


# Sends.


def start_send(db, send_id, customer, request, idempotency_key, abandoned_after):
    """Record a send before its first Stripe call; return (row, whether this caller owns it).

    A send with this id already there (a try taking over from a crashed one) is owned only
    if it has been left untouched for `abandoned_after` seconds.
    """
    now = int(time.time())
    inserted = db.execute(
        insert_into(db, sends)
        .values(
            id=send_id,
            state="pending",
            customer=customer,
            request=request,
            idempotency_key=idempotency_key,
            created=now,
            touched=now,
        )
        .on_conflict_do_nothing()
        .returning(sends.c.id)
    ).first()
    mine = inserted is not None or claim_send(db, send_id, now - abandoned_after)
    return get_send(db, send_id), mine


def claim_send(db, send_id, untouched_since):
    """Take a pending send untouched since then (for a repair or a take-over); True if taken."""
    taken = db.execute(
        update(sends)
        .where(sends.c.id == send_id, sends.c.state == "pending", sends.c.touched < untouched_since)
        .values(touched=int(time.time()))
    )
    return taken.rowcount > 0


def touch_send(db, send_id, **values):
    """Note progress on a send (and change its state, invoice or customer)."""
    if "customer" in values:
        row = get_send(db, send_id)
        request = {**row.request, "invoice": {**row.request["invoice"]}}
        request["invoice"]["customer"] = values["customer"]
        values["request"] = request
    db.execute(
        update(sends).where(sends.c.id == send_id).values(touched=int(time.time()), **values)
    )


def get_send(db, send_id):
    """One send row, or None."""
    return db.execute(select(sends).where(sends.c.id == send_id)).first()


def stale_sends(db, untouched_since):
    """Ids of pending sends untouched since then, oldest first."""
    query = (
        select(sends.c.id)
        .where(sends.c.state == "pending", sends.c.touched < untouched_since)
        .order_by(sends.c.touched)
    )
    return list(db.execute(query).scalars())


def orphan_drafts(db, recorded_before):
    """Ids of local drafts recorded before then that no pending send is working on."""
    pending = select(sends.c.invoice_id).where(
        sends.c.state == "pending", sends.c.invoice_id.is_not(None)
    )
    query = select(invoices.c.id).where(
        invoices.c.status == "draft",
        invoices.c.recorded < recorded_before * 1_000_000,
        invoices.c.id.not_in(pending),
    )
    return list(db.execute(query).scalars())


# Settings and leases.


def get_setting(db, key):
    """A kept value (text), or None."""
    return db.execute(select(settings.c.value).where(settings.c.key == key)).scalar()


def set_setting(db, key, value):
    """Keep a value (text) under `key`."""
    inserted = db.execute(
        insert_into(db, settings)
        .values(key=key, value=value)
        .on_conflict_do_nothing()
        .returning(settings.c.key)
    ).first()
    if inserted is None:
        db.execute(update(settings).where(settings.c.key == key).values(value=value))


def take_lease(db, name, holder, seconds):
    """Hold the lease `name` for `seconds` if it is free, expired or already ours; True if
    held. One holder at a time across every process and host sharing the database."""
    now = int(time.time())
    inserted = db.execute(
        insert_into(db, leases)
        .values(name=name, holder=holder, expires=now + seconds)
        .on_conflict_do_nothing()
        .returning(leases.c.name)
    ).first()
    if inserted is not None:
        return True
    taken = db.execute(
        update(leases)
        .where(leases.c.name == name, or_(leases.c.holder == holder, leases.c.expires < now))
        .values(holder=holder, expires=now + seconds)
    )
    return taken.rowcount > 0


# Events.


def _build_store_event(dialect):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = ("id", "type", "created", "received", "invoice_id", "payload")
    return (
        insert(events)
        .values({column: bindparam(column) for column in columns})
        .on_conflict_do_nothing()
        # RETURNING says whether the row went in; rowcount is not reliable for this on psycopg.
        .returning(events.c.id)
    )


def store_event(db, stripe_event, invoice_id, payload):
    """Keep a verified event by id, with the exact body Stripe signed; False if already kept."""
    params = {
        "id": stripe_event["id"],
        "type": stripe_event["type"],
        "created": stripe_event["created"],
        "received": int(time.time()),
        "invoice_id": invoice_id,
        "payload": payload.decode() if isinstance(payload, bytes) else payload,
    }
    statement = _statement(db, "store_event", None, _build_store_event)
    return db.execute(statement, params).first() is not None


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
