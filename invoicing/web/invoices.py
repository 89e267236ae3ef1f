"""The invoices' JSON routes: send one, list them, show one, void, mark uncollectible, remind,
mark paid outside Stripe."""

import functools
import re
import time

from flask import Blueprint, current_app, request, url_for

from invoicing import invoice_actions
from invoicing.errors import ApiError
from invoicing.record import credit_notes, database, event_log, invoices, payments, refunds
from invoicing.sending import idempotency, send
from invoicing.sending.validation import parse_order
from invoicing.text import clean_text
from invoicing.web import guards, paging
from invoicing.web.bodies import json_body
from invoicing.web.shapes import credit_note_json, invoice_json, payment_json, refund_json

bp = Blueprint("invoices", __name__)
bp.before_request(guards.require_json)
CURSOR_OVERLAP = 5_000_000  # microseconds
# A cursor is a count of microseconds: ASCII digits that fit a 64-bit column.
_CURSOR = re.compile("[0-9]{1,18}")


@bp.post("/invoices")
def create_invoice():
    """Create and send one invoice; 201 with it. A repeated Idempotency-Key replays it."""
    key = idempotency.checked_key(request.headers.get("Idempotency-Key"))
    body = json_body()
    catalog = current_app.extensions["catalog"]
    order = parse_order(body, catalog, current_app.config["DAYS_UNTIL_DUE"])
    invoice, replayed = send.send(order, key, body)
    headers = {"Location": url_for("invoices.get_invoice", invoice_id=invoice.id)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return invoice_json(invoice), 201, headers


@bp.get("/invoices")
def list_invoices():
    """Invoices from the local database, newest first, a page of `?limit=` at a time
    (`?starting_after=` the last one shown); `?email=`, `?status=` and `?q=` filter, together.

    `cursor` in the answer, passed back as `?since=`, lists only what changed since, in the
    order it changed; `has_more` says a page was full and the next cursor continues it.
    """
    email = clean_text(request.args.get("email", ""), "email").strip() or None
    status = request.args.get("status") or None
    if status is not None and status not in invoices.STATUSES:
        choices = ", ".join(invoices.STATUSES)
        raise ApiError(400, f"status must be one of {choices}.", field="status")
    limit, q = paging.page_params(request.args)
    since = request.args.get("since")
    if since is not None and not _CURSOR.fullmatch(since):
        raise ApiError(400, "since must be a cursor from an earlier answer.", field="since")
    with database.connect() as db:
        find = functools.partial(invoices.get_invoice, db)
        after = paging.starting_after(request.args, find, "invoice")
        cursor = invoices.cursor(db)
        # A write stamped before the cursor may commit after it: look back a little, and let
        # the page merge repeats by id.
        changed_after = int(since) - CURSOR_OVERLAP if since is not None else None
        # One more than asked for says whether there is more.
        found = invoices.list_invoices(db, email, changed_after, status, limit + 1, q, after)
    has_more = len(found) > limit
    found = found[:limit]
    if since is not None and has_more:
        # Changes come oldest first: the next page starts at this one's last change, not
        # the overlap before it (its ties come again; merge by id).
        cursor = found[-1].changed - 1 + CURSOR_OVERLAP
    now = int(time.time())
    data = [invoice_json(invoice, now) for invoice in found]
    return {"data": data, "cursor": cursor, "has_more": has_more}


@bp.get("/invoices/<invoice_id>")
def get_invoice(invoice_id):
    """One invoice with the events that touched it, its credit notes, refunds and payments."""
    with database.connect() as db:
        shown = invoice_json(invoices.require_invoice(db, invoice_id))
        shown["events"] = event_log.events_for(db, invoice_id)
        shown["credit_notes"] = [
            credit_note_json(n) for n in credit_notes.credit_notes_for(db, invoice_id)
        ]
        shown["refunds"] = [refund_json(r) for r in refunds.refunds_for(db, invoice_id)]
        shown["payments"] = [payment_json(p) for p in payments.payments_for(db, invoice_id)]
    return shown


def _close(invoice_id, action):
    with database.connect() as db:
        invoice = invoices.require_invoice(db, invoice_id)
    return invoice_json(invoice_actions.close_invoice(invoice, action))


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
    with database.connect() as db:
        invoice = invoices.require_invoice(db, invoice_id)
    return invoice_json(invoice_actions.remind(invoice))


@bp.post("/invoices/<invoice_id>/mark-paid")
def mark_paid(invoice_id):
    """Mark an open or uncollectible invoice paid outside Stripe; 409 in any other state."""
    memo = json_body().get("memo")
    if memo is not None:
        if not isinstance(memo, str) or len(memo) > 500:
            raise ApiError(400, "memo must be a string of at most 500 characters.", field="memo")
        memo = clean_text(memo, "memo", multiline=True).strip() or None
    with database.connect() as db:
        invoice = invoices.require_invoice(db, invoice_id)
    return invoice_json(invoice_actions.mark_paid(invoice, memo))
