"""A cross-cutting suite, Schemathesis against the live server, with and without ADMIN_PASSWORD,
stateless and stateful: never a 500, and every answer (status, content type, headers, body) as
openapi.json describes it; every request the description forbids is refused with a 4xx.

Every operation of openapi.json runs here; what needs special handling is said where it is
handled:
- POST /invoices: a generated price id is never in the catalog, so every non-empty price
  string is swapped for a catalog price, and valid bodies really send an invoice (201).
- POST /webhook: a generated Stripe-Signature never verifies (400, which must conform too),
  so a generated string signature is replaced by a real one over the body as sent; signed
  bodies reach the event handling (200, or 400 for a body that is no event).
"""

import copy
import itertools
import logging
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

from stripe_emulator import Emulator
from tests.helpers import api_description, generate_header, served

DESCRIPTION = api_description()
PASSWORD = "schemathesis-admin-password"
SEED = 4242
# A check that needs no generated value to exist can run; positive_data_acceptance expects
# a 2xx for any valid request, but a generated invoice id is unknown (404) and a generated
# email may be one email_validator refuses (400): both are right answers, and conform.
# Scenarios follow the description's own links only: links inferred from a list's answer
# would depend on what earlier scenarios left in the database (see _run_machine).
CONFIG = {
    "seed": SEED,
    "generation": {"deterministic": True, "database": "none"},
    "checks": {"positive_data_acceptance": {"enabled": False}},
    "phases": {"stateful": {"inference": {"algorithms": []}}},
}


def _open(description):
    # Without ADMIN_PASSWORD nothing asks for credentials (see the adminBasic scheme), so the
    # description of that server has no security and no 401s.
    description.pop("security")
    for item in description["paths"].values():
        for operation in item.values():
            operation.pop("security", None)
            operation["responses"].pop("401", None)
    return description


def _schema(description, **config):
    config = schemathesis.Config.from_dict({**CONFIG, **config})
    return schemathesis.openapi.from_dict(description, config=config)


open_schema = _schema(_open(copy.deepcopy(DESCRIPTION)))
# Every request carries the admin's credentials, except those that test the guard: the
# coverage phase's, without an Authorization header, and ignored_auth's, without and with
# wrong ones, which must all be 401s.
guarded_schema = _schema(
    copy.deepcopy(DESCRIPTION), auth={"basic": {"username": "admin", "password": PASSWORD}}
)


class RequestCounter:
    """WSGI middleware counting the requests that schemathesis sent: all but the webhooks
    the emulator delivers."""

    def __init__(self, app):
        self.app = app
        self.count = 0

    def __call__(self, environ, start_response):
        self.count += not environ.get("HTTP_USER_AGENT", "").startswith("Stripe/")
        return self.app(environ, start_response)


class Server:
    """The live server under test, and what a request to it needs."""

    def __init__(self, api, emulator):
        self.url = api.url
        self.emulator = emulator
        self.secret = api.live.app.config["STRIPE_WEBHOOK_SECRETS"][0]
        with api.live.app.app_context():
            self.prices = list(api.live.app.extensions["catalog"].prices())
        self.counter = api.live.app.wsgi_app = RequestCounter(api.live.app.wsgi_app)
        # One keep-alive connection rather than one per request.
        self.session = requests.Session()

    def prepare(self, case):
        """Make a case's price ids and webhook signature real (see the module's docstring)."""
        if case.operation.label == "POST /invoices":
            self._use_catalog(case.body)
        elif case.operation.label == "POST /webhook":
            self._sign(case)

    def _use_catalog(self, body):
        items = body.get("items") if isinstance(body, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("price"), str) and item["price"]:
                item["price"] = self.prices[i % len(self.prices)]

    def _sign(self, case):
        signature = (case.headers or {}).get("Stripe-Signature")
        if not isinstance(signature, str) or case.meta.is_negative_at(ParameterLocation.HEADER):
            return
        if not isinstance(case.body, dict | list | str | int | float | bool | None):
            return  # no body at all
        # The bytes requests will send for `json=body` (see requests.models.prepare_body).
        payload = requests.compat.json.dumps(case.body, allow_nan=False).encode()
        case.headers["Stripe-Signature"] = generate_header(payload, self.secret)


def _serve(tmp_path_factory, guarded, name):
    # A delayed payment stays processing for the whole run, so that what a scenario sees
    # does not depend on how fast it runs (see _run_machine).
    emulator = Emulator(processing_seconds=3600, webhook_first_retry=0.05, webhook_attempts=4)
    url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'invoicing.db'}"
    extra = {"ADMIN_PASSWORD": PASSWORD} if guarded else {}
    started = time.monotonic()
    with served(emulator, url, **extra) as api:
        server = Server(api, emulator)
        yield server
        server.session.close()
    emulator.close()
    took = time.monotonic() - started
    logging.getLogger(__name__).info("%s: %d requests in %.1f s", name, server.counter.count, took)


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """The server without ADMIN_PASSWORD."""
    yield from _serve(tmp_path_factory, False, "open server")


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory):
    """The server with ADMIN_PASSWORD; requests carry the admin's credentials."""
    yield from _serve(tmp_path_factory, True, "guarded server")


def _call(case, server):
    server.prepare(case)
    case.call_and_validate(base_url=server.url, session=server.session)


# Requests to a live server are slow to Hypothesis.
SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def _stateless(fuzzed):
    """Per operation: the coverage phase's cases (every boundary and refusal the description
    defines: lengths, ranges, missing and unknown fields, wrong types, other methods), then
    `fuzzed` generated ones, valid and not."""
    return settings(
        max_examples=fuzzed,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=SLOW,
    )


@open_schema.parametrize()
@_stateless(fuzzed=40)
def test_open_server(case, open_server):
    _call(case, open_server)


# What differs with ADMIN_PASSWORD is the guard, which the coverage phase and ignored_auth
# probe on every operation: fewer fuzzed cases, for time.
@guarded_schema.parametrize()
@_stateless(fuzzed=20)
def test_guarded_server(case, guarded_server):
    _call(case, guarded_server)


STATEFUL = settings(
    max_examples=30,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=SLOW,
)


def _run_machine(schema, server):
    # Hypothesis replays the start of a scenario to explore from it, and fails if the replay
    # draws differently; what the server answers decides which links can be followed, so a
    # replay must meet the same answers: each scenario has its own Idempotency-Keys, and every
    # call waits for the webhooks it set off.
    scenarios = itertools.count()

    class Scenarios(schema.as_state_machine()):
        """Chains of calls along the description's links: send, then read, pay, void..."""

        def setup(self):
            self.scenario = next(scenarios)

        def before_call(self, case):
            server.prepare(case)
            key = (case.headers or {}).get("Idempotency-Key")
            if isinstance(key, str) and not case.meta.is_negative_at(ParameterLocation.HEADER):
                case.headers["Idempotency-Key"] = f"{self.scenario}-{key}"[:200]

        def after_call(self, response, case):
            super().after_call(response, case)
            server.emulator.deliverer.wait_idle(timeout=10)

        def get_call_kwargs(self, case):
            return {"base_url": server.url, "session": server.session}

    Scenarios.run(settings=STATEFUL)


def test_open_server_stateful(open_server):
    _run_machine(open_schema, open_server)


def test_guarded_server_stateful(guarded_server):
    _run_machine(guarded_schema, guarded_server)
