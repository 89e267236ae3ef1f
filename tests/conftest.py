"""Fixtures shared by the emulator's and the server's tests."""

import contextlib
import uuid

import pytest
import requests
import stripe

import invoicing
from stripe_emulator import Emulator, WSGIClient
from tests.helpers import Receiver, wait_for
from tools.serving import LiveServer, free_port

TEST_KEY = "sk_test_emulator_key"


@pytest.fixture
def emulator():
    """A fresh emulator with fast retries and a short processing delay."""
    em = Emulator(processing_seconds=0.2, webhook_first_retry=0.05, webhook_attempts=4)
    yield em
    em.close()


def sdk_client(emulator):
    """The real SDK client, talking to `emulator` in process."""
    return stripe.StripeClient(
        TEST_KEY,
        base_addresses={"api": "http://emulator.test"},
        http_client=WSGIClient(emulator),
    )


@pytest.fixture
def client(emulator):
    """The real SDK client, talking to the emulator in process."""
    return sdk_client(emulator)


@pytest.fixture
def receiver():
    """A local HTTP endpoint for webhook deliveries."""
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def unused_port():
    """A TCP port nothing listens on right now."""
    return free_port()


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the session (each test gets its own database)."""
    from tools.postgres import Postgres

    server = Postgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'invoicing.db'}"
    postgres = request.getfixturevalue("postgres")
    return postgres.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def sqlite_url(tmp_path):
    """A SQLite database for tests that are not about storage."""
    return f"sqlite:///{tmp_path / 'invoicing.db'}"


def make_server(emulator, database_url, **settings):
    """The invoicing server on a free port, its Stripe calls going to `emulator` in process.

    Without `STRIPE_WEBHOOK_SECRETS` it registers its webhook with the emulator, so the
    emulator's events reach it over real HTTP, as in emulator mode.
    """
    from factory import create_app

    live = LiveServer()
    config = {
        "TESTING": True,
        "STRIPE_SECRET_KEY": "",
        "STRIPE_PUBLISHABLE_KEY": "",
        "STRIPE_WEBHOOK_SECRETS": [],
        "STRIPE_API_BASE": "http://emulator.test",
        "STRIPE_HTTP_CLIENT": WSGIClient(emulator),
        "DATABASE_URL": database_url,
        "DOMAIN": live.url,
        "DAYS_UNTIL_DUE": 30,
        "AUTOMATIC_TAX": False,
        "ADMIN_USER": "admin",
        "ADMIN_PASSWORD": "",
        "TRUSTED_PROXIES": 0,
        **settings,
    }
    live.app = create_app(config)
    return live


class Api:
    """`requests` against a live server, with the JSON helpers tests need."""

    def __init__(self, live):
        self.live = live
        self.url = live.url
        self.http = requests.Session()

    def get(self, path, **kwargs):
        return self.http.get(self.url + path, timeout=30, **kwargs)

    def post(self, path, json=None, **kwargs):
        # The API accepts only JSON: an empty object when a route needs no body.
        return self.http.post(
            self.url + path, json={} if json is None else json, timeout=60, **kwargs
        )

    def prices(self):
        return {p["lookup_key"]: p for p in self.get("/prices").json()["data"]}

    def send(self, email="jo@example.com", items=None, headers=None, **body):
        gold = self.prices()["gold_special"]["id"]
        items = items or [{"price": gold, "quantity": 2}]
        return self.post("/invoices", {"email": email, "items": items, **body}, headers=headers)

    def invoice(self, invoice_id):
        return self.get(f"/invoices/{invoice_id}").json()

    def wait(self, invoice_id, **expected):
        """Poll until the invoice shows the expected fields (webhooks arrive asynchronously)."""

        def arrived():
            shown = self.invoice(invoice_id)
            return shown if all(shown.get(k) == v for k, v in expected.items()) else None

        return wait_for(arrived)


def serve_api(emulator, url, **settings):
    """A fixture body: the server (see make_server) as an Api, stopped cleanly afterwards.

    With webhook secrets given, the server does not prepare the emulator, so the sample
    catalog is seeded here and the emulator delivers nothing by itself.
    """
    live = make_server(emulator, url, **settings)
    if settings.get("STRIPE_WEBHOOK_SECRETS"):
        invoicing.seed_catalog(live.app.extensions["stripe"])
    api = Api(live)
    yield api
    # Let in-flight deliveries finish before the server and its connections go away.
    emulator.deliverer.wait_idle(timeout=15)
    api.http.close()
    live.stop()
    live.app.extensions["db"].dispose()


# The same, for a `with` block inside a test.
served = contextlib.contextmanager(serve_api)


@pytest.fixture
def api(emulator, database_url):
    """The server on SQLite and on PostgreSQL, wired to the emulator."""
    yield from serve_api(emulator, database_url)


@pytest.fixture
def sqlite_api(emulator, sqlite_url):
    """The server on SQLite only, for tests that are not about storage."""
    yield from serve_api(emulator, sqlite_url)
