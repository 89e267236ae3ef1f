"""simulation.py: a customer paying on the hosted page, declined or at once."""

from tests.helpers import sent_invoice


def test_simulated_payments(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price)
    assert emulator.simulate_payment(invoice.id, "fail")["status"] == "open"
    intent_id = client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]}).payments.data[0]
    intent = client.v1.payment_intents.retrieve(intent_id.payment.payment_intent)
    assert intent.last_payment_error.code == "card_declined"
    assert emulator.simulate_payment(invoice.id, "succeed")["status"] == "paid"
