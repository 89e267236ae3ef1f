"""outbox.py: the emails Stripe would send about an invoice, recorded by the emulator."""

import pytest
import requests

from stripe_emulator import Emulator, serve
from tests.helpers import sdk_client, wait_for


def draft_for(client, email="jo@example.com", amount=23_500, quantity=2):
    customer = client.v1.customers.create({"email": email, "name": "Jo"})
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": amount, "product_data": {"name": "Gold Special"}}
    )
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": quantity}]}
    )
    return invoice


def test_send_then_reminders_then_receipt(emulator, client):
    sent = client.v1.invoices.send_invoice(draft_for(client).id)
    first = emulator.outbox()
    assert [e["kind"] for e in first] == ["invoice"]
    email = first[0]
    assert email["id"].startswith("email_") and email["object"] == "email"
    assert email["to"] == "jo@example.com" and email["invoice"] == sent.id
    assert email["hosted_invoice_url"] == sent.hosted_invoice_url
    assert sent.number in email["subject"] and isinstance(email["created"], int)
    assert sent.hosted_invoice_url in email["text"] and "$470.00" in email["text"]
    client.v1.invoices.send_invoice(sent.id)  # a reminder, as on Stripe
    client.v1.invoices.mark_uncollectible(sent.id)
    client.v1.invoices.send_invoice(sent.id)  # still owed: a reminder too
    emulator.simulate_payment(sent.id, "succeed")
    kinds = [e["kind"] for e in emulator.outbox()]
    assert kinds == ["receipt", "reminder", "reminder", "invoice"]  # newest first
    receipt = emulator.outbox()[0]
    assert "Amount paid: $470.00" in receipt["text"] and receipt["to"] == "jo@example.com"


def test_no_receipt_for_an_invoice_never_sent_or_paid_out_of_band(emulator, client):
    finalized = client.v1.invoices.finalize_invoice(draft_for(client).id)
    client.v1.invoices.pay(finalized.id, {"payment_method": "pm_card_visa"})
    out_of_band = client.v1.invoices.send_invoice(draft_for(client).id)
    client.v1.invoices.pay(out_of_band.id, {"paid_out_of_band": True})
    assert emulator.outbox(finalized.id) == []
    assert [e["kind"] for e in emulator.outbox(out_of_band.id)] == ["invoice"]


def test_a_failed_payment_sends_nothing_and_a_customer_without_email_gets_nothing(emulator, client):
    sent = client.v1.invoices.send_invoice(draft_for(client).id)
    emulator.simulate_payment(sent.id, "fail")
    assert [e["kind"] for e in emulator.outbox()] == ["invoice"]
    anonymous = client.v1.customers.create({"name": "No email"})
    invoice = client.v1.invoices.create(
        {"customer": anonymous.id, "collection_method": "send_invoice", "days_until_due": 3}
    )
    client.v1.invoices.send_invoice(invoice.id)
    assert emulator.outbox(invoice.id) == []


def test_outbox_over_http_filtered_by_invoice(emulator):
    server = serve(emulator)
    try:
        client = sdk_client(emulator)
        one = client.v1.invoices.send_invoice(draft_for(client).id)
        two = client.v1.invoices.send_invoice(draft_for(client, "al@example.com").id)
        everything = requests.get(f"{server.url}/_emulator/outbox").json()["data"]
        only_one = requests.get(f"{server.url}/_emulator/outbox", params={"invoice": one.id})
    finally:
        server.stop()
    assert [e["invoice"] for e in everything] == [two.id, one.id]
    assert everything == emulator.outbox()
    assert [e["to"] for e in only_one.json()["data"]] == ["jo@example.com"]


def test_the_outbox_is_kept_in_the_state_file(tmp_path):
    path = tmp_path / "state.json"
    first = Emulator(state_file=str(path))
    sent = sdk_client(first).v1.invoices.send_invoice(draft_for(sdk_client(first)).id)
    kept = first.outbox()
    first.close()
    second = Emulator(state_file=str(path))
    try:
        assert second.outbox() == kept
        second.simulate_payment(sent.id, "succeed")
        assert [e["kind"] for e in second.outbox()] == ["receipt", "invoice"]
    finally:
        second.close()


@pytest.mark.parametrize("outcome", ["delayed", "delayed_fail"])
def test_a_delayed_payment_sends_its_receipt_only_when_it_succeeds(emulator, client, outcome):
    sent = client.v1.invoices.send_invoice(draft_for(client).id)
    emulator.simulate_payment(sent.id, outcome)
    wait_for(lambda: client.v1.events.list({"type": "payment_intent.processing"}).data)
    final = "invoice.paid" if outcome == "delayed" else "invoice.payment_failed"
    wait_for(lambda: client.v1.events.list({"type": final}).data)
    expected = ["receipt", "invoice"] if outcome == "delayed" else ["invoice"]
    assert [e["kind"] for e in emulator.outbox()] == expected
