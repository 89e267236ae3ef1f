"""The event log: every verified Stripe event, stored once by its id with the body Stripe
signed, and the change it makes, in one unit of work."""

import time

from sqlalchemy import bindparam, exists, func, select

from invoicing.record.invoices import FINAL
from invoicing.record.statements import insert_for, make_change, run
from invoicing.record.tables import events, invoices


def _build_store_event(dialect):
    columns = ("id", "type", "created", "received", "invoice_id", "payload")
    return (
        insert_for(dialect, events)
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
        row = run(db, f"store_event+{name}", shape, build, {**params, **values})[1]
        return row[0] > 0, row[1] > 0
    stored = run(db, "store_event", None, _build_store_event, params)[1] is not None
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


def same_second_snapshots(db, since):
    """[(invoice id, second, snapshot JSON)] of the invoice events (`invoice.*`) of the local
    invoices not yet paid or void that changed here at `since` (microseconds) or later, for
    each second in which one of them had two or more."""
    chosen = (
        select(events.c.invoice_id, events.c.created, events.c.payload)
        .join(invoices, invoices.c.id == events.c.invoice_id)
        .where(invoices.c.changed >= since, invoices.c.status_rank < FINAL)
        .where(events.c.type.startswith("invoice.", autoescape=True))
    )
    found = {}
    for invoice_id, second, payload in db.execute(chosen):
        found.setdefault((invoice_id, second), []).append(payload)
    return [(*key, payload) for key, payloads in found.items() if len(payloads) > 1
            for payload in payloads]  # fmt: skip
