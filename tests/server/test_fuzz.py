"""A cross-cutting suite, fuzzing: property-based POST /invoices and POST /webhook (and odd ids
and queries on the other routes): never a 500, never a traceback, nothing stored from an
unverified body."""

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.record import database, invoices
from tests.helpers import post_signed, served

SECRET = "whsec_fuzz_secret_0123456789"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
fields = st.sampled_from(
    ["email", "name", "items", "days_until_due", "description", "custom_fields", "extra"]
)
items = st.lists(
    st.dictionaries(st.sampled_from(["price", "quantity", "x"]), json_values, max_size=3),
    max_size=5,
)
bodies = st.one_of(
    st.dictionaries(fields, json_values, max_size=6),
    st.fixed_dictionaries({"email": st.text(max_size=40), "items": items}),
    json_values,
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "",
     "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)  # fmt: skip
raw = st.binary(max_size=300) | st.text(max_size=300).map(str.encode)
# What can travel in an HTTP header: printable Latin-1, no edge whitespace.
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=120).map(
    str.strip
)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    from stripe_emulator import Emulator

    emulator = Emulator()
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
    with served(emulator, url, STRIPE_WEBHOOK_SECRETS=[SECRET]) as api:
        # An invoice for the fuzzed events to land on, so odd values reach the UPDATEs.
        with database.begin(api.live.app.extensions["db"]) as db:
            invoices.record_invoice(
                db,
                {"id": "in_fuzz", "status": "open", "customer": "cus_fuzz",
                 "email": "f@example.com", "amount_due": 100, "amount_paid": 0,
                 "currency": "usd", "created": 1, "lines": []},
            )  # fmt: skip
        yield api
    emulator.close()


def counts(api):
    """(invoices, events) stored."""
    with api.live.app.extensions["db"].connect() as connection:
        return connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM invoices), (SELECT count(*) FROM events)"
        ).one()


def assert_clean(answer):
    assert answer.status_code < 500, answer.text
    assert "Traceback" not in answer.text and 'File "' not in answer.text
    if answer.status_code >= 400:
        assert set(answer.json()["error"]) == {"message", "field", "code"}


@FUZZ
@given(body=bodies, content_type=content_types)
def test_invoices_never_500(fuzz_server, body, content_type):
    before = counts(fuzz_server)
    answer = fuzz_server.http.post(
        f"{fuzz_server.url}/invoices",
        data=json.dumps(body).encode(),
        headers={"Content-Type": content_type},
        timeout=30,
    )
    assert_clean(answer)
    assert answer.status_code in (400, 415)  # no random body names a catalog price
    assert counts(fuzz_server) == before


@FUZZ
@given(body=raw, content_type=content_types, key=header_text | st.none())
def test_invoices_raw_bytes_and_keys(fuzz_server, body, content_type, key):
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["Idempotency-Key"] = key
    answer = fuzz_server.http.post(
        f"{fuzz_server.url}/invoices", data=body, headers=headers, timeout=30
    )
    assert_clean(answer)


@FUZZ
@given(body=raw, signature=header_text | st.none(), content_type=content_types)
def test_webhook_stores_nothing_unverified(fuzz_server, body, signature, content_type):
    before = counts(fuzz_server)
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    answer = fuzz_server.http.post(f"{fuzz_server.url}/webhook", data=body, headers=headers)
    assert_clean(answer)
    assert answer.status_code == 400
    assert counts(fuzz_server) == before


@FUZZ
@given(body=json_values)
def test_webhook_signed_but_odd_events_never_500(fuzz_server, body):
    answer = post_signed(f"{fuzz_server.url}/webhook", body, SECRET, fuzz_server.http)
    assert_clean(answer)
    assert answer.status_code in (200, 400)


INVOICE_FIELDS = ("status", "amount_paid", "amount_due", "number", "due_date", "invoice_pdf")


@FUZZ
@given(
    event_type=st.sampled_from(
        ["invoice.paid", "invoice.payment_failed", "payment_intent.processing", "invoice.voided",
         "invoice.finalized", "customer.created"]
    ),
    obj=st.fixed_dictionaries(
        {"object": st.just("invoice"), "id": json_values | st.just("in_fuzz")},
        optional={k: json_values | st.integers() for k in INVOICE_FIELDS},
    ),
    event_id=st.text(min_size=1, max_size=40),
    created=st.integers(min_value=-(2**40), max_value=2**40),
)  # fmt: skip
def test_webhook_signed_events_with_odd_objects_never_500(
    fuzz_server, event_type, obj, event_id, created
):
    event = {"id": event_id, "type": event_type, "created": created, "data": {"object": obj}}
    assert_clean(post_signed(f"{fuzz_server.url}/webhook", event, SECRET, fuzz_server.http))


def test_other_routes_take_odd_ids_and_queries(fuzz_server):
    for path in (
        "/invoices/%00",
        "/invoices/" + "x" * 500,
        "/invoices?email=%ff",
        "/invoices?since=-1",
    ):
        assert_clean(requests.get(fuzz_server.url + path, timeout=10))
