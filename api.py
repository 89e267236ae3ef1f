"""The JSON interface: catalog, invoices, and health."""

import hashlib
import json
import re

import stripe
from flask import Blueprint, current_app, request, url_for

import invoicing
import store
from errors import ApiError
from validation import parse_order

bp = Blueprint("api", __name__)
CURSOR_OVERLAP = 5_000_000  # microseconds


@bp.before_request
def require_json():
    """Changes accept only JSON, so a cross-site HTML form cannot post to them."""
    if request.method == "POST" and not request.is_json:
        raise ApiError(415, "Send the body as application/json.", code="unsupported_media_type")


def json_body():
    """The request's JSON object, or a 400."""
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "The body is not valid JSON.", code="invalid_json")
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return body


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


_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
_KEY_CONFLICTS = {
    "reused": "This Idempotency-Key was used with another body.",
    "in_progress": "A request with this Idempotency-Key is still running; retry shortly.",
}


def _idempotency_key():
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _KEY.match(key):
        message = "Idempotency-Key is 1 to 200 visible ASCII characters."
        raise ApiError(400, message, field="Idempotency-Key")
    return key


def _created(invoice, replayed=False):
    headers = {"Location": url_for("api.get_invoice", invoice_id=invoice.id)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return store.invoice_json(invoice), 201, headers


@bp.post("/invoices")
def create_invoice():
    """Create and send one invoice; 201 with it. A repeated Idempotency-Key replays it."""
    key = _idempotency_key()
    body = json_body()
    catalog = current_app.extensions["catalog"]
    order = parse_order(body, catalog.lookup, current_app.config["DAYS_UNTIL_DUE"])
    session = store.get_session()
    if key is None:
        return _created(invoicing.send(session, order))
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    try:
        verdict, value = store.claim_key(session, key, digest)
    except store.KeyConflictError as conflict:
        message = _KEY_CONFLICTS[conflict.reason]
        code = f"idempotency_{conflict.reason}"
        raise ApiError(409, message, code=code, field="Idempotency-Key") from None
    if verdict == "replay":
        return _created(store.get_invoice(session, value), replayed=True)
    try:
        invoice = invoicing.send(session, order, key=f"{key}:{value}")
    except stripe.StripeError:
        store.release_key(session, key)
        raise
    store.finish_key(session, key, invoice.id)
    return _created(invoice)


@bp.get("/invoices")
def list_invoices():
    """Invoices from the local database, newest first; `?email=` filters.

    `cursor` in the answer, passed back as `?since=`, lists only what changed since.
    """
    email = request.args.get("email", "").strip() or None
    since = request.args.get("since")
    if since is not None and not since.isdigit():
        raise ApiError(400, "since must be a cursor from an earlier answer.", field="since")
    session = store.get_session()
    cursor = store.cursor(session)
    # A write stamped before the cursor may commit after it: look back a little, and let
    # the page merge repeats by id.
    after = int(since) - CURSOR_OVERLAP if since else None
    invoices = store.list_invoices(session, email, after)
    return {"data": [store.invoice_json(i) for i in invoices], "cursor": cursor}


def found(session, invoice_id):
    """The local invoice with this id, or a 404."""
    invoice = store.get_invoice(session, invoice_id)
    if invoice is None:
        raise ApiError(404, f"No invoice {invoice_id!r}.", code="not_found")
    return invoice


@bp.get("/invoices/<invoice_id>")
def get_invoice(invoice_id):
    """One invoice with the events that touched it."""
    session = store.get_session()
    shown = store.invoice_json(found(session, invoice_id))
    shown["events"] = store.events_for(session, invoice_id)
    return shown


@bp.post("/invoices/<invoice_id>/void")
def void_invoice(invoice_id):
    """Void an open invoice."""
    session = store.get_session()
    closed = invoicing.close_invoice(session, found(session, invoice_id), "void")
    return store.invoice_json(closed)


@bp.post("/invoices/<invoice_id>/mark-uncollectible")
def mark_uncollectible(invoice_id):
    """Mark an open invoice uncollectible."""
    session = store.get_session()
    closed = invoicing.close_invoice(session, found(session, invoice_id), "mark-uncollectible")
    return store.invoice_json(closed)


@bp.get("/healthz")
def healthz():
    """200 when the database answers."""
    store.ping(store.get_session())
    return {"ok": True}
