"""Emulator mode: a built-in Stripe emulator, its webhook endpoint, and a sample catalog."""

import json
import os

import stripe

import invoicing
from errors import StateConflictError
from settings import EMULATOR_KEY, ConfigError
from stripe_emulator import Emulator, StateFileError, serve

DEFAULT_STATE_FILE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "instance", "emulator-state.json"
)

# Everything this server handles or records; the emulator delivers only these.
ENABLED_EVENTS = [
    "invoice.created",
    "invoice.finalized",
    "invoice.sent",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "payment_intent.processing",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
]


# What a customer can do on the payment page in emulator mode.
OUTCOMES = ("succeed", "fail", "delayed")


def test_payment(config, invoice_id, outcome):
    """Ask the emulator to pay an invoice as its hosted page's buttons do."""
    http = config.get("STRIPE_HTTP_CLIENT") or stripe.RequestsClient(timeout=10)
    url = f"{config['STRIPE_API_BASE']}/_emulator/invoices/{invoice_id}/payments"
    body, status, _ = http.request(
        "post", url, {"Content-Type": "application/json"}, json.dumps({"outcome": outcome})
    )
    if status != 200:
        message = json.loads(body).get("error", {}).get("message", "The emulator refused.")
        raise StateConflictError(message)


def state_file(config):
    """Where the built-in emulator keeps its state, or None to keep it in memory.

    EMULATOR_STATE_FILE if set; else beside the default SQLite record, so that a restarted
    server still finds its invoices at the emulator.
    """
    if config["EMULATOR_STATE_FILE"]:
        return config["EMULATOR_STATE_FILE"]
    return None if config["DATABASE_URL"] else DEFAULT_STATE_FILE


def start_emulator(processing_seconds, path=None):
    """Serve a new emulator on loopback, from the state at `path` if given; return its URL.

    It takes the port of the run that saved the state, which its hosted invoice URLs name,
    or a free one if that port is taken now.
    """
    try:
        emulator = Emulator(processing_seconds=processing_seconds, state_file=path)
    except StateFileError as error:
        raise ConfigError(f"EMULATOR_STATE_FILE: {error}") from None
    if emulator.port:
        try:
            return serve(emulator, port=emulator.port).url
        except OSError:
            # Taken now: a free port. Earlier invoices' hosted URLs then point nowhere, but
            # the invoices themselves are all there.
            pass
    return serve(emulator).url


def register_webhook(stripe_client, domain):
    """Point the emulator's events at `DOMAIN/webhook`; return the signing secret.

    Endpoints left by an earlier run at the same URL are removed first: their secrets are
    lost, and deliveries signed with them would only fail.
    """
    url = f"{domain}/webhook"
    for endpoint in stripe_client.v1.webhook_endpoints.list({"limit": 100}).data:
        if endpoint.url == url:
            stripe_client.v1.webhook_endpoints.delete(endpoint.id)
    created = stripe_client.v1.webhook_endpoints.create(
        {"url": url, "enabled_events": ENABLED_EVENTS}
    )
    return created.secret


def prepare(config, http_client=None):
    """Make emulator mode ready: emulator running, webhook registered, catalog seeded.

    Returns the settings to use (API base and webhook secret). Under gunicorn this runs
    once in the master (gunicorn.conf.py), and the workers inherit the result.
    """
    base = config["STRIPE_API_BASE"] or start_emulator(
        config["EMULATOR_PROCESSING_SECONDS"], state_file(config)
    )
    stripe_client = invoicing.make_client(EMULATOR_KEY, base, http_client)
    secret = register_webhook(stripe_client, config["DOMAIN"])
    invoicing.seed_catalog(stripe_client)
    return {"STRIPE_API_BASE": base, "STRIPE_WEBHOOK_SECRETS": [secret]}
