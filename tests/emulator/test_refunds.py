"""refunds.py through the real SDK: refunds of card payments (at once), of bank debits (pending,
then succeeded), of a card whose refunds fail; reading, listing, updating, cancel refused; and
the Dashboard-like refund control."""

import shutil

import pytest
import stripe
from werkzeug.test import Client

from stripe_emulator import Emulator
from tests.helpers import sdk_client, sent_invoice, wait_for


@pytest.fixture
def paid(emulator, client, customer, price):
    """A $20.00 invoice paid by card on the hosted page."""
    invoice = sent_invoice(client, customer, price)
    emulator.simulate_payment(invoice.id, "succeed")
    return client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]})


def _intent_id(invoice):
    return invoice.payments.data[0].payment.payment_intent


def _types(client, since):
    types = [e.type for e in client.v1.events.list({"limit": 100}).auto_paging_iter()][::-1]
    return types[len(types) - types[::-1].index(since) :]


def test_a_card_refund_succeeds_at_once(client, paid):
    refund = client.v1.refunds.create(
        {
            "payment_intent": _intent_id(paid),
            "amount": 500,
            "reason": "requested_by_customer",
            "metadata": {"ticket": "7"},
        }
    )
    assert refund.id.startswith("re_") and refund.object == "refund"
    assert (refund.status, refund.amount, refund.currency, refund.reason) == (
        "succeeded",
        500,
        "usd",
        "requested_by_customer",
    )
    assert refund.payment_intent == _intent_id(paid) and refund.charge.startswith("ch_")
    assert refund.metadata.to_dict() == {"ticket": "7"} and refund.created
    assert "failure_reason" not in refund
    charge = client.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (500, False)
    assert _types(client, "invoice.payment_succeeded") == ["refund.created", "charge.refunded"]
    refunded = client.v1.events.list({"type": "charge.refunded"}).data[0]
    assert refunded.data.previous_attributes.to_dict() == {"amount_refunded": 0}
    rest = client.v1.refunds.create({"charge": refund.charge})
    assert rest.amount == 1500 and rest.reason is None  # what is left, by default
    charge = client.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (2000, True)


def test_refunds_change_nothing_on_the_invoice(client, paid):
    client.v1.refunds.create({"payment_intent": _intent_id(paid)})
    after = client.v1.invoices.retrieve(paid.id)
    assert (after.status, after.amount_paid, after.amount_remaining) == ("paid", 2000, 0)
    assert after.post_payment_credit_notes_amount == 0


CHARGE = object()  # stands for the paid invoice's charge


@pytest.mark.parametrize(
    "params, param, code",
    [
        ({}, "charge", "parameter_missing"),
        ({"charge": "ch_missing"}, "charge", "resource_missing"),
        ({"payment_intent": "pi_missing"}, "payment_intent", "resource_missing"),
        ({"charge": CHARGE, "amount": 2001}, "amount", None),
        ({"charge": CHARGE, "amount": 0}, "amount", None),
        ({"charge": CHARGE, "payment_intent": "pi_other"}, "payment_intent", None),
        ({"charge": CHARGE, "reason": "order_change"}, "reason", None),
        ({"charge": CHARGE, "reverse_transfer": True}, "reverse_transfer", "parameter_unknown"),
        ({"charge": CHARGE, "instructions_email": "a@b.co"}, "instructions_email",
         "parameter_unknown"),
        ({"charge": CHARGE, "origin": "customer_balance"}, "origin", "parameter_unknown"),
        ({"charge": CHARGE, "favourite": "x"}, "favourite", "parameter_unknown"),
    ],
)  # fmt: skip
def test_refusals_name_the_param(client, paid, params, param, code):
    charge = client.v1.charges.list().data[0].id
    params = {k: charge if v is CHARGE else v for k, v in params.items()}
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params)
    assert error.value.http_status == 400 and error.value.param == param
    assert error.value.code == code
    assert client.v1.refunds.list().data == []


