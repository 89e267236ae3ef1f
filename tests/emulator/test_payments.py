"""payments.py: the PaymentIntent made when an invoice is finalized, its secret, its method and
charge once paid, and the InvoicePayment tying it to the invoice."""

import pytest
import stripe

from tests.helpers import draft_invoice, sent_invoice


def test_the_payment_intent_takes_the_invoices_payment_method_types(client, customer, price):
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "payment_settings": {"payment_method_types": ["us_bank_account"]},
        }
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price.id}}]})
    final = client.v1.invoices.finalize_invoice(invoice.id, {"expand": ["payments"]})
    intent = client.v1.payment_intents.retrieve(final.payments.data[0].payment.payment_intent)
    assert intent.payment_method_types == ["us_bank_account"]
    assert intent.payment_method_options.to_dict() == {}


def test_a_paid_payment_intent_names_its_method_and_charge(client, customer, price):
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 3}
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price.id}}]})
    client.v1.invoices.send_invoice(invoice.id)
    with pytest.raises(stripe.CardError) as declined:
        client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_chargeDeclined"})
    assert declined.value.error.decline_code == "generic_decline"
    paid = client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    payment = client.v1.invoice_payments.list({"invoice": paid.id}).data[0]
    assert payment.status == "paid" and payment.amount_paid == 1000
    intent = client.v1.payment_intents.retrieve(payment.payment.payment_intent)
    assert intent.status == "succeeded" and intent.payment_method.startswith("pm_")
    assert intent.latest_charge.startswith("ch_") and intent.last_payment_error is None


def test_finalize_exposes_the_payment_intent_secret(client, customer, price):
    invoice = draft_invoice(client, customer)
    client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price.id}}]})
    final = client.v1.invoices.finalize_invoice(invoice.id, {"expand": ["confirmation_secret"]})
    secret = final.confirmation_secret.client_secret
    assert final.confirmation_secret.type == "payment_intent"
    intent_id = secret.split("_secret_")[0]
    intent = client.v1.payment_intents.retrieve(intent_id)
    assert intent.amount == 1000 and intent.status == "requires_payment_method"
    assert "confirmation_secret" not in client.v1.invoices.retrieve(invoice.id)
    again = client.v1.invoices.retrieve(invoice.id, {"expand": ["confirmation_secret"]})
    assert again.confirmation_secret.client_secret == secret
    payments = client.v1.invoice_payments.list(
        {"payment": {"type": "payment_intent", "payment_intent": intent_id}}
    )
    assert [p.invoice for p in payments.data] == [invoice.id]
    assert client.v1.invoice_payments.list({"invoice": "in_other"}).data == []


def _types(client):
    return [e.type for e in client.v1.events.list({"limit": 100}).auto_paging_iter()][::-1]


def test_a_part_payment_has_its_own_intent_charge_and_invoice_payment(emulator, client, customer,
                                                                       price):  # fmt: skip
    invoice = sent_invoice(client, customer, price, quantity=3)
    emulator.simulate_payment(invoice.id, "succeed", amount=1200)
    after = client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]})
    assert (after.status, after.amount_paid, after.amount_remaining, after.amount_due) == (
        "open",
        1200,
        1800,
        3000,
    )
    default, part = after.payments.data
    assert (default.is_default, default.status, default.amount_requested) == (True, "open", 1800)
    assert (part.is_default, part.status, part.amount_paid, part.amount_requested) == (
        False,
        "paid",
        1200,
        1200,
    )
    assert part.status_transitions.paid_at and part.invoice == invoice.id
    intent = client.v1.payment_intents.retrieve(part.payment.payment_intent)
    assert (intent.status, intent.amount, intent.amount_received) == ("succeeded", 1200, 1200)
    assert client.v1.charges.retrieve(intent.latest_charge).amount == 1200
    default_intent = client.v1.payment_intents.retrieve(default.payment.payment_intent)
    assert (default_intent.status, default_intent.amount) == ("requires_payment_method", 1800)
    assert _types(client)[-5:] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "invoice_payment.paid",
        "invoice.payment_succeeded",
    ]
    paid_event = client.v1.events.list({"type": "invoice_payment.paid"}).data[0].data.object
    assert (paid_event.invoice, paid_event.amount_paid) == (invoice.id, 1200)
    assert paid_event.payment.payment_intent == intent.id and paid_event.status_transitions.paid_at
    assert client.v1.invoice_payments.list({"invoice": invoice.id}).data[0].id == part.id


def test_the_last_part_pays_the_invoice(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price, quantity=3)
    emulator.simulate_payment(invoice.id, "succeed", amount=1000)
    emulator.simulate_payment(invoice.id, "succeed", amount=500)
    shown = emulator.simulate_payment(invoice.id, "succeed", amount=1500)
    assert (shown["status"], shown["amount_paid"], shown["amount_remaining"]) == ("paid", 3000, 0)
    after = client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]})
    default = after.payments.data[0]
    assert (default.status, default.amount_paid) == ("paid", 1500)
    assert [p.amount_paid for p in after.payments.data] == [1500, 1000, 500]
    assert _types(client)[-5:] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "invoice_payment.paid",
        "invoice.paid",
        "invoice.payment_succeeded",
    ]
    receipts = [e for e in emulator.outbox(invoice.id) if e["kind"] == "receipt"]
    assert len(receipts) == 1 and "Amount paid: $30.00" in receipts[0]["text"]


def test_a_credit_note_after_a_part_payment_lowers_what_the_default_intent_asks(
    emulator, client, customer, price
):
    invoice = sent_invoice(client, customer, price, quantity=3)
    emulator.simulate_payment(invoice.id, "succeed", amount=1000)
    client.v1.credit_notes.create({"invoice": invoice.id, "amount": 500})
    after = client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]})
    assert (after.amount_due, after.amount_paid, after.amount_remaining) == (2500, 1000, 1500)
    intent = client.v1.payment_intents.retrieve(after.payments.data[0].payment.payment_intent)
    assert intent.amount == after.payments.data[0].amount_requested == 1500
    emulator.simulate_payment(invoice.id, "succeed")
    final = client.v1.invoices.retrieve(invoice.id)
    assert (final.status, final.amount_paid) == ("paid", 2500)
