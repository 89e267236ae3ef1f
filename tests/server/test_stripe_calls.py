"""stripe_calls.py, the app's Stripe client: the environment's proxy settings apply, read once at
start, a ~/.netrc never replaces the API key, and no Stripe call waits while the server holds a
database connection."""

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from invoicing import stripe_calls
from stripe_emulator import WSGIClient
from tests.helpers import HOOK_SECRET, post_signed, served
from tests.helpers.serving import serve_in_thread

KEY = "sk_test_client_0123456789"


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open, as Stripe does

    def do_GET(self):
        self.server.seen.append({"path": self.path, "auth": self.headers.get("Authorization")})
        time.sleep(self.server.delay)
        body = json.dumps({"object": "list", "data": [], "has_more": False, "url": "/v1/prices"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def recorders():
    """Two local HTTP servers that note each request (one stands for Stripe, one a proxy)."""
    servers = []
    for _ in range(2):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen, server.delay = [], 0
        serve_in_thread(server)
        servers.append(server)
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    return monkeypatch


def _address(server):
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_calls_go_through_the_environments_proxy(recorders, clean_env):
    proxy = recorders[1]
    clean_env.setenv("HTTP_PROXY", _address(proxy))
    client = stripe_calls.make_client(KEY, "http://stripe.invalid")
    client.v1.prices.list()
    assert proxy.seen == [{"path": "http://stripe.invalid/v1/prices", "auth": f"Bearer {KEY}"}]


def test_the_environment_is_read_once_at_start(recorders, clean_env):
    proxy = recorders[1]
    clean_env.setenv("HTTP_PROXY", _address(proxy))
    client = stripe_calls.make_client(KEY, "http://stripe.invalid")
    clean_env.delenv("HTTP_PROXY")
    client.v1.prices.list()
    assert [seen["path"] for seen in proxy.seen] == ["http://stripe.invalid/v1/prices"]


def test_all_proxy_serves_every_scheme(recorders, clean_env):
    proxy = recorders[1]
    clean_env.setenv("ALL_PROXY", _address(proxy))
    stripe_calls.make_client(KEY, "http://stripe.invalid").v1.prices.list()
    assert [seen["path"] for seen in proxy.seen] == ["http://stripe.invalid/v1/prices"]


def test_no_proxy_for_an_address_named_in_no_proxy(recorders, clean_env):
    stripe_api, proxy = recorders
    clean_env.setenv("HTTP_PROXY", _address(proxy))
    clean_env.setenv("NO_PROXY", "127.0.0.1")
    stripe_calls.make_client(KEY, _address(stripe_api)).v1.prices.list()
    assert [seen["path"] for seen in stripe_api.seen] == ["/v1/prices"]
    assert proxy.seen == []


def test_a_netrc_entry_for_the_api_never_replaces_the_key(recorders, clean_env, tmp_path):
    stripe_api = recorders[0]
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    stripe_calls.make_client(KEY, _address(stripe_api)).v1.prices.list()
    assert stripe_api.seen[0]["auth"] == f"Bearer {KEY}"


def test_many_threads_calling_at_once_keep_their_connections(recorders, clean_env, caplog):
    stripe_api = recorders[0]
    stripe_api.delay = 0.2  # every call overlaps the others
    client = stripe_calls.make_client(KEY, _address(stripe_api))
    with caplog.at_level(logging.WARNING, logger="urllib3"):
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda _: client.v1.prices.list(), range(16)))
    assert len(stripe_api.seen) == 16
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


class _Watching(WSGIClient):
    """The emulator in process, noting how many database connections the server holds at each
    Stripe call it makes."""

    def __init__(self, emulator):
        super().__init__(emulator)
        self.engine, self.held = None, []

    def request(self, method, url, headers, post_data=None, **kwargs):
        """Note the connections held, then answer as the emulator does."""
        if self.engine is not None:
            self.held.append((method, urlsplit(url).path, self.engine.pool.checkedout()))
        return super().request(method, url, headers, post_data, **kwargs)


def test_no_stripe_call_is_made_while_a_database_connection_is_held(emulator, sqlite_url):
    watching = _Watching(emulator)
    settings = {"STRIPE_HTTP_CLIENT": watching, "STRIPE_WEBHOOK_SECRETS": [HOOK_SECRET]}
    with served(emulator, sqlite_url, **settings) as api:
        app = api.live.app
        watching.engine = app.extensions["db"]
        first = api.send("held@example.com").json()  # a new customer: 4 calls
        second = api.send("held@example.com").json()  # a known one: 3
        assert api.post(f"/invoices/{first['id']}/remind").status_code == 200
        assert api.post(f"/invoices/{first['id']}/void").status_code == 200
        assert api.post(f"/invoices/{second['id']}/mark-uncollectible").status_code == 200
        # A PaymentIntent the record does not know: the webhook asks Stripe which invoice.
        unknown = {"id": "pi_unknown", "object": "payment_intent"}
        processing = {"id": "evt_held", "type": "payment_intent.processing",
                      "created": int(time.time()), "data": {"object": unknown}}  # fmt: skip
        assert post_signed(f"{api.url}/webhook", processing, HOOK_SECRET).status_code == 200
        runner = app.test_cli_runner()
        assert runner.invoke(args=["reconcile"]).exit_code == 0
        assert runner.invoke(args=["sync", "--all"]).exit_code == 0
    paths = {path for _, path, _ in watching.held}
    assert {"/v1/customers", "/v1/invoices", "/v1/invoice_payments", "/v1/events"} <= paths
    assert [call for call in watching.held if call[2]] == []
