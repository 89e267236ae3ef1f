"""simulation.py: a customer paying on the hosted page, declined or at once."""

import pytest
from werkzeug.test import Client

from stripe_emulator.errors import StripeAPIError
from tests.helpers import sent_invoice


def test_simulated_payments(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price)
    assert emulator.simulate_payment(invoice.id, "fail")["status"] == "open"
    intent_id = client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]}).payments.data[0]
    intent = client.v1.payment_intents.retrieve(intent_id.payment.payment_intent)
    assert intent.last_payment_error.code == "card_declined"
    assert emulator.simulate_payment(invoice.id, "succeed")["status"] == "paid"


@pytest.mark.parametrize(
    "outcome, amount",
    [("succeed", 0), ("succeed", 2001), ("succeed_refunds_fail", -5), ("fail", 100),
     ("delayed", 100)],
)  # fmt: skip
def test_a_part_payment_is_from_1_to_what_remains_and_pays_at_once(
    emulator, client, customer, price, outcome, amount
):
    invoice = sent_invoice(client, customer, price)
    with pytest.raises(StripeAPIError) as error:
        emulator.simulate_payment(invoice.id, outcome, amount=amount)
    assert error.value.param == "amount"
    assert client.v1.invoices.retrieve(invoice.id).amount_remaining == 2000


def test_the_control_takes_an_amount(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price)
    http = Client(emulator)
    url = f"/_emulator/invoices/{invoice.id}/payments"
    part = http.post(url, json={"outcome": "succeed", "amount": 500})
    assert part.status_code == 200 and part.json["amount_remaining"] == 1500
    for amount in ("5", True, 1.5, 1501):
        wrong = http.post(url, json={"outcome": "succeed", "amount": amount})
        assert wrong.status_code == 400 and wrong.json["error"]["param"] == "amount"
    rest = http.post(url, json={"outcome": "succeed_refunds_fail", "amount": 1500})
    assert rest.json["status"] == "paid"
