"""faults.py: faults armed by tests: the nth call failing, calls failing before or after they took
effect, and webhook deliveries dropped or delayed; in process and over HTTP."""

import time

import pytest
import requests
import stripe

from stripe_emulator import WSGIClient, serve


def endpoint(client, url, events=("*",)):
    return client.v1.webhook_endpoints.create({"url": url, "enabled_events": list(events)})


def sent_invoice(client):
    customer = client.v1.customers.create({"email": "jo@example.com"})
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 7}
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price.id}}]})
    return client.v1.invoices.send_invoice(invoice.id)


def test_dropped_deliveries_never_arrive_but_the_events_exist(emulator, client, receiver):
    endpoint(client, receiver.url, ["invoice.finalized", "invoice.paid"])
    emulator.drop_deliveries("invoice.paid")
    first, second = sent_invoice(client), sent_invoice(client)
    emulator.simulate_payment(first.id, "succeed")
    emulator.simulate_payment(second.id, "succeed")
    assert emulator.deliverer.wait_idle()
    paid = [e["data"]["object"]["id"] for e in receiver.events() if e["type"] == "invoice.paid"]
    assert paid == [second.id]  # times=1: only the first invoice.paid was dropped
    listed = client.v1.events.list({"type": "invoice.paid"}).data
    assert {e.data.object.id for e in listed} == {first.id, second.id}
    dropped = [d for d in emulator.deliverer.log if d["status"] == "dropped"]
    assert [(d["type"], d["attempt"]) for d in dropped] == [("invoice.paid", 1)]
    assert dropped[0]["event"] == next(e.id for e in listed if e.data.object.id == first.id)


def test_a_share_of_deliveries_dropped_at_random(emulator, client, receiver):
    endpoint(client, receiver.url, ["invoice.finalized"])
    emulator.drop_deliveries("invoice.finalized", share=0.5)
    for _ in range(40):
        sent_invoice(client)
    assert emulator.deliverer.wait_idle()
    dropped = sum(d["status"] == "dropped" for d in emulator.deliverer.log)
    assert 5 <= dropped <= 35 and len(receiver.events()) == 40 - dropped
    emulator.clear_faults()
    sent_invoice(client)
    assert emulator.deliverer.wait_idle() and len(receiver.events()) == 41 - dropped


def test_a_dropped_delivery_is_never_retried(emulator, client, receiver):
    receiver.failures_left = 1  # would be retried if it had been sent
    endpoint(client, receiver.url, ["customer.created"])
    emulator.drop_deliveries("customer.*", times=2)
    for n in range(3):
        client.v1.customers.create({"email": f"c{n}@example.com"})
    assert emulator.deliverer.wait_idle()
    statuses = [d["status"] for d in emulator.deliverer.log]
    assert statuses == ["dropped", "dropped", 500, 200]
    assert len(receiver.received) == 2 and len({e["id"] for e in receiver.events()}) == 1
    assert all(e.pending_webhooks == 0 for e in client.v1.events.list().data)


def test_delayed_deliveries_arrive_late(emulator, client, receiver):
    endpoint(client, receiver.url, ["customer.created"])
    emulator.delay_deliveries("*", seconds=0.6)
    started = time.monotonic()
    late = client.v1.customers.create({"email": "late@example.com"})
    on_time = client.v1.customers.create({"email": "on-time@example.com"})
    assert emulator.deliverer.wait_idle()
    assert time.monotonic() - started >= 0.6
    order = [e["data"]["object"]["id"] for e in receiver.events()]
    assert order == [on_time.id, late.id]


def test_a_call_failing_after_it_took_effect_replays_with_its_key(emulator, client, receiver):
    endpoint(client, receiver.url, ["invoice.paid"])
    invoice = sent_invoice(client)
    emulator.fail("invoices.pay", after=True)
    options = {"idempotency_key": "pay-once"}
    with pytest.raises(stripe.APIError) as error:
        client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True}, options)
    assert error.value.http_status == 500 and error.value.code is None
    assert error.value.headers["Stripe-Should-Retry"] == "false"
    assert client.v1.invoices.retrieve(invoice.id).status == "paid"  # it took effect
    assert emulator.deliverer.wait_idle() and len(receiver.events()) == 1
    again = client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True}, options)
    assert again.status == "paid" and again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(client.v1.events.list({"type": "invoice.paid"}).data) == 1


def test_a_call_failing_before_it_took_effect_changes_nothing(emulator, client):
    invoice = sent_invoice(client)
    emulator.fail("invoices.void_invoice")
    with pytest.raises(stripe.APIError):
        client.v1.invoices.void_invoice(invoice.id, options={"idempotency_key": "void-1"})
    assert client.v1.invoices.retrieve(invoice.id).status == "open"
    assert "void-1" not in emulator.idempotency_keys()
    voided = client.v1.invoices.void_invoice(invoice.id, options={"idempotency_key": "void-1"})
    assert voided.status == "void"


