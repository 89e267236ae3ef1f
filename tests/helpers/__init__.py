"""What tests share besides fixtures: the server under test, a webhook receiver, Stripe's
signature written out, gunicorn started and stopped, and the server's OpenAPI description.
Browser tests have theirs in browser.py; serving.py and postgres.py serve the benchmarks too."""

import contextlib
import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
import stripe

from invoicing import stripe_catalog
from invoicing.web.apidoc import DESCRIPTION_FILE
from stripe_emulator import WSGIClient, sign
from tests.helpers.serving import LiveServer, serve_in_thread


def generate_header(payload, secret, timestamp=None):
    """A `Stripe-Signature` header for `payload`, as Stripe computes it (the SDK checks it)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return sign(payload.encode() if isinstance(payload, str) else payload, secret, timestamp)


def post_signed(url, payload, secret, http=None):
    """POST `payload` (bytes, or JSON-able) to `url`, signed with `secret` as Stripe signs."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Stripe-Signature": generate_header(body, secret),
        "Content-Type": "application/json",
    }
    return (http or requests).post(url, data=body, headers=headers, timeout=30)


def wait_for(predicate, timeout=10.0, interval=0.02):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


class Receiver:
    """A real local HTTP endpoint that records what is POSTed to it."""

    def __init__(self):
        self.received = []
        self.failures_left = 0
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.received.append((dict(self.headers), body))
                failing = receiver.failures_left > 0
                receiver.failures_left -= failing
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhook"
        serve_in_thread(self._server)

    def events(self):
        """The JSON bodies received so far."""
        return [json.loads(body) for _, body in self.received]

    def close(self):
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def clean_env(tmp_path, **extra):
    """The environment of a fresh shell: no Stripe or emulator settings, a temp database, and
    no `.env` read (python-dotenv would put back what is removed here)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STRIPE_", "DATABASE_", "EMULATOR_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'invoicing.db'}"
    env["PYTHON_DOTENV_DISABLED"] = "1"
    env.update(extra)
    return env


def start_gunicorn(env, port, errors=subprocess.DEVNULL):
    """`gunicorn server:app` on `port`, returned once it answers /healthz; its error log goes
    to `errors` (a file)."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "server:app", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    return answering(process, f"http://127.0.0.1:{port}/healthz")


def answering(process, url, timeout=30):
    """`process` (a server starting), once `url` answers with a 2xx; killed if it never does."""

    def answers():
        try:
            return requests.get(url, timeout=2).ok
        except requests.ConnectionError:
            return False

    try:
        wait_for(answers, timeout=timeout)
    except BaseException:
        process.kill()
        raise
    return process


@contextlib.contextmanager
def deployed(tmp_path, port, emulator, errors=subprocess.DEVNULL, **settings):
    """`gunicorn server:app` on `port`, its Stripe calls going to `emulator` served over HTTP
    from this process (with the sample catalog), its error log to `errors` (a file); yields
    (its URL, its environment, gunicorn)."""
    from stripe_emulator import serve

    emulator_server = serve(emulator)
    stripe_catalog.seed_catalog(sdk_client(emulator))
    settings = {"RECONCILE_SECONDS": "0", **settings}
    env = clean_env(
        tmp_path, STRIPE_WEBHOOK_SECRET=HOOK_SECRET, STRIPE_API_BASE=emulator_server.url,
        **settings,
    )  # fmt: skip
    master = start_gunicorn(env, port, errors)
    try:
        yield f"http://127.0.0.1:{port}", env, master
    finally:
        stop(master)
        emulator_server.stop()


def catalog_price(url, lookup_key="gold_special"):
    """The id of a catalog price, as the server at `url` lists it."""
    prices = requests.get(f"{url}/prices", timeout=10).json()["data"]
    return next(p["id"] for p in prices if p["lookup_key"] == lookup_key)


def worker_pids(master_pid):
    """The pids of a gunicorn master's workers."""
    listed = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return [int(p) for p in listed.stdout.split()]


