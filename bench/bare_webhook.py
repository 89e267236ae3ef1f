"""The baseline: a Flask endpoint that only verifies Stripe's signature, nothing stored.

gunicorn bench.bare_webhook:app    (under the serving settings of the server's gunicorn.conf.py)
"""

import os

import stripe
from flask import Flask, request

app = Flask(__name__)
SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]


@app.post("/webhook")
def receive_event():
    """Verify the signature and answer 200, as the cheapest correct webhook can."""
    try:
        stripe.WebhookSignature.verify_header(
            request.get_data(), request.headers.get("Stripe-Signature"), SECRET, 300
        )
    except stripe.SignatureVerificationError:
        return {"error": "bad signature"}, 400
    return {"received": True}


@app.get("/healthz")
def healthz():
    """Up."""
    return {"ok": True}
