"""api.py: one API call as Stripe answers it: the key checked (Bearer or Basic), objects in
Stripe's shape, 404s for unknown ids and URLs, and the latency switch."""

import time

import pytest
import requests
import stripe

from stripe_emulator import Emulator, WSGIClient, serve


def test_objects_carry_stripe_shape(client):
    price = client.v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 1000,
            "product_data": {"name": "Gold Special"},
            "lookup_key": "gold",
            "nickname": "Gold",
        }
    )
    assert price.id.startswith("price_") and price.object == "price"
    assert price.livemode is False and isinstance(price.created, int)
    product = client.v1.products.retrieve(price.product)
    assert product.id.startswith("prod_") and product.name == "Gold Special"
    customer = client.v1.customers.create({"email": "jo@example.com", "name": "Jo"})
    assert customer.id.startswith("cus_") and customer.email == "jo@example.com"


@pytest.mark.parametrize("key", [None, "pk_test_123456789", "sk_live_123456789"])
def test_api_key_is_required(emulator, key):
    client = stripe.StripeClient(
        key or "sk_test_placeholder",
        base_addresses={"api": "http://emulator.test"},
        http_client=WSGIClient(emulator),
    )
    if key is None:
        # No key at all: the raw request without Authorization.
        server = serve(emulator)
        try:
            answer = requests.get(f"{server.url}/v1/customers", timeout=5)
        finally:
            server.stop()
        assert answer.status_code == 401
        assert answer.json()["error"]["type"] == "invalid_request_error"
        return
    with pytest.raises(stripe.AuthenticationError):
        client.v1.customers.list()


def test_key_as_basic_auth_user_and_form_body_over_http(emulator):
    # As `curl -u sk_test_...: -d email=...` sends it.
    server = serve(emulator)
    try:
        made = requests.post(
            f"{server.url}/v1/customers",
            auth=("sk_test_12345678", ""),
            data={"email": "curl@example.com", "metadata[source]": "curl"},
            timeout=5,
        )
        wrong = requests.get(f"{server.url}/v1/customers", auth=("pk_test_12345678", ""))
    finally:
        server.stop()
    assert made.status_code == 200, made.text
    assert made.json()["email"] == "curl@example.com"
    assert made.json()["metadata"] == {"source": "curl"}
    assert made.headers["Content-Type"] == "application/json"
    assert made.headers["Request-Id"].startswith("req_") and made.headers["Stripe-Version"]
    assert wrong.status_code == 401


def test_unknown_id_is_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.retrieve("in_doesnotexist")
    assert error.value.http_status == 404 and error.value.code == "resource_missing"


def test_unknown_url_is_404(emulator):
    server = serve(emulator)
    try:
        answer = requests.get(
            f"{server.url}/v1/teleporters", headers={"Authorization": "Bearer sk_test_12345678"}
        )
    finally:
        server.stop()
    assert answer.status_code == 404
    assert "Unrecognized request URL" in answer.json()["error"]["message"]


def test_latency_switch_delays_answers():
    emulator = Emulator(latency_ms=60)
    client = stripe.StripeClient(
        "sk_test_123456789", base_addresses={"api": "http://e"}, http_client=WSGIClient(emulator)
    )
    started = time.monotonic()
    client.v1.customers.list()
    assert time.monotonic() - started >= 0.06
    emulator.close()