def stop(process):
    """Stop gunicorn as a service manager does (SIGTERM), and wait for a clean exit."""
    process.terminate()
    assert process.wait(timeout=30) == 0


TEST_KEY = "sk_test_emulator_key"
# The webhook secret of the `hook` fixtures' servers.
HOOK_SECRET = "whsec_hook_secret_0123456789"
# A server in Stripe's test mode rather than emulator mode (fake keys; with STRIPE_API_BASE
# still set, its calls go to the emulator).
TEST_KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_51FakeSecretKeyForTests",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_51FakePublishableKey",
    "STRIPE_WEBHOOK_SECRETS": ["whsec_test_secret_0123456789"],
}


def sdk_client(emulator):
    """The real SDK client, talking to `emulator` in process."""
    return stripe.StripeClient(
        TEST_KEY,
        base_addresses={"api": "http://emulator.test"},
        http_client=WSGIClient(emulator),
    )


def draft_invoice(client, customer, **params):
    """A draft at Stripe (or the emulator) for `customer`, to be sent by email, due in 30 days."""
    return client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            **params,
        }
    )


def sent_invoice(client, customer, price, quantity=2):
    """An open invoice for `customer`: `quantity` of `price`, sent."""
    invoice = draft_invoice(client, customer)
    client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": quantity}]}
    )
    return client.v1.invoices.send_invoice(invoice.id)


# The settings of every server under test: emulator mode, whatever the shell running the
# tests has set, so that nothing from it changes what the server does or shows.
SERVER_SETTINGS = {
    "STRIPE_SECRET_KEY": "",
    "STRIPE_PUBLISHABLE_KEY": "",
    "STRIPE_WEBHOOK_SECRETS": [],
    "DAYS_UNTIL_DUE": 30,
    "AUTOMATIC_TAX": False,
    "ADMIN_USER": "admin",
    "ADMIN_PASSWORD": "",
    "TRUSTED_PROXIES": 0,
}


def make_server(emulator, database_url, **settings):
    """The invoicing server on a free port, its Stripe calls going to `emulator` in process.

    Without `STRIPE_WEBHOOK_SECRETS` it registers its webhook with the emulator, so the
    emulator's events reach it over real HTTP, as in emulator mode.
    """
    from invoicing import create_app

    live = LiveServer()
    config = {
        "TESTING": True,
        **SERVER_SETTINGS,
        "STRIPE_API_BASE": "http://emulator.test",
        "STRIPE_HTTP_CLIENT": WSGIClient(emulator),
        "DATABASE_URL": database_url,
        "DOMAIN": live.url,
        "RECONCILE_SECONDS": 0,
        "ABANDONED_SEND_SECONDS": 120,
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
        stripe_catalog.seed_catalog(live.app.extensions["stripe"])
    api = Api(live)
    yield api
    # Let in-flight deliveries finish before the server and its connections go away.
    emulator.deliverer.wait_idle(timeout=15)
    api.http.close()
    live.stop()
    live.app.extensions["db"].dispose()


# The same, for a `with` block inside a test.
served = contextlib.contextmanager(serve_api)


def rows(api, sql):
    """What a SQL query finds in the database of the server `api` (a list of tuples)."""
    with api.live.app.extensions["db"].connect() as connection:
        return connection.exec_driver_sql(sql).all()


def api_description():
    """openapi.json as the server serves it, read afresh (so a caller may change its copy)."""
    with open(DESCRIPTION_FILE, encoding="utf-8") as description_file:
        return json.load(description_file)


def reconcile(api):
    """One `flask --app server reconcile` pass of the server `api`; its summary line."""
    result = api.live.app.test_cli_runner().invoke(args=["reconcile"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def by_bucket(rows):
    """{(currency, bucket): (what is owed, how many invoices)} of receivables' rows (currency,
    bucket, owed, count), those of one bucket added up, buckets of no invoice left out."""
    found = {}
    for currency, bucket, owed, count in rows:
        before = found.get((currency, bucket), (0, 0))
        found[(currency, bucket)] = (before[0] + owed, before[1] + count)
    return {key: value for key, value in found.items() if value[1]}
