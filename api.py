"""The JSON interface: config, catalog, invoices (send, list, void, remind), receivables, the
outbox, the pay page's status and test payments, and health."""

import re
import time

from flask import Blueprint, current_app, request, url_for

import bookkeeping
import emulation
import idempotency
import invoicing
import receivables
import security
import sending
import store
from errors import ApiError, NotFoundError, StateConflictError
from validation import clean_text, json_body, parse_order

bp = Blueprint("api", __name__)
bp.before_request(security.require_json)
CURSOR_OVERLAP = 5_000_000  # microseconds
PAGE = 100  # invoices in one answer of GET /invoices
# A cursor is a count of microseconds: ASCII digits that fit a 64-bit column.
_CURSOR = re.compile("[0-9]{1,18}")
# A moment in Unix seconds, up to the year 33658.
_MOMENT = re.compile("[0-9]{1,12}")


@bp.get("/config")
def get_config():
    """What the browser may know: the publishable key and the mode."""
    return {
        "publishableKey": current_app.config["STRIPE_PUBLISHABLE_KEY"],
        "mode": current_app.config["MODE"],
        "daysUntilDue": current_app.config["DAYS_UNTIL_DUE"],
    }


@bp.get("/prices")
def list_prices():
    """The catalog: active one-time prices, by currency and amount."""
    prices = current_app.extensions["catalog"].prices().values()
    keys = ("id", "product", "product_id", "nickname", "unit_amount", "currency", "lookup_key")
    ordered = sorted(prices, key=lambda p: (p["currency"], p["unit_amount"], p["product"]))
    return {"data": [{k: p[k] for k in keys} for p in ordered]}


def _created(invoice, replayed=False):
    headers = {"Location": url_for("api.get_invoice", invoice_id=invoice.id)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return store.invoice_json(invoice), 201, headers


@bp.post("/invoices")
def create_invoice():
    """Create and send one invoice; 201 with it. A repeated Idempotency-Key replays it."""
    key = idempotency.checked_key(request.headers.get("Idempotency-Key"))
    body = json_body()
    catalog = current_app.extensions["catalog"]
    order = parse_order(body, catalog.lookup, current_app.config["DAYS_UNTIL_DUE"])
    if key is None:
        return _created(sending.send(order))
    with store.begin() as db:
        verdict, value = idempotency.claim(db, key, idempotency.body_hash(body))
        if verdict == "replay":
            return _created(store.require_invoice(db, value), replayed=True)
    return _created(sending.send(order, idempotency_key=key, attempt=value))


@bp.get("/invoices")
def list_invoices():
    """Invoices from the local database, newest first; `?email=` and `?status=` filter.

    `cursor` in the answer, passed back as `?since=`, lists only what changed since, in the
    order it changed; `has_more` says a page was full and the next cursor continues it.
    """
    email = clean_text(request.args.get("email", ""), "email").strip() or None
    status = request.args.get("status") or None
    if status is not None and status not in store.STATUSES:
        choices = ", ".join(store.STATUSES)
        raise ApiError(400, f"status must be one of {choices}.", field="status")
    since = request.args.get("since")
    if since is not None and not _CURSOR.fullmatch(since):
        raise ApiError(400, "since must be a cursor from an earlier answer.", field="since")
    with store.connect() as db:
        cursor = store.cursor(db)
        # A write stamped before the cursor may commit after it: look back a little, and let
        # the page merge repeats by id.
        after = int(since) - CURSOR_OVERLAP if since is not None else None
        invoices = store.list_invoices(db, email, after, status, PAGE)
    has_more = since is not None and len(invoices) == PAGE
    if has_more:
        # Changes come oldest first: the next page starts at this one's last change, not
        # the overlap before it (its ties come again; merge by id).
        cursor = invoices[-1].changed - 1 + CURSOR_OVERLAP
    return {
        "data": [store.invoice_json(i) for i in invoices],
        "cursor": cursor,
        "has_more": has_more,
    }


@bp.get("/invoices/<invoice_id>")
def get_invoice(invoice_id):
    """One invoice with the events that touched it."""
    with store.connect() as db:
        shown = store.invoice_json(store.require_invoice(db, invoice_id))
        shown["events"] = store.events_for(db, invoice_id)
    return shown


def _close(invoice_id, action):
    with store.connect() as db:
        invoice = store.require_invoice(db, invoice_id)
    return store.invoice_json(invoicing.close_invoice(invoice, action))


@bp.post("/invoices/<invoice_id>/void")
def void_invoice(invoice_id):
    """Void an open or uncollectible invoice."""
    return _close(invoice_id, "void")


@bp.post("/invoices/<invoice_id>/mark-uncollectible")
def mark_uncollectible(invoice_id):
    """Mark an open invoice uncollectible."""
    return _close(invoice_id, "mark-uncollectible")


@bp.post("/invoices/<invoice_id>/remind")
def remind_invoice(invoice_id):
    """Have Stripe send an open invoice again; 409 in any other state."""
    with store.connect() as db:
        invoice = store.require_invoice(db, invoice_id)
    return store.invoice_json(invoicing.remind(invoice))


def _moment(name):
    raw = request.args.get(name)
    if raw is None:
        return int(time.time())
    if not _MOMENT.fullmatch(raw):
        raise ApiError(400, f"{name} must be a Unix time in seconds.", field=name)
    return int(raw)


@bp.get("/receivables")
def get_receivables():
    """What is owed per currency at `?as_of=` (default now), aged by days past due."""
    as_of = _moment("as_of")
    with store.connect() as db:
        return {"as_of": as_of, "data": receivables.aging(db, as_of)}


@bp.get("/outbox")
def list_outbox():
    """Emulator mode only: the emails Stripe would have sent, newest first."""
    if current_app.config["MODE"] != "emulator":
        raise NotFoundError("The outbox exists only in emulator mode.")
    keys = ("id", "to", "subject", "kind", "invoice", "hosted_invoice_url", "created")
    return {"data": [{k: email[k] for k in keys} for email in emulation.outbox(current_app.config)]}


def _pay_status(invoice):
    return {"status": invoice.status, "payment": invoice.payment}


@bp.get("/invoices/<invoice_id>/pay/status")
@security.public
def get_pay_status(invoice_id):
    """What the payment page polls: the status and payment, nothing more (it is public)."""
    with store.connect() as db:
        return _pay_status(store.require_invoice(db, invoice_id))


@bp.post("/invoices/<invoice_id>/pay/test")
@security.public
def create_test_payment(invoice_id):
    """Emulator mode only: pay an open invoice as a customer would (succeed, fail, delayed)."""
    if current_app.config["MODE"] != "emulator":
        raise NotFoundError("Test payments exist only in emulator mode.")
    outcome = json_body().get("outcome")
    if outcome not in emulation.OUTCOMES:
        choices = ", ".join(emulation.OUTCOMES)
        raise ApiError(400, f"outcome must be one of {choices}.", field="outcome")
    with store.connect() as db:
        if store.require_invoice(db, invoice_id).status != "open":
            raise StateConflictError("Only an open invoice can be paid.")
    emulation.test_payment(current_app.config, invoice_id, outcome)
    with store.connect() as db:
        return _pay_status(store.require_invoice(db, invoice_id))


@bp.get("/healthz")
@security.public
def healthz():
    """200 when the database answers and accepts a write (a full disk reads fine)."""
    with store.begin() as db:
        bookkeeping.ping(db)
    return {"ok": True}
