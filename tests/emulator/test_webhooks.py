"""webhooks.py: an event for every change, with its snapshot and the request that made it; webhook
endpoints; deliveries signed as Stripe signs them, retried a bounded number of times, never
holding up an API call."""

import time

import pytest
import stripe

from tests.helpers import wait_for

FLOW_EVENTS = [
    "customer.created",
    "product.created",
    "price.created",
    "invoice.created",
    "invoice.updated",
    "payment_intent.created",
    "invoice.finalized",
    "invoice.sent",
    "charge.succeeded",
    "payment_intent.succeeded",
    "invoice_payment.paid",
    "invoice.paid",
    "invoice.payment_succeeded",
]


def send_one(client, quantity=2):
    customer = client.v1.customers.create({"email": "jo@example.com"})
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 7}
    )
    client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": quantity}]}
    )
    return client.v1.invoices.send_invoice(invoice.id)


def endpoint(client, url, events=("*",)):
    return client.v1.webhook_endpoints.create({"url": url, "enabled_events": list(events)})


def test_every_change_makes_an_event_with_a_snapshot(emulator, client):
    invoice = send_one(client)
    emulator.simulate_payment(invoice.id, "succeed")
    events = client.v1.events.list({"limit": 100}).data[::-1]
    assert [e.type for e in events] == FLOW_EVENTS
    for event in events:
        assert event.id.startswith("evt_") and event.api_version == stripe.api_version
    finalized = next(e for e in events if e.type == "invoice.finalized")
    assert finalized.data.object.status == "open" and finalized.data.object.amount_due == 2000
    paid = client.v1.events.retrieve(next(e.id for e in events if e.type == "invoice.paid"))
    assert paid.data.object.status == "paid" and paid.data.object.id == invoice.id
    only_paid = client.v1.events.list({"type": "invoice.paid"}).data
    assert [e.id for e in only_paid] == [paid.id]
    assert len(client.v1.events.list({"types": ["invoice.*"], "limit": 100}).data) == 6


def test_failure_void_uncollectible_and_processing_events(emulator, client):
    failing = send_one(client)
    emulator.simulate_payment(failing.id, "fail")
    client.v1.invoices.void_invoice(failing.id)
    other = send_one(client)
    client.v1.invoices.mark_uncollectible(other.id)
    delayed = send_one(client)
    emulator.simulate_payment(delayed.id, "delayed")
    assert client.v1.invoices.retrieve(delayed.id).status == "open"
    wait_for(lambda: client.v1.invoices.retrieve(delayed.id).status == "paid")
    types = {e.type for e in client.v1.events.list({"limit": 100}).auto_paging_iter()}
    for expected in (
        "payment_intent.payment_failed",
        "invoice.payment_failed",
        "invoice.voided",
        "invoice.marked_uncollectible",
        "payment_intent.processing",
        "payment_intent.succeeded",
    ):
        assert expected in types


def test_deliveries_are_signed_as_stripe_signs(client, emulator, receiver):
    created = endpoint(client, receiver.url, ["invoice.paid", "invoice.finalized"])
    assert created.secret.startswith("whsec_")
    assert "secret" not in client.v1.webhook_endpoints.retrieve(created.id)
    invoice = send_one(client)
    emulator.simulate_payment(invoice.id, "succeed")
    assert emulator.deliverer.wait_idle()
    assert sorted(e["type"] for e in receiver.events()) == ["invoice.finalized", "invoice.paid"]
    for headers, body in receiver.received:
        event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], created.secret)
        assert event.data.object.id == invoice.id
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, headers["Stripe-Signature"], "whsec_wrong")


def test_failed_deliveries_are_retried(client, emulator, receiver):
    receiver.failures_left = 2
    endpoint(client, receiver.url, ["customer.created"])
    client.v1.customers.create({"email": "retry@example.com"})
    assert emulator.deliverer.wait_idle()
    attempts = [d["status"] for d in emulator.deliverer.log]
    assert attempts == [500, 500, 200]
    ids = {e["id"] for e in receiver.events()}
    assert len(ids) == 1 and len(receiver.received) == 3


def test_retries_are_bounded_and_cover_refused_connections(client, emulator, unused_port):
    endpoint(client, f"http://127.0.0.1:{unused_port}/webhook", ["customer.created"])
    client.v1.customers.create({"email": "nobody-listens@example.com"})
    assert emulator.deliverer.wait_idle()
    log = list(emulator.deliverer.log)
    assert [d["attempt"] for d in log] == [1, 2, 3, 4]
    assert all(d["status"] is None for d in log)
    assert client.v1.events.list({"limit": 1}).data[0].pending_webhooks == 0


def test_delivery_never_blocks_an_api_call(client, emulator, receiver):
    receiver.delay = 1.0
    endpoint(client, receiver.url)
    started = time.monotonic()
    client.v1.customers.create({"email": "fast@example.com"})
    assert time.monotonic() - started < receiver.delay
    assert emulator.deliverer.wait_idle()
    assert len(receiver.received) == 1


def test_webhook_endpoints_list_and_delete(client, receiver, emulator):
    made = endpoint(client, receiver.url)
    assert [e.id for e in client.v1.webhook_endpoints.list().data] == [made.id]
    assert client.v1.webhook_endpoints.delete(made.id).deleted is True
    client.v1.customers.create({"email": "quiet@example.com"})
    assert emulator.deliverer.wait_idle()
    assert receiver.received == []


def test_event_names_the_request_that_made_it(client):
    customer = client.v1.customers.create({"email": "req@example.com"}, {"idempotency_key": "k3"})
    event = client.v1.events.list({"type": "customer.created"}).data[0]
    assert event.data.object.id == customer.id
    assert event.request.id == customer.last_response.request_id
    assert event.request.id.startswith("req_") and event.request.idempotency_key == "k3"


def test_webhook_endpoint_api_version_is_null_unless_asked(client):
    plain = client.v1.webhook_endpoints.create(
        {"url": "https://example.com/webhook", "enabled_events": ["*"]}
    )
    pinned = client.v1.webhook_endpoints.create(
        {
            "url": "https://example.com/pinned",
            "enabled_events": ["*"],
            "api_version": stripe.api_version,
        }
    )
    assert plain.api_version is None and pinned.api_version == stripe.api_version


def test_an_endpoint_is_updated_and_a_disabled_one_gets_nothing(client, emulator, receiver):
    endpoint = client.v1.webhook_endpoints.create(
        {"url": receiver.url, "enabled_events": ["customer.created"]}
    )
    changed = client.v1.webhook_endpoints.update(
        endpoint.id, {"enabled_events": ["customer.updated"], "description": "mine"}
    )
    assert changed.enabled_events == ["customer.updated"] and changed.description == "mine"
    customer = client.v1.customers.create({"email": "hooked@example.com"})
    client.v1.customers.update(customer.id, {"name": "Hooked"})
    emulator.deliverer.wait_idle(timeout=10)
    assert [e["type"] for e in receiver.events()] == ["customer.updated"]
    assert client.v1.webhook_endpoints.update(endpoint.id, {"disabled": True}).status == "disabled"
    client.v1.customers.update(customer.id, {"name": "Hooked again"})
    emulator.deliverer.wait_idle(timeout=10)
    assert len(receiver.events()) == 1
