"""A client's `Idempotency-Key` on POST /invoices: claim, replay, release, finish, take over.

A key remembers the body's hash and, once done, the invoice it made: a repeat with the same
body replays that invoice, another body is a conflict. A try holds the key while it runs; a
try that failed cleanly releases it (the next one gets fresh Stripe keys), and a try that died
(its worker killed) is taken over after KEY_LOCK_SECONDS with its own Stripe keys, so Stripe
replays what it did instead of doing it twice.
"""

import hashlib
import json
import re
import time

from sqlalchemy import bindparam, select, update

from invoicing.errors import ApiError, StateConflictError
from invoicing.record.statements import built_once, skip_conflicts
from invoicing.record.tables import idempotency_keys

# A try that has held its key this long is presumed dead (its worker was killed).
KEY_LOCK_SECONDS = 120
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_CONFLICTS = {
    "reused": "This Idempotency-Key was used with another body.",
    "in_progress": "A request with this Idempotency-Key is still running; retry shortly.",
}
_keys = idempotency_keys
# The statements every keyed send runs, made once (see statements.built_once).
_insert_key = built_once(skip_conflicts(_keys, _keys.c.key))
_UPDATE_KEY = update(_keys).where(_keys.c.key == bindparam("b_key"))


def checked_key(value):
    """The header's value if it is a usable key, None if absent; else a 400."""
    if value is not None and not _KEY.match(value):
        message = "Idempotency-Key is 1 to 200 visible ASCII characters."
        raise ApiError(400, message, field="Idempotency-Key")
    return value


def body_hash(body):
    """The fingerprint of a request body (a JSON object), whatever its key order."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _conflict(reason):
    return StateConflictError(
        _CONFLICTS[reason], code=f"idempotency_{reason}", field="Idempotency-Key"
    )


def claim(db, key, request_hash):
    """Claim a key: ("replay", invoice_id) or ("run", attempt); else a StateConflictError."""
    now = int(time.time())
    row = {"key": key, "request_hash": request_hash, "attempt": 1, "locked_at": now,
           "created": now}  # fmt: skip
    inserted = db.execute(_insert_key(db), row).first()
    if inserted:
        return "run", 1
    row = db.execute(select(_keys).where(_keys.c.key == key).with_for_update()).one()
    if row.request_hash != request_hash:
        raise _conflict("reused")
    if row.invoice_id:
        return "replay", row.invoice_id
    if row.locked_at and now - row.locked_at < KEY_LOCK_SECONDS:
        raise _conflict("in_progress")
    db.execute(_UPDATE_KEY, {"b_key": key, "locked_at": now})
    return "run", row.attempt


def finish(db, key, invoice_id):
    """The key's request made this invoice: later repeats replay it."""
    db.execute(_UPDATE_KEY, {"b_key": key, "invoice_id": invoice_id, "locked_at": 0})


def release(db, key):
    """The key's request failed and cleaned up: a repeat may try again, with fresh keys."""
    db.execute(
        update(_keys).where(_keys.c.key == key).values(locked_at=0, attempt=_keys.c.attempt + 1)
    )
