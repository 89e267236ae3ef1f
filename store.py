"""The local database (SQLAlchemy 2): customers, invoices, and the events that changed them.

Every change an event makes is one conditional UPDATE, so the record only moves forward
whatever order events arrive in, and no read-modify-write race exists between workers.
"""

import os
import time

import click
from flask import current_app, g
from flask.cli import with_appcontext
from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    String,
    Text,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# paid, void and uncollectible are final: nothing moves an invoice out of them.
STATUS_RANK = {"draft": 0, "open": 1, "paid": 2, "void": 2, "uncollectible": 2}
FINAL = 2
# A succeeded payment is final; otherwise the newest attempt wins.
PAYMENT_RANK = {None: 0, "processing": 1, "failed": 2, "succeeded": 3}


class Base(DeclarativeBase):
    """The tables of this server."""


class Customer(Base):
    """One Stripe customer per lower-cased email."""

    __tablename__ = "customers"
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    stripe_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(256))
    created: Mapped[int] = mapped_column(BigInteger)


class Invoice(Base):
    """What the invoice JSON shows, kept up to date by events."""

    __tablename__ = "invoices"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    status_rank: Mapped[int] = mapped_column(Integer)
    payment: Mapped[str | None] = mapped_column(String(32))
    payment_rank: Mapped[int] = mapped_column(Integer, default=0)
    payment_at: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_intent: Mapped[str | None] = mapped_column(String(255), index=True)
    customer: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), index=True)
    amount_due: Mapped[int] = mapped_column(BigInteger)
    amount_paid: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[int | None] = mapped_column(BigInteger)
    hosted_invoice_url: Mapped[str | None] = mapped_column(Text)
    invoice_pdf: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    lines: Mapped[list] = mapped_column(JSON)
    created: Mapped[int] = mapped_column(BigInteger, index=True)
    updated: Mapped[int] = mapped_column(BigInteger)
    # When this server first recorded it (microseconds): orders invoices created in one second.
    recorded: Mapped[int] = mapped_column(BigInteger)
    # When it last changed here (microseconds): the cursor pages poll with `?since=`.
    changed: Mapped[int] = mapped_column(BigInteger, index=True)


class Event(Base):
    """Every verified event, stored once by its Stripe id."""

    __tablename__ = "events"
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    created: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[str] = mapped_column(Text)


class IdempotencyKey(Base):
    """A client's `Idempotency-Key` on POST /invoices: its body and the invoice it made."""

    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[str | None] = mapped_column(String(255))
    # A try after a cleaned-up failure gets fresh keys at Stripe (that try's draft is gone);
    # a try taking over from a crashed one keeps its keys, so Stripe replays what it did.
    attempt: Mapped[int] = mapped_column(Integer)
    locked_at: Mapped[int] = mapped_column(BigInteger)
    created: Mapped[int] = mapped_column(BigInteger)


# A try that has held its key this long is presumed dead (its worker was killed).
KEY_LOCK_SECONDS = 120


class KeyConflictError(Exception):
    """The key is in use by a running request, or was used with another body."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def claim_key(session, key, request_hash):
    """Claim a key: ("replay", invoice_id) or ("run", attempt); else KeyConflictError."""
    now = int(time.time())
    inserted = session.execute(
        _insert(session, IdempotencyKey)
        .values(key=key, request_hash=request_hash, attempt=1, locked_at=now, created=now)
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    ).first()
    if inserted:
        session.commit()
        return "run", 1
    row = session.scalars(
        select(IdempotencyKey)
        .where(IdempotencyKey.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    try:
        if row.request_hash != request_hash:
            raise KeyConflictError("reused")
        if row.invoice_id:
            return "replay", row.invoice_id
        if row.locked_at and now - row.locked_at < KEY_LOCK_SECONDS:
            raise KeyConflictError("in_progress")
        row.locked_at = now
        attempt = row.attempt
        session.commit()
        return "run", attempt
    finally:
        session.rollback()


def finish_key(session, key, invoice_id):
    """The key's request made this invoice: later repeats replay it."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.key == key)
        .values(invoice_id=invoice_id, locked_at=0)
    )
    session.commit()


