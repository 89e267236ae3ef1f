"""The JSON interface: catalog, invoices, and health."""

from flask import Blueprint, current_app, request, url_for

import invoicing
import store
from errors import ApiError
from validation import parse_order

bp = Blueprint("api", __name__)


def _json_body():
    # Only JSON is accepted for changes, so a cross-site HTML form cannot post here.
    if not request.is_json:
        raise ApiError(415, "Send the body as application/json.", code="unsupported_media_type")
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
    }


@bp.get("/prices")
def list_prices():
    """The catalog: active one-time prices."""
    prices = current_app.extensions["catalog"].prices()
    keys = ("id", "product", "product_id", "nickname", "unit_amount", "currency", "lookup_key")
    return {"data": [{k: p[k] for k in keys} for p in prices.values()]}


@bp.post("/invoices")
def create_invoice():
    """Create and send one invoice; 201 with it."""
    body = _json_body()
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
    """Invoices from the local database, newest first; `?email=` filters."""
    email = request.args.get("email", "").strip() or None
    invoices = store.list_invoices(store.get_session(), email)
    return {"data": [store.invoice_json(i) for i in invoices]}


def _found(session, invoice_id):
    invoice = store.get_invoice(session, invoice_id)
    if invoice is None:
        raise ApiError(404, f"No invoice {invoice_id!r}.", code="not_found")
    return invoice


@bp.get("/invoices/<invoice_id>")
def get_invoice(invoice_id):
    """One invoice with the events that touched it."""
    session = store.get_session()
    shown = store.invoice_json(_found(session, invoice_id))
    shown["events"] = store.events_for(session, invoice_id)
    return shown


@bp.post("/invoices/<invoice_id>/void")
def void_invoice(invoice_id):
    """Void an open invoice."""
    return store.invoice_json(invoicing.close_invoice(store.get_session(), invoice_id, "void"))


@bp.post("/invoices/<invoice_id>/mark-uncollectible")
def mark_uncollectible(invoice_id):
    """Mark an open invoice uncollectible."""
    session = store.get_session()
    return store.invoice_json(invoicing.close_invoice(session, invoice_id, "mark-uncollectible"))


@bp.get("/healthz")
def healthz():
    """200 when the database answers."""
    store.ping(store.get_session())
    return {"ok": True}
