"""The emulator's wire format, errors, parameter checks, and catalog/customer resources."""

import subprocess
import sys
import time

import pytest
import requests
import stripe

from stripe_emulator import Emulator, WSGIClient, serve
from tests.helpers import wait_for


def make_price(client, amount=1000, currency="usd", **extra):
    return client.v1.prices.create(
        {
            "currency": currency,
            "unit_amount": amount,
            "product_data": {"name": "Gold Special"},
            **extra,
        }
    )


def test_objects_carry_stripe_shape(client):
    price = make_price(client, lookup_key="gold", nickname="Gold")
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


def test_unknown_top_level_parameter(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.create({"email": "a@example.com", "favourite_colour": "red"})
    assert error.value.code == "parameter_unknown"
    assert error.value.param == "favourite_colour"


def test_unknown_nested_parameter(client):
    customer = client.v1.customers.create({"email": "a@example.com"})
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(invoice.id, {"lines": [{"price": "price_123"}]})
    assert error.value.code == "parameter_unknown"
    assert error.value.param == "lines[0][price]"


def test_missing_required_parameter(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.products.create({})
    assert error.value.code == "parameter_missing" and error.value.param == "name"


def test_invalid_integer(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.prices.create(
            {"currency": "usd", "unit_amount": "ten", "product_data": {"name": "x"}}
        )
    assert error.value.code == "parameter_invalid_integer"
    assert error.value.param == "unit_amount"


def test_invalid_enum_value(client):
    customer = client.v1.customers.create({"email": "a@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.create({"customer": customer.id, "collection_method": "by_pigeon"})
    assert error.value.param == "collection_method"


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


def test_list_pagination(client):
    ids = [client.v1.customers.create({"email": f"c{i}@example.com"}).id for i in range(5)]
    first = client.v1.customers.list({"limit": 2})
    assert first.object == "list" and first.url == "/v1/customers"
    assert [c.id for c in first.data] == ids[::-1][:2] and first.has_more
    rest = client.v1.customers.list({"limit": 10, "starting_after": first.data[-1].id})
    assert [c.id for c in rest.data] == ids[::-1][2:] and not rest.has_more
    before = client.v1.customers.list({"limit": 1, "ending_before": ids[1]})
    assert [c.id for c in before.data] == [ids[2]]
    assert [c.id for c in client.v1.customers.list().auto_paging_iter()] == ids[::-1]


def test_customer_update_delete_list_and_search(client):
    jo = client.v1.customers.create({"email": "jo@example.com", "name": "Jo"})
    client.v1.customers.create({"email": "al@example.com"})
    updated = client.v1.customers.update(jo.id, {"name": "Jo Bloggs", "metadata": {"tier": "gold"}})
    assert updated.name == "Jo Bloggs" and updated.metadata["tier"] == "gold"
    assert [c.id for c in client.v1.customers.list({"email": "jo@example.com"}).data] == [jo.id]
    found = client.v1.customers.search({"query": "email:'JO@example.com'"})
    assert found.object == "search_result" and [c.id for c in found.data] == [jo.id]
    gone = client.v1.customers.delete(jo.id)
    assert gone.deleted is True
    assert client.v1.customers.retrieve(jo.id).deleted is True
    assert client.v1.customers.list({"email": "jo@example.com"}).data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.search({"query": "email~'x'"})


def test_prices_by_lookup_key_with_expanded_product(client):
    gold = make_price(client, lookup_key="gold")
    make_price(client, 500, lookup_key="silver")
    inactive = make_price(client, 100, active=False)
    listed = client.v1.prices.list({"lookup_keys": ["gold"], "expand": ["data.product"]})
    assert [p.id for p in listed.data] == [gold.id]
    assert listed.data[0].product.name == "Gold Special"
    # Expanding changes only that answer, not the stored price.
    assert isinstance(client.v1.prices.retrieve(gold.id).product, str)
    assert isinstance(client.v1.prices.list({"lookup_keys": ["gold"]}).data[0].product, str)
    active = client.v1.prices.list({"active": True})
    assert inactive.id not in [p.id for p in active.data] and len(active.data) == 2
    with pytest.raises(stripe.InvalidRequestError) as error:
        make_price(client, lookup_key="gold")
    assert error.value.param == "lookup_key"
    moved = make_price(client, 1200, lookup_key="gold", transfer_lookup_key=True)
    assert client.v1.prices.list({"lookup_keys": ["gold"]}).data[0].id == moved.id


def test_price_for_existing_product(client):
    product = client.v1.products.create({"name": "Silver"})
    price = client.v1.prices.create({"product": product.id, "unit_amount": 250, "currency": "EUR"})
    assert price.product == product.id and price.currency == "eur"
    assert client.v1.prices.retrieve(price.id).unit_amount == 250
    assert [p.id for p in client.v1.products.list().data] == [product.id]


def test_latency_switch_delays_answers():
    emulator = Emulator(latency_ms=60)
    client = stripe.StripeClient(
        "sk_test_123456789", base_addresses={"api": "http://e"}, http_client=WSGIClient(emulator)
    )
    started = time.monotonic()
    client.v1.customers.list()
    assert time.monotonic() - started >= 0.06
    emulator.close()


def test_runs_alone_from_the_command_line(unused_port):
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_emulator", "--port", str(unused_port), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = stripe.StripeClient(
            "sk_test_123456789", base_addresses={"api": f"http://127.0.0.1:{unused_port}"}
        )

        def answers():
            try:
                return client.v1.customers.create({"email": "cli@example.com"})
            except stripe.APIConnectionError:
                return None

        assert wait_for(answers).email == "cli@example.com"
    finally:
        process.terminate()
        process.wait(timeout=10)