def release_key(session, key):
    """The key's request failed and cleaned up: a repeat may try again, with fresh keys."""
    table = IdempotencyKey.__table__
    session.execute(
        update(table).where(table.c.key == key).values(locked_at=0, attempt=table.c.attempt + 1)
    )
    session.commit()


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
    """Open the database named by the config, create tables, and wire teardown and CLI."""
    url = app.config["DATABASE_URL"]
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = f"sqlite:///{os.path.join(app.instance_path, 'invoicing.db')}"
    engine = make_engine(url)
    app.extensions["db"] = engine
    Base.metadata.create_all(engine)
    app.teardown_appcontext(close_session)
    app.cli.add_command(init_db_command)


def get_session():
    """The request's database session, opened on first use."""
    if "db" not in g:
        g.db = Session(current_app.extensions["db"], expire_on_commit=False)
    return g.db


def close_session(_error=None):
    """Close the request's session, if one was opened."""
    session = g.pop("db", None)
    if session is not None:
        session.close()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the tables (safe to run again)."""
    Base.metadata.create_all(current_app.extensions["db"])
    click.echo("Database ready.")


def ping(session):
    """Raise if the database does not answer."""
    session.execute(text("SELECT 1"))


def _insert(session, model):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def find_customer(session, email):
    """The local customer with this (lower-cased) email, or None."""
    return session.get(Customer, email)


def add_customer(session, email, stripe_id, name):
    """Keep the email → Stripe customer mapping; the first writer wins. Return the kept row."""
    session.execute(
        _insert(session, Customer)
        .values(email=email, stripe_id=stripe_id, name=name, created=int(time.time()))
        .on_conflict_do_nothing()
    )
    session.commit()
    return session.scalars(
        select(Customer).where(Customer.email == email).execution_options(populate_existing=True)
    ).one()


def forget_customer(session, email):
    """Drop a mapping whose Stripe customer no longer exists."""
    session.query(Customer).filter_by(email=email).delete()
    session.commit()


def record_invoice(session, fields):
    """Insert a new invoice row, or move an existing one forward to `fields`."""
    values = {**fields, "status_rank": STATUS_RANK[fields["status"]], **_stamp()}
    values["recorded"] = values["changed"]
    inserted = session.execute(
        _insert(session, Invoice).values(**values).on_conflict_do_nothing().returning(Invoice.id)
    ).first()
    if inserted is None:
        advance_status(session, fields["id"], fields["status"], _changes(fields))


def _stamp():
    """The change stamps every write sets: seconds for people, microseconds for cursors."""
    micros = time.time_ns() // 1000
    return {"updated": micros // 1_000_000, "changed": micros}


def delete_invoice(session, invoice_id):
    """Remove the row of a draft that was deleted at Stripe."""
    session.query(Invoice).filter_by(id=invoice_id).delete()


_MOVING = ("number", "hosted_invoice_url", "invoice_pdf", "due_date", "amount_due", "amount_paid")


def _changes(fields):
    changes = {k: fields[k] for k in _MOVING if k in fields}
    if fields.get("payment_intent"):
        changes["payment_intent"] = fields["payment_intent"]
    return changes


# The statements events run, built once per dialect and shape: building a statement costs
# more than running it (see BENCHMARKS.md).
_statements = {}


def connection_of(target):
    """A Session's connection, or the Connection itself: the fast paths take either."""
    return target.connection() if isinstance(target, Session) else target


def _statement(connection, name, shape, build):
    dialect = connection.dialect.name
    key = (dialect, name, shape)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = build(dialect)
    return statement


def _build_advance_status(columns, final):
    def build(_dialect):
        table = Invoice.__table__
        allowed = table.c.status_rank < bindparam("p_rank")
        if not final:
            allowed = table.c.status_rank <= bindparam("p_rank")
        return (
            update(table)
            .where(table.c.id == bindparam("p_id"), allowed)
            .values({column: bindparam(f"v_{column}") for column in columns})
        )

    return build


