"""`POST /webhook`: verify the signature, parse, hand the event to the record, and only then
answer 2xx (what each event means is invoicing/events.py)."""

import json

import stripe
from flask import Blueprint, current_app, g, request

from invoicing import events
from invoicing.errors import ApiError
from invoicing.web import guards

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
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(
                payload, header, secret, stripe.Webhook.DEFAULT_TOLERANCE
            )
        except stripe.SignatureVerificationError:
            continue
        except UnicodeDecodeError:
            raise ApiError(400, "The body is not UTF-8 text.", code="invalid_body") from None
        try:
            return json.loads(payload)
        except (ValueError, RecursionError):
            raise ApiError(400, "The body is not valid JSON.", code="invalid_json") from None
    raise ApiError(400, "The Stripe-Signature header does not verify.", code="invalid_signature")


@bp.post("/webhook")
@guards.public
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
    if not events.is_event(event):
        raise ApiError(400, "The event lacks id, type, created or data.object.", code="bad_event")
    outcome, invoice_id = events.record_event(event, payload)
    # The event rides on this request's log line (web/logs.py): one line for both.
    g.log_fields = {"event": event["id"], "type": event["type"], "invoice": invoice_id,
                    "outcome": outcome}  # fmt: skip
    return {"received": True, "outcome": outcome}
