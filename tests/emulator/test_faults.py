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
