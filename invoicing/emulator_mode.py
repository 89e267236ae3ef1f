"""Emulator mode: find or start the emulator, keep one webhook endpoint per server address
(its secret kept in the local database, so other processes reuse it), seed the catalog.

Several processes can share one emulator: the server, a second server on another port, and
any `flask --app server ...` command run beside them. The first starts the emulator and notes
its address in the database; the others find it there and use it. Each serving address
(DOMAIN) has one endpoint, made once and reused; commands serve no webhooks and make none.
"""

import json
import os

import requests
import stripe

from invoicing import stripe_calls, stripe_catalog
from invoicing.cli import flask_run_port, serving
from invoicing.config import EMULATOR_KEY
from invoicing.errors import ConfigError, StateConflictError
from invoicing.record import database, settings

# Beside the default SQLite record, in the instance folder next to the package.
DEFAULT_STATE_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "instance", "emulator-state.json"
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
    "invoice.updated",
    "credit_note.created",
    "credit_note.updated",
    "credit_note.voided",
    "customer.updated",
    "invoice_payment.paid",
    "refund.created",
    "refund.updated",
    "refund.failed",
    "charge.refunded",
]
_EMULATOR_URL = "emulator.url"
_PROBE_SECONDS = 2


# What a customer can do on the payment page in emulator mode.
OUTCOMES = ("succeed", "fail", "delayed")


def _control(config, method, path, payload=None):
    # The emulator's test controls, through the app's own HTTP client (in process in tests).
    http = config.get("STRIPE_HTTP_CLIENT") or stripe.RequestsClient(timeout=10)
    url = f"{config['STRIPE_API_BASE']}/_emulator/{path}"
    if payload is None:
        return http.request(method, url, {})[:2]
    return http.request(method, url, {"Content-Type": "application/json"}, json.dumps(payload))[:2]


def test_payment(config, invoice_id, outcome):
    """Ask the emulator to pay an invoice as its hosted page's buttons do."""
    body, status = _control(config, "post", f"invoices/{invoice_id}/payments", {"outcome": outcome})
    if status != 200:
        message = json.loads(body).get("error", {}).get("message", "The emulator refused.")
        raise StateConflictError(message)


def outbox(config):
    """The emails the emulator says Stripe would have sent, newest first."""
    body, status = _control(config, "get", "outbox")
    if status != 200:
        raise StateConflictError("The emulator has no outbox.")
    return json.loads(body)["data"]


def state_file(config):
    """Where the built-in emulator keeps its state, or None to keep it in memory.

    EMULATOR_STATE_FILE if set; else beside the default SQLite record, so that a restarted
    server still finds its invoices at the emulator.
    """
    if config["EMULATOR_STATE_FILE"]:
        return config["EMULATOR_STATE_FILE"]
    return None if config["DATABASE_URL"] else DEFAULT_STATE_FILE


def _probe(url):
    """The answer to a short GET of `url`, or None if nothing answers."""
    try:
        return requests.get(url, timeout=_PROBE_SECONDS)
    except requests.RequestException:
        return None


def _is_emulator(url):
    answer = _probe(f"{url}/_emulator/info")
    try:
        return answer is not None and answer.ok and answer.json().get("object") == "emulator"
    except ValueError:
        return False


def start_emulator(processing_seconds, path=None):
    """Serve a new emulator on loopback, from the state at `path` if given; return its URL.

    It takes the port of the run that saved the state, which its hosted invoice URLs name,
    or a free one if that port is taken now.
    """
    # The only place the server imports the emulator: emulator mode starting it.
    from stripe_emulator import Emulator, StateFileError, serve

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


def find_or_start_emulator(config, engine):
    """The URL of the emulator this server's processes share: the one noted in the database
    if it still answers, else a new one (noted there for the others)."""
    with database.connect(engine) as db:
        noted = settings.get_setting(db, _EMULATOR_URL)
    if noted and _is_emulator(noted):
        return noted
    url = start_emulator(config["EMULATOR_PROCESSING_SECONDS"], state_file(config))
    with database.begin(engine) as db:
        settings.set_setting(db, _EMULATOR_URL, url)
    return url


