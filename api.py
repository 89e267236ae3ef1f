"""The JSON interface: catalog, invoices, and health."""

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


@bp.post("/invoices")
def create_invoice():
    """Create and send one invoice; 201 with it."""
    body = json_body()
    ids = [i.get("price") for i in body.get("items") or [] if isinstance(i, dict)]
    catalog = current_app.extensions["catalog"].lookup([i for i in ids if isinstance(i, str)])
    order = parse_order(body, catalog, current_app.config["DAYS_UNTIL_DUE"])
    session = store.get_session()
    invoice = invoicing.send(session, order)
    current_app.logger.info(
        "invoice sent id=%s items=%d amount_due=%d",
        invoice.id,
        len(order.items),
        invoice.amount_due,
    )
    location = url_for("api.get_invoice", invoice_id=invoice.id)
    return store.invoice_json(invoice), 201, {"Location": location}


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
