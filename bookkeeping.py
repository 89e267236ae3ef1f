"""The server's own rows beside the record: sends in flight, small settings, and leases for
the jobs one process runs at a time. The store's transaction rule holds here too: these
functions take the caller's `db` and never commit."""

import time

from sqlalchemy import bindparam, or_, select, update

from store import built_once, columns_only, insert_into, skip_conflicts
from tables import invoices, leases, sends, settings

# The statements every send runs, made once (see store.built_once).
_insert_send = built_once(skip_conflicts(sends, sends.c.id))
_SEND = select(sends).where(sends.c.id == bindparam("b_id"))
_TOUCH_SEND = update(sends).where(sends.c.id == bindparam("b_id"))


def start_send(db, send_id, customer, request, idempotency_key, abandoned_after):
    """Record a send before its first Stripe call; return (row, whether this caller owns it).

    A send with this id already there (a try taking over from a crashed one) is owned only
    if it has been left untouched for `abandoned_after` seconds.
    """
    now = int(time.time())
    row = {"id": send_id, "state": "pending", "customer": customer, "request": request,
           "idempotency_key": idempotency_key, "created": now, "touched": now}  # fmt: skip
    inserted = db.execute(_insert_send(db), row).first()
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
    values = columns_only(sends, {"touched": int(time.time()), **values})
    db.execute(_TOUCH_SEND, {"b_id": send_id, **values})


def get_send(db, send_id):
    """One send row, or None."""
    return db.execute(_SEND, {"b_id": send_id}).first()


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


def get_setting(db, key):
    """A kept value (text), or None."""
    return db.execute(select(settings.c.value).where(settings.c.key == key)).scalar()


def set_setting(db, key, value):
    """Keep a value (text) under `key`."""
    db.execute(
        insert_into(db, settings)
        .values(key=key, value=value)
        .on_conflict_do_update(index_elements=[settings.c.key], set_={"value": value})
    )


def take_lease(db, name, holder, seconds):
    """Hold the lease `name` for `seconds` if it is free, expired or already ours; True if
    held. One holder at a time across every process and host sharing the database."""
    now = int(time.time())
    held = db.execute(
        insert_into(db, leases)
        .values(name=name, holder=holder, expires=now + seconds)
        .on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={"holder": holder, "expires": now + seconds},
            where=or_(leases.c.holder == holder, leases.c.expires < now),
        )
        .returning(leases.c.name)
    ).first()
    return held is not None


def ping(db):
    """Raise if the database does not answer, or does not take a write."""
    set_setting(db, "health.checked_at", str(int(time.time())))
