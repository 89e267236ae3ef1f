"""Stripe's invoice transitions, every pair: what each status allows, and the error otherwise."""

import pytest
import stripe

from tests.helpers import wait_for


@pytest.fixture
def price(client):
    return client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )


@pytest.fixture
def invoice_in(client, price):
    """Make an invoice in a given status (with one $20.00 line)."""
    customer = client.v1.customers.create({"email": "jo@example.com"})

    def make(status):
        invoice = client.v1.invoices.create(
            {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
        )
        client.v1.invoices.add_lines(
            invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": 2}]}
        )
        if status != "draft":
            client.v1.invoices.send_invoice(invoice.id)
        if status == "paid":
            client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
        elif status == "void":
            client.v1.invoices.void_invoice(invoice.id)
        elif status == "uncollectible":
            client.v1.invoices.mark_uncollectible(invoice.id)
        return client.v1.invoices.retrieve(invoice.id)

    return make


def _act(client, price, invoice_id, action):
    invoices = client.v1.invoices
    line = {"pricing": {"price": price.id}}
    calls = {
        "finalize": lambda: invoices.finalize_invoice(invoice_id),
        "send": lambda: invoices.send_invoice(invoice_id),
        "pay": lambda: invoices.pay(invoice_id, {"paid_out_of_band": True}),
        "void": lambda: invoices.void_invoice(invoice_id),
        "mark_uncollectible": lambda: invoices.mark_uncollectible(invoice_id),
        "edit": lambda: invoices.update(invoice_id, {"description": "Edited"}),
        "delete": lambda: invoices.delete(invoice_id),
        "add_lines": lambda: invoices.add_lines(invoice_id, {"lines": [line]}),
    }
    return calls[action]()


NOT_EDITABLE, INVALID = "invoice_not_editable", "status_transition_invalid"
ACTIONS = ["finalize", "send", "pay", "void", "mark_uncollectible", "edit", "delete", "add_lines"]
# Per starting status, what each action leads to: the new status, or the error code.
TABLE = {
    "draft": ["open", "open", "paid", INVALID, INVALID, "draft", "deleted", "draft"],
    "open": [NOT_EDITABLE, "open", "paid", "void", "uncollectible", *[NOT_EDITABLE] * 3],
    "paid": [NOT_EDITABLE, "paid", INVALID, INVALID, INVALID, *[NOT_EDITABLE] * 3],
    "uncollectible": [NOT_EDITABLE, "uncollectible", "paid", "void", INVALID, *[NOT_EDITABLE] * 3],
    "void": [NOT_EDITABLE, INVALID, INVALID, INVALID, INVALID, *[NOT_EDITABLE] * 3],
}
CASES = [
    (status, action, outcome)
    for status, outcomes in TABLE.items()
    for action, outcome in zip(ACTIONS, outcomes, strict=True)
]


@pytest.mark.parametrize(("status", "action", "outcome"), CASES)
def test_every_status_and_action(client, price, invoice_in, status, action, outcome):
    invoice = invoice_in(status)
    assert invoice.status == status
    if outcome in (NOT_EDITABLE, INVALID):
        with pytest.raises(stripe.InvalidRequestError) as error:
            _act(client, price, invoice.id, action)
        assert error.value.http_status == 400
        assert error.value.code == outcome
        assert status in error.value.user_message
        assert client.v1.invoices.retrieve(invoice.id).status == status
    elif outcome == "deleted":
        assert _act(client, price, invoice.id, action).deleted is True
    else:
        assert _act(client, price, invoice.id, action).status == outcome


def test_an_uncollectible_invoice_is_paid_on_the_hosted_page(emulator, client, invoice_in):
    invoice = invoice_in("uncollectible")
    paid = emulator.simulate_payment(invoice.id, "succeed")
    assert paid["status"] == "paid" and paid["amount_paid"] == 2000
    transitions = client.v1.invoices.retrieve(invoice.id).status_transitions
    assert transitions.marked_uncollectible_at and transitions.paid_at
    types = [e.type for e in client.v1.events.list({"limit": 3}).data]
    assert "invoice.paid" in types and "invoice.payment_succeeded" in types


def test_an_uncollectible_invoice_is_paid_by_card_and_its_delayed_payment_settles(
    emulator, client, invoice_in
):
    by_card = invoice_in("uncollectible")
    assert client.v1.invoices.pay(by_card.id, {"payment_method": "pm_card_visa"}).status == "paid"
    delayed = invoice_in("uncollectible")
    emulator.simulate_payment(delayed.id, "delayed")
    wait_for(lambda: client.v1.invoices.retrieve(delayed.id).status == "paid")


def test_voiding_an_uncollectible_invoice_cancels_its_payment(client, invoice_in):
    invoice = invoice_in("uncollectible")
    voided = client.v1.invoices.void_invoice(invoice.id, {"expand": ["payments"]})
    assert voided.status == "void" and voided.status_transitions.voided_at
    payment = voided.payments.data[0]
    assert payment.status == "canceled"
    intent = client.v1.payment_intents.retrieve(payment.payment.payment_intent)
    assert intent.status == "canceled"


def test_paying_a_draft_finalizes_it_first(client, invoice_in):
    invoice = invoice_in("draft")
    paid = client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid" and paid.number and paid.status_transitions.finalized_at
    types = [e.type for e in client.v1.events.list({"limit": 10}).data]
    assert types.index("invoice.paid") < types.index("invoice.finalized")