def test_a_fully_refunded_charge_is_refused(client, paid):
    client.v1.refunds.create({"payment_intent": _intent_id(paid)})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create({"payment_intent": _intent_id(paid)})
    assert error.value.code == "charge_already_refunded" and error.value.param == "payment_intent"


def test_an_unpaid_intent_has_nothing_to_refund(client, customer, price):
    invoice = sent_invoice(client, customer, price)
    found = client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create({"payment_intent": _intent_id(found)})
    assert error.value.param == "payment_intent" and error.value.code == "charge_not_refundable"


def test_retrieve_list_update_and_cancel(emulator, client, customer, price, paid):
    other = sent_invoice(client, customer, price)
    emulator.simulate_payment(other.id, "succeed")
    first = client.v1.refunds.create({"payment_intent": _intent_id(paid), "amount": 100})
    second = client.v1.refunds.create({"payment_intent": _intent_id(paid), "amount": 200})
    third = emulator.refund_invoice(other.id, 300)
    assert client.v1.refunds.retrieve(first.id).amount == 100
    assert [r.id for r in client.v1.refunds.list().data] == [third["id"], second.id, first.id]
    by_charge = client.v1.refunds.list({"charge": first.charge})
    assert [r.id for r in by_charge.data] == [second.id, first.id]
    by_intent = client.v1.refunds.list({"payment_intent": third["payment_intent"]})
    assert [r.id for r in by_intent.data] == [third["id"]]
    page = client.v1.refunds.list({"limit": 1, "starting_after": third["id"]})
    assert [r.id for r in page.data] == [second.id] and page.has_more
    assert len(client.v1.refunds.list({"created": {"gte": first.created}}).data) == 3
    updated = client.v1.refunds.update(first.id, {"metadata": {"k": "v"}})
    assert updated.metadata.to_dict() == {"k": "v"}
    event = client.v1.events.list({"type": "refund.updated"}).data[0]
    assert event.data.previous_attributes.to_dict() == {"metadata": {}}
    client.v1.refunds.update(first.id, {"metadata": {"k": "v"}})  # no change, no event
    assert len(client.v1.events.list({"type": "refund.updated"}).data) == 1
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.cancel(first.id)
    assert error.value.http_status == 400 and "requires_action" in str(error.value)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.retrieve("re_missing")
    assert error.value.http_status == 404


def test_a_bank_debit_refund_is_pending_then_succeeds(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price)
    emulator.simulate_payment(invoice.id, "delayed")
    wait_for(lambda: client.v1.invoices.retrieve(invoice.id).status == "paid")
    refund = emulator.refund_invoice(invoice.id)
    assert (refund["status"], refund["pending_reason"], refund["amount"]) == (
        "pending",
        "processing",
        2000,
    )
    assert client.v1.charges.retrieve(refund["charge"]).amount_refunded == 2000
    wait_for(lambda: client.v1.refunds.retrieve(refund["id"]).status == "succeeded")
    assert "pending_reason" not in client.v1.refunds.retrieve(refund["id"])
    assert _types(client, "invoice.payment_succeeded") == [
        "refund.created",
        "charge.refunded",
        "refund.updated",
    ]
    updated = client.v1.events.list({"type": "refund.updated"}).data[0]
    assert updated.data.previous_attributes.status == "pending"


@pytest.mark.parametrize("how", ["hosted page", "pm_card_refundFail"])
def test_a_card_whose_refunds_fail(emulator, client, customer, price, how):
    invoice = sent_invoice(client, customer, price)
    if how == "hosted page":
        emulator.simulate_payment(invoice.id, "succeed_refunds_fail")
    else:
        client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_refundFail"})
    charge = client.v1.charges.list().data[0]
    assert charge.payment_method_details.card.last4 == "5126"
    refund = client.v1.refunds.create({"charge": charge.id, "amount": 1200})
    assert refund.status == "succeeded"  # as Stripe shows it at first
    wait_for(lambda: client.v1.refunds.retrieve(refund.id).status == "failed")
    failed = client.v1.refunds.retrieve(refund.id)
    assert failed.failure_reason == "expired_or_canceled_card"
    after = client.v1.charges.retrieve(charge.id)
    assert (after.amount_refunded, after.refunded) == (0, False)
    assert _types(client, "invoice.payment_succeeded") == [
        "refund.created",
        "charge.refunded",
        "refund.failed",
        "charge.refund.updated",
    ]
    updated = client.v1.events.list({"type": "charge.refund.updated"}).data[0]
    assert updated.data.previous_attributes.to_dict() == {"status": "succeeded"}
    again = client.v1.refunds.create({"charge": charge.id})
    assert again.amount == 2000  # what failed can be refunded again


