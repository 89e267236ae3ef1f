"""Sends in flight: a row per try at sending an invoice, recorded before its first Stripe call
(see sending/send.py), and the drafts no send owns any more."""

import time

from sqlalchemy import bindparam, select, update

from invoicing.record.statements import built_once, columns_only, skip_conflicts
from invoicing.record.tables import invoices, sends

# The statements every send runs, made once (see statements.built_once).
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
