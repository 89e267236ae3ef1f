"""`POST /webhook`: verify, store once, apply, and only then answer 2xx.

Stripe delivers at least once and in no particular order; the effects below are conditional
updates (see store.py), so a redelivery changes nothing and an old event never wins.
"""

import json
import re

import stripe
from flask import Blueprint, current_app, g, request

import invoicing
import security
import store
from errors import ApiError

bp = Blueprint("webhook", __name__)


def _verify(payload, header):
    """The event, if `header` signs `payload` with one of our secrets (any, during a roll).

    This is `stripe.Webhook.construct_event` in two steps: the SDK's own verifier on the raw
    bytes, then the JSON parsed here as a plain dict, so an odd but signed body (say `null`)
    is a 400 rather than a crash inside the SDK's Event constructor.
    """
    secrets = current_app.config["STRIPE_WEBHOOK_SECRETS"]
    if not secrets:
        raise ApiError(503, "No webhook secret is configured.", code="webhook_not_configured")
    tolerance = stripe.Webhook.DEFAULT_TOLERANCE
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(payload, header, secret, tolerance)
        except stripe.SignatureVerificationError:
            continue
        except UnicodeDecodeError:
            raise ApiError(400, "The body is not UTF-8 text.", code="invalid_body") from None
        try:
            return json.loads(payload)
        except (ValueError, RecursionError):
            raise ApiError(400, "The body is not valid JSON.", code="invalid_json") from None
    raise ApiError(400, "The Stripe-Signature header does not verify.", code="invalid_signature")


# An event's id and type are stored and logged: visible ASCII, no spaces.
_TOKEN = re.compile("[\x21-\x7e]{1,255}")


def _check_shape(event):
    created = event.get("created") if isinstance(event, dict) else None
    ok = (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and _TOKEN.fullmatch(event["id"])
        and isinstance(event.get("type"), str)
        and _TOKEN.fullmatch(event["type"])
        and isinstance(created, int)
        and not isinstance(created, bool)
        and 0 <= created < 2**63
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    )
    if not ok:
        raise ApiError(400, "The event lacks id, type, created or data.object.", code="bad_event")


def _invoice_of(db, event):
    """The invoice an event concerns, if any (looked up before the write transaction)."""
    obj = event["data"]["object"]
    if obj.get("object") == "invoice":
        return store.invoice_id_of(obj)
    if event["type"].startswith("payment_intent.") and store.is_stripe_id(obj.get("id")):
        found = store.invoice_by_payment_intent(db, obj["id"])
        if found or event["type"] != "payment_intent.processing":
            return found
        # Not known locally: ask Stripe which invoice this PaymentIntent pays.
        return invoicing.invoice_paid_by(obj["id"])
    return None


def _status(status):
    def change(event, invoice_id):  # the status is `status`, whatever the snapshot says
        return store.snapshot_change(invoice_id, status, event["data"]["object"])

    return change


def _payment_succeeded(event, invoice_id):
    # A payment of part of the invoice leaves it open, with less remaining; the last one pays it.
    snapshot = event["data"]["object"]
    status = "open" if snapshot.get("status") == "open" else "paid"
    return store.snapshot_change(invoice_id, status, snapshot)


def _payment(payment):
    def change(event, invoice_id):
        return store.payment_change(invoice_id, payment, event["created"])

    return change


# One small change per handled type; any other type is stored and acknowledged.
HANDLERS = {
    "invoice.paid": _status("paid"),
    "invoice.payment_succeeded": _payment_succeeded,
    "invoice.payment_failed": _payment("failed"),
    "payment_intent.processing": _payment("processing"),
    "invoice.finalized": _status("open"),
    "invoice.sent": _status("open"),
    "invoice.voided": _status("void"),
    "invoice.marked_uncollectible": _status("uncollectible"),
}


def change_of(event, invoice_id):
    """What an event means for the local invoice: a store.Change, or None."""
    handler = HANDLERS.get(event["type"])
    return handler(event, invoice_id) if handler and invoice_id else None


def apply_effect(db, event, invoice_id):
    """Apply what an event means to the local invoice, inside the caller's unit of work;
    True if it changed something."""
    change = change_of(event, invoice_id)
    return change is not None and store.make_change(db, change)


def apply_event(event, payload):
    """Store the event and apply its effect in one unit of work; return (outcome, invoice id).

    One connection for the lookup and the write: this is the hot path of a burst of webhooks.
    """
    with store.connect() as db:
        invoice_id = _invoice_of(db, event)
        change = change_of(event, invoice_id)
        db.rollback()  # end the read above, so the unit of work starts fresh
        # Committed on leaving, rolled back on an error. Only store_event goes in here: on
        # PostgreSQL its one statement is the whole transaction (see store.begin_event).
        with store.begin_event(db):
            stored, changed = store.store_event(db, event, invoice_id, payload, change)
    if not stored:
        return "duplicate", invoice_id
    if event["type"] not in HANDLERS:
        return "ignored", invoice_id
    return ("applied" if changed else "unchanged"), invoice_id


@bp.post("/webhook")
@security.public
def receive_event():
    """Verify a Stripe event, then store and apply it before answering 200."""
    header = request.headers.get("Stripe-Signature")
    if not header:
        raise ApiError(400, "The Stripe-Signature header is missing.", code="signature_missing")
    if not header.isascii():  # Stripe's are; the SDK's digest comparison raises on any other
        raise ApiError(
            400, "The Stripe-Signature header does not verify.", code="invalid_signature"
        )
    payload = request.get_data()
    event = _verify(payload, header)
    _check_shape(event)
    outcome, invoice_id = apply_event(event, payload)
    # The event rides on this request's log line (logs.py): one line for both.
    g.log_fields = {"event": event["id"], "type": event["type"], "invoice": invoice_id,
                    "outcome": outcome}  # fmt: skip
    return {"received": True, "outcome": outcome}