def test_faults_over_http(emulator, receiver):
    server = serve(emulator)
    url = f"{server.url}/_emulator/faults"
    try:
        armed = requests.post(url, json={"webhook": "drop", "type": "customer.created"}).json()
        assert armed["webhooks"] == [
            {
                "webhook": "drop",
                "type": "customer.created",
                "times": 1,
                "seconds": 0.0,
                "share": None,
            }
        ]
        requests.post(url, json={"webhook": "delay", "type": "*", "times": 1, "seconds": 0.3})
        requests.post(url, json={"operation": "customers.list", "after": True})
        client = stripe.StripeClient("sk_test_123456789", base_addresses={"api": server.url})
        endpoint(client, receiver.url, ["customer.created"])
        client.v1.customers.create({"email": "one@example.com"})  # dropped
        client.v1.customers.create({"email": "two@example.com"})  # delayed
        with pytest.raises(stripe.APIError):
            client.v1.customers.list()
        assert emulator.deliverer.wait_idle()
        assert [e["data"]["object"]["email"] for e in receiver.events()] == ["two@example.com"]
        log = requests.get(f"{server.url}/_emulator/deliveries").json()["deliveries"]
        assert [d["status"] for d in log] == ["dropped", 200]
        requests.post(url, json={"webhook": "drop"})
        cleared = requests.delete(url).json()
        assert cleared == {"faults": {}, "webhooks": []}
        client.v1.customers.create({"email": "three@example.com"})
        assert emulator.deliverer.wait_idle() and len(receiver.events()) == 2
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"webhook": "explode"}, "webhook"),
        ({"webhook": "drop", "times": 0}, "times"),
        ({"webhook": "delay", "seconds": "soon"}, "seconds"),
        ({"webhook": "drop", "type": ""}, "type"),
        ({"webhook": "drop", "share": 1.5}, "share"),
        ({"webhook": "drop", "share": True}, "share"),
        ({"operation": "invoices.pay", "nth": 1.5}, "nth"),
        ({"operation": "invoices.pay", "after": "yes"}, "after"),
        ({"operation": "invoices.pay", "error": "teapot"}, "error"),
        ({"operation": "invoices.pay", "error": "rate_limit", "after": True}, "after"),
        ({"nth": 1}, "operation"),
    ],
)
def test_bad_fault_requests_are_refused(emulator, body, param):
    server = serve(emulator)
    try:
        answer = requests.post(f"{server.url}/_emulator/faults", json=body)
        not_json = requests.post(f"{server.url}/_emulator/faults", data="x")
    finally:
        server.stop()
    assert answer.status_code == 400 and answer.json()["error"]["param"] == param
    assert not_json.status_code == 400


def test_the_sdk_does_not_retry_an_injected_failure(emulator):
    client = stripe.StripeClient(
        "sk_test_123456789",
        base_addresses={"api": "http://emulator.test"},
        http_client=WSGIClient(emulator),
        max_network_retries=2,
    )
    emulator.fail("customers.create", after=True)
    with pytest.raises(stripe.APIError):
        client.v1.customers.create({"email": "once@example.com"})
    assert emulator.calls.count("customers.create") == 1
    assert len(client.v1.customers.list().data) == 1


def test_fault_switch_fails_the_nth_call(client, emulator):
    emulator.fail("customers.create", nth=2)
    client.v1.customers.create({"email": "one@example.com"})
    with pytest.raises(stripe.APIError):
        client.v1.customers.create({"email": "two@example.com"})
    client.v1.customers.create({"email": "three@example.com"})
    emails = [c.email for c in client.v1.customers.list().data]
    assert emails == ["three@example.com", "one@example.com"]


def _retrying_client(emulator):
    return stripe.StripeClient(
        "sk_test_123456789",
        base_addresses={"api": "http://emulator.test"},
        http_client=WSGIClient(emulator),
        max_network_retries=2,
    )


def test_a_rate_limited_call_answers_429_as_stripe_and_is_not_retried_by_the_sdk(emulator):
    client = _retrying_client(emulator)
    emulator.fail("invoices.list", times=3, error="rate_limit")
    with pytest.raises(stripe.RateLimitError) as limited:
        client.v1.invoices.list()
    error = limited.value
    assert error.http_status == 429 and error.error.code == "rate_limit"
    assert error.error.type == "invalid_request_error"
    assert error.user_message == (
        "Request rate limit exceeded. Learn more about rate limits here "
        "https://stripe.com/docs/rate-limits."
    )
    assert error.error.doc_url == "https://stripe.com/docs/error-codes/rate-limit"
    assert "Stripe-Should-Retry" not in error.headers  # Stripe's libraries do not retry these
    assert emulator.calls == ["invoices.list"]
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError):
            client.v1.invoices.list()
    assert client.v1.invoices.list().data == []  # times=3: the fourth goes through


def test_the_sdk_retries_through_two_lock_timeouts_and_succeeds(emulator):
    client = _retrying_client(emulator)
    emulator.fail("customers.create", times=2, error="lock_timeout")
    made = client.v1.customers.create({"email": "retried@example.com"})
    assert emulator.calls == ["customers.create"] * 3
    assert [c.id for c in client.v1.customers.list().data] == [made.id]


def test_a_lock_timeout_asks_to_be_retried(emulator):
    emulator.fail("customers.create", error="lock_timeout")
    with pytest.raises(stripe.RateLimitError) as locked:
        stripe.StripeClient(
            "sk_test_123456789",
            base_addresses={"api": "http://emulator.test"},
            http_client=WSGIClient(emulator),
        ).v1.customers.create({"email": "once@example.com"})
    assert locked.value.error.code == "lock_timeout" and locked.value.http_status == 429
    assert locked.value.headers["Stripe-Should-Retry"] == "true"
    assert "retry the request" in locked.value.user_message


def test_a_rate_limit_fault_over_http(emulator):
    server = serve(emulator)
    try:
        armed = requests.post(
            f"{server.url}/_emulator/faults",
            json={"operation": "invoices.list", "error": "rate_limit", "times": 2},
        ).json()
        assert armed["faults"]["invoices.list"] == {
            "skip": 0, "times": 2, "after": False, "error": "rate_limit"
        }  # fmt: skip
        headers = {"Authorization": "Bearer sk_test_123456789"}
        answers = [requests.get(f"{server.url}/v1/invoices", headers=headers) for _ in range(3)]
    finally:
        server.stop()
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].json()["error"]["code"] == "rate_limit"