def webhook_secret(stripe_client, domain, engine):
    """The signing secret of this address's endpoint, made once and then reused.

    The secret is shown only when an endpoint is made, so it is kept in the local database:
    every process of this server reuses the same endpoint and secret. Only this address's
    endpoint is ever replaced (when its secret was lost with another database); the endpoints
    of other addresses are never touched, nor their servers asked anything.
    """
    url = f"{domain}/webhook"
    setting = f"emulator.webhook:{url}"
    with database.connect(engine) as db:
        saved = settings.get_setting(db, setting)
    saved = json.loads(saved) if saved else None
    for endpoint in stripe_client.v1.webhook_endpoints.list({"limit": 100}).data:
        if endpoint.url != url:
            continue
        if saved and endpoint.id == saved["id"]:
            if sorted(endpoint.enabled_events) != sorted(ENABLED_EVENTS):
                # Made by an older release: this one handles more events.
                stripe_client.v1.webhook_endpoints.update(
                    endpoint.id, {"enabled_events": ENABLED_EVENTS}
                )
            return saved["secret"]
        # This address's, but its secret is lost (another database): deliveries would fail.
        stripe_client.v1.webhook_endpoints.delete(endpoint.id)
    created = stripe_client.v1.webhook_endpoints.create(
        {"url": url, "enabled_events": ENABLED_EVENTS}
    )
    with database.begin(engine) as db:
        settings.set_setting(db, setting, json.dumps({"id": created.id, "secret": created.secret}))
    return created.secret


def prepare(config, engine, http_client=None, serves_webhooks=True):
    """Make emulator mode ready: emulator found or started, catalog seeded, and for a serving
    process its webhook endpoint registered. Return the settings to use (API base and webhook
    secrets); a command (`flask --app server reconcile`, ...) serves no webhooks, so it never
    makes, replaces or removes an endpoint.

    Under gunicorn this runs once in the master (gunicorn.conf.py); the workers inherit it.
    """
    base = config["STRIPE_API_BASE"] or find_or_start_emulator(config, engine)
    stripe_client = stripe_calls.make_client(EMULATOR_KEY, base, http_client)
    secrets = [webhook_secret(stripe_client, config["DOMAIN"], engine)] if serves_webhooks else []
    stripe_catalog.seed_catalog(stripe_client)
    stripe_catalog.seed_adjustments(stripe_client)
    return {"STRIPE_API_BASE": base, "STRIPE_WEBHOOK_SECRETS": secrets}


def init_app(app):
    """In emulator mode, make the app's Stripe settings point at the emulator (found or
    started, this address's endpoint registered, the catalog seeded); return the API key."""
    if app.config["MODE"] != "emulator":
        return app.config["STRIPE_SECRET_KEY"]
    port = flask_run_port()
    if port and not app.config["DOMAIN_SET"]:
        # `flask run --port N`: the emulator's webhooks go where this server listens.
        app.config["DOMAIN"] = f"http://localhost:{port}"
    if not (app.config["STRIPE_WEBHOOK_SECRETS"] and app.config["STRIPE_API_BASE"]):
        http_client = app.config.get("STRIPE_HTTP_CLIENT")
        ready = prepare(app.config, app.extensions["db"], http_client, serving())
        app.config.update(STRIPE_API_BASE=ready["STRIPE_API_BASE"])
        # Secrets set by hand are kept; the emulator's own endpoint signs with its own.
        given = app.config["STRIPE_WEBHOOK_SECRETS"]
        added = [s for s in ready["STRIPE_WEBHOOK_SECRETS"] if s not in given]
        app.config.update(STRIPE_WEBHOOK_SECRETS=[*given, *added])
    return EMULATOR_KEY