def test_a_refund_still_to_settle_settles_after_a_restart(tmp_path):
    path, copy = tmp_path / "state.json", tmp_path / "copy.json"
    first = Emulator(state_file=str(path), processing_seconds=60)
    try:
        client = sdk_client(first)
        mine = client.v1.customers.create({"email": "kept@example.com"})
        gold = client.v1.prices.create(
            {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold"}}
        )
        invoice = sent_invoice(client, mine, gold)
        first.simulate_payment(invoice.id, "succeed", amount=500)
        first.simulate_payment(invoice.id, "succeed_refunds_fail")
        refund = first.refund_invoice(invoice.id, 1500)
        credit = client.v1.customers.balance_transactions.create(
            mine.id, {"amount": -100, "currency": "usd"}
        )
        with first.store.lock:
            shutil.copy(path, copy)
    finally:
        first.close()  # long before the 60 s are up
    second = Emulator(state_file=str(copy), processing_seconds=0.1)
    try:
        client = sdk_client(second)
        wait_for(lambda: client.v1.refunds.retrieve(refund["id"]).status == "failed", timeout=5)
        assert [e.type for e in client.v1.events.list({"type": "refund.failed"}).data] == [
            "refund.failed"
        ]
        found = client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]})
        assert [p.amount_paid for p in found.payments.data] == [1500, 500]
        assert [c.amount_refunded for c in client.v1.charges.list().data] == [0, 0]
        kept = client.v1.customers.balance_transactions.retrieve(mine.id, credit.id)
        assert kept.ending_balance == -100
        again = second.refund_invoice(invoice.id)  # the older charge too, newest first
        assert again["amount"] == 1500
    finally:
        second.close()


def test_the_control_refunds_behind_the_servers_back(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price, quantity=3)
    emulator.simulate_payment(invoice.id, "succeed", amount=1000)
    emulator.simulate_payment(invoice.id, "succeed")  # the newest charge: $20.00
    http = Client(emulator)
    url = f"/_emulator/invoices/{invoice.id}/refunds"
    answer = http.post(url, json={"amount": 2500, "reason": "duplicate"})
    assert answer.status_code == 200 and answer.json["object"] == "refund"
    amounts = [(r.amount, r.reason) for r in client.v1.refunds.list().data]
    assert amounts == [(500, "duplicate"), (2000, "duplicate")]  # newest charge first
    assert answer.json["amount"] == 2000
    rest = http.post(url, json={})
    assert rest.status_code == 200 and rest.json["amount"] == 500
    nothing = http.post(url, json={})
    assert nothing.status_code == 400 and "nothing to refund" in nothing.json["error"]["message"]
    refused = http.post(url, json={"amount": 1}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    for body, param in (({"amount": 0}, "amount"), ({"reason": "bored"}, "reason"),
                        ({"colour": "red"}, "colour")):  # fmt: skip
        wrong = http.post(url, json=body)
        assert wrong.status_code == 400 and wrong.json["error"]["param"] == param
    assert client.v1.invoices.retrieve(invoice.id).amount_paid == 3000


def test_an_invoice_paid_out_of_band_has_nothing_to_refund(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price)
    client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
    answer = Client(emulator).post(f"/_emulator/invoices/{invoice.id}/refunds", json={})
    assert answer.status_code == 400
    missing = Client(emulator).post("/_emulator/invoices/in_missing/refunds", json={})
    assert missing.status_code == 404
