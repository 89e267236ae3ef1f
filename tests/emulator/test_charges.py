"""charges.py: the charge of each payment attempt (succeeded, failed, pending then settled), its
events before the PaymentIntent's, and reading and listing charges."""

import pytest
import stripe

from tests.helpers import sent_invoice, wait_for


def _types(client):
    return [e.type for e in client.v1.events.list({"limit": 100}).auto_paging_iter()][::-1]


def _intent(client, invoice_id):
    found = client.v1.invoices.retrieve(invoice_id, {"expand": ["payments"]})
    return client.v1.payment_intents.retrieve(found.payments.data[0].payment.payment_intent)


def test_a_card_payment_makes_a_succeeded_charge_before_the_intent_succeeds(
    client, customer, price
):
    invoice = sent_invoice(client, customer, price)
    client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    intent = _intent(client, invoice.id)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.object, charge.status, charge.paid, charge.captured) == (
        "charge",
        "succeeded",
        True,
        True,
    )
    assert (charge.amount, charge.amount_captured, charge.amount_refunded) == (2000, 2000, 0)
    assert charge.amount == intent.amount_received and charge.refunded is False
    assert (charge.payment_intent, charge.customer, charge.currency) == (
        intent.id,
        customer.id,
        "usd",
    )
    assert charge.payment_method == intent.payment_method
    assert charge.payment_method_details.type == "card"
    assert charge.payment_method_details.card.last4 == "4242"
    assert charge.billing_details.email == customer.email
    assert charge.outcome.type == "authorized" and charge.receipt_url == invoice.hosted_invoice_url
    assert charge.balance_transaction is None  # no account balance is emulated
    assert "refunds" not in charge  # expandable, not included by default
    types = _types(client)
    assert types[types.index("charge.succeeded") + 1] == "payment_intent.succeeded"
    event = client.v1.events.list({"type": "charge.succeeded"}).data[0]
    assert event.data.object.id == charge.id


def test_a_declined_card_makes_a_failed_charge(client, customer, price):
    invoice = sent_invoice(client, customer, price)
    with pytest.raises(stripe.CardError) as declined:
        client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_chargeDeclined"})
    intent = _intent(client, invoice.id)
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert declined.value.error.charge == charge.id == intent.last_payment_error.charge
    assert (charge.status, charge.paid, charge.amount_captured) == ("failed", False, 0)
    assert (charge.failure_code, charge.outcome.type) == ("card_declined", "issuer_declined")
    assert charge.payment_method_details.card.last4 == "0002"
    types = _types(client)
    assert types[-3:] == [
        "charge.failed",
        "payment_intent.payment_failed",
        "invoice.payment_failed",
    ]


@pytest.mark.parametrize("outcome, status", [("delayed", "succeeded"), ("delayed_fail", "failed")])
def test_a_bank_debit_charge_is_pending_then_settles(emulator, client, customer, price, outcome,
                                                     status):  # fmt: skip
    invoice = sent_invoice(client, customer, price)
    emulator.simulate_payment(invoice.id, outcome)
    intent = _intent(client, invoice.id)
    pending = client.v1.charges.retrieve(intent.latest_charge)
    assert (pending.status, pending.paid) == ("pending", False)
    assert pending.payment_method_details.type == "us_bank_account"
    wait_for(lambda: client.v1.charges.retrieve(pending.id).status == status)
    assert _intent(client, invoice.id).latest_charge == pending.id
    types = _types(client)
    assert types[types.index("charge.pending") + 1] == "payment_intent.processing"
    assert f"charge.{status}" in types and len(client.v1.charges.list().data) == 1


def test_list_by_customer_intent_and_time_with_paging(emulator, client, customer, price):
    other = client.v1.customers.create({"email": "other@example.com"})
    first = sent_invoice(client, customer, price)
    emulator.simulate_payment(first.id, "succeed", amount=500)
    emulator.simulate_payment(first.id, "succeed")
    second = sent_invoice(client, other, price)
    emulator.simulate_payment(second.id, "succeed")
    newest, middle, oldest = client.v1.charges.list().data
    assert (newest.customer, oldest.amount, middle.amount) == (other.id, 500, 1500)
    mine = client.v1.charges.list({"customer": customer.id})
    assert [c.id for c in mine.data] == [middle.id, oldest.id]
    by_intent = client.v1.charges.list({"payment_intent": oldest.payment_intent})
    assert [c.id for c in by_intent.data] == [oldest.id]
    page = client.v1.charges.list({"limit": 1, "starting_after": newest.id})
    assert [c.id for c in page.data] == [middle.id] and page.has_more
    recent = client.v1.charges.list({"created": {"gte": oldest.created}})
    assert len(recent.data) == 3
    assert client.v1.charges.list({"created": {"lt": oldest.created}}).data == []
    assert client.v1.charges.list({"transfer_group": "group_1"}).data == []


def test_refunds_are_expandable(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price)
    emulator.simulate_payment(invoice.id, "succeed")
    refund = emulator.refund_invoice(invoice.id, 300)
    charge = client.v1.charges.retrieve(refund["charge"], {"expand": ["refunds"]})
    assert [r.id for r in charge.refunds.data] == [refund["id"]]
    assert charge.refunds.url == f"/v1/refunds?charge={charge.id}"
    listed = client.v1.charges.list({"expand": ["data.refunds"]})
    assert listed.data[0].refunds.data[0].amount == 300


def test_an_unknown_charge_is_a_404(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.charges.retrieve("ch_missing")
    assert error.value.http_status == 404 and error.value.code == "resource_missing"
