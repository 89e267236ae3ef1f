"""payments.py: the PaymentIntent made when an invoice is finalized, its secret, its method and
charge once paid, and the InvoicePayment tying it to the invoice."""

import pytest
import stripe

from tests.helpers import draft_invoice


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