def advance_status(session, invoice_id, status, changes=None):
    """Set the status (and fields) only if it moves the invoice forward; return True if it did."""
    rank = STATUS_RANK[status]
    values = {**(changes or {}), "status": status, "status_rank": rank, **_stamp()}
    if status == "paid":
        values.update(payment="succeeded", payment_rank=PAYMENT_RANK["succeeded"])
    columns = tuple(sorted(values))
    final = rank >= FINAL
    connection = connection_of(session)
    statement = _statement(
        connection, "advance_status", (columns, final), _build_advance_status(columns, final)
    )
    params = {f"v_{column}": values[column] for column in columns}
    params.update(p_id=invoice_id, p_rank=rank)
    return connection.execute(statement, params).rowcount > 0


def _build_advance_payment(_dialect):
    table = Invoice.__table__
    at, rank = bindparam("p_at"), bindparam("p_rank")
    return (
        update(table)
        .where(
            table.c.id == bindparam("p_id"),
            table.c.payment_rank < PAYMENT_RANK["succeeded"],
            or_(
                table.c.payment_at < at, (table.c.payment_at == at) & (table.c.payment_rank <= rank)
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


def advance_payment(session, invoice_id, payment, at):
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
    connection = connection_of(session)
    statement = _statement(connection, "advance_payment", None, _build_advance_payment)
    return connection.execute(statement, params).rowcount > 0


def _build_store_event(dialect):
    table = Event.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = ("id", "type", "created", "received", "invoice_id", "payload")
    return (
        insert(table)
        .values({column: bindparam(column) for column in columns})
        .on_conflict_do_nothing()
        # RETURNING says whether the row went in; rowcount is not reliable for this on psycopg.
        .returning(table.c.id)
    )


def store_event(session, stripe_event, invoice_id, payload):
    """Keep a verified event by id, with the exact body Stripe signed; False if already kept."""
    params = {
        "id": stripe_event["id"],
        "type": stripe_event["type"],
        "created": stripe_event["created"],
        "received": int(time.time()),
        "invoice_id": invoice_id,
        "payload": payload.decode() if isinstance(payload, bytes) else payload,
    }
    connection = connection_of(session)
    statement = _statement(connection, "store_event", None, _build_store_event)
    return connection.execute(statement, params).first() is not None


def invoice_by_payment_intent(session, payment_intent):
    """The id of the local invoice that this PaymentIntent pays, or None."""
    table = Invoice.__table__
    query = select(table.c.id).where(table.c.payment_intent == payment_intent)
    return connection_of(session).execute(query).scalar()


def list_invoices(session, email=None, since=None, limit=100):
    """Invoices newest first, optionally for one email or changed after the `since` cursor."""
    query = select(Invoice).order_by(Invoice.created.desc(), Invoice.recorded.desc()).limit(limit)
    if email:
        query = query.where(Invoice.email == email.lower())
    if since is not None:
        query = query.where(Invoice.changed > since)
    return session.scalars(query).all()


def cursor(session):
    """The newest change stamp: pass it back as `since` to get only later changes."""
    return session.scalar(select(func.max(Invoice.changed))) or 0


def unfinished_invoice_ids(session):
    """Ids of local invoices not yet paid, void or uncollectible."""
    return list(session.scalars(select(Invoice.id).where(Invoice.status_rank < FINAL)))


def get_invoice(session, invoice_id):
    """One invoice, or None."""
    return session.get(Invoice, invoice_id, populate_existing=True)


def events_for(session, invoice_id):
    """The events that touched an invoice, oldest first."""
    query = (
        select(Event.id, Event.type, Event.created)
        .where(Event.invoice_id == invoice_id)
        .order_by(Event.created, Event.received, Event.id)
    )
    return [{"id": e.id, "type": e.type, "created": e.created} for e in session.execute(query)]


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
