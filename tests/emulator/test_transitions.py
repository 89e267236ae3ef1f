"""transitions.py: Stripe's invoice state machine, every pair (what each status allows, and the
error otherwise); paying by test card or out of band; and its guards on finalization: Stripe's
largest charge per currency refused, and below the smallest the customer owes the amount."""

import pytest
import stripe

from invoicing.currencies import format_money, maximum, minimum
from tests.helpers import sent_invoice, wait_for


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


def test_status_details_only_while_uncollectible(client, customer, price):
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 3}
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price.id}}]})
    client.v1.invoices.send_invoice(invoice.id)
    marked = client.v1.invoices.mark_uncollectible(invoice.id)
    assert marked.status_details.uncollectible.reason == "user_forgiven"
    paid = client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
    assert "status_details" not in paid


def test_pay_with_test_cards(client, customer, price):
    invoice = sent_invoice(client, customer, price)
    with pytest.raises(stripe.CardError) as error:
        client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_chargeDeclined"})
    assert error.value.code == "card_declined"
    still = client.v1.invoices.retrieve(invoice.id)
    assert still.status == "open" and still.attempt_count == 1
    paid = client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid" and paid.amount_paid == 2000 and paid.amount_remaining == 0


def test_out_of_band_payment(client, customer, price):
    invoice = sent_invoice(client, customer, price)
    paid = client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
    assert paid.status == "paid" and paid.status_transitions.paid_at
    types = [e.type for e in client.v1.events.list({"limit": 100}).data]
    assert "invoice.paid" in types and "invoice.payment_succeeded" not in types


def invoice_of(client, customer, amount, currency="usd", quantity=1):
    price = client.v1.prices.create(
        {"currency": currency, "unit_amount": amount, "product_data": {"name": "Thing"}}
    )
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "currency": currency,
        }
    )
    return client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": quantity}]}
    )


@pytest.mark.parametrize(
    ("currency", "largest", "shown"),
    [
        ("usd", 99_999_999, "$999,999.99"),
        ("eur", 99_999_999, "€999,999.99"),
        ("jpy", 99_999_999, "¥99,999,999"),
        ("idr", 999_999_999_999, "IDR 9,999,999,999.99"),
    ],
)
def test_the_largest_invoice_is_sent_and_one_unit_more_is_refused(
    client, customer, currency, largest, shown
):
    assert maximum(currency) == largest and format_money(largest, currency) == shown
    at_limit = invoice_of(client, customer, largest, currency)
    assert client.v1.invoices.send_invoice(at_limit.id).status == "open"
    over = invoice_of(client, customer, largest + 1, currency)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.send_invoice(over.id)
    assert error.value.http_status == 400 and error.value.code == "amount_too_large"
    assert error.value.user_message == f"Amount must be no more than {shown} {currency}"
    failed = client.v1.invoices.retrieve(over.id)
    assert failed.status == "draft" and failed.last_finalization_error.code == "amount_too_large"
    latest = client.v1.events.list({"limit": 1}).data[0]
    assert latest.type == "invoice.finalization_failed" and latest.data.object.id == over.id


def test_quantity_times_price_counts_and_finalize_and_pay_refuse_too(client, customer):
    over = invoice_of(client, customer, 25_000, quantity=10_000)  # $2,500,000.00
    assert over.total == 250_000_000
    for attempt in (
        lambda: client.v1.invoices.finalize_invoice(over.id),
        lambda: client.v1.invoices.pay(over.id, {"paid_out_of_band": True}),
    ):
        with pytest.raises(stripe.InvalidRequestError) as error:
            attempt()
        assert error.value.code == "amount_too_large"
    # The draft is still there to be corrected or deleted.
    assert client.v1.invoices.delete(over.id).deleted is True


@pytest.mark.parametrize(
    ("currency", "smallest"), [("usd", 50), ("gbp", 30), ("jpy", 50), ("huf", 17500)]
)
def test_below_the_minimum_charge_the_invoice_is_paid_and_the_customer_owes_it(
    client, customer, currency, smallest
):
    assert minimum(currency) == smallest
    small = client.v1.invoices.send_invoice(invoice_of(client, customer, smallest - 1, currency).id)
    assert small.status == "paid" and small.total == smallest - 1
    assert small.amount_due == 0 and small.amount_paid == 0 and small.ending_balance == small.total
    assert client.v1.customers.retrieve(customer.id).balance == smallest - 1
    updated = client.v1.events.list({"type": "customer.updated"}).data[0]
    assert updated.data.previous_attributes.balance == 0
    # The next invoice collects what the customer owes.
    sizeable = invoice_of(client, customer, 10 * smallest, currency)
    assert sizeable.starting_balance == smallest - 1
    sent = client.v1.invoices.send_invoice(sizeable.id)
    assert sent.status == "open" and sent.amount_due == 11 * smallest - 1
    assert sent.ending_balance == 0
    assert client.v1.customers.retrieve(customer.id).balance == 0


def test_at_the_minimum_the_invoice_is_charged(client, customer):
    at_minimum = client.v1.invoices.send_invoice(invoice_of(client, customer, 50).id)
    assert at_minimum.status == "open" and at_minimum.amount_due == 50


def test_a_currency_without_a_published_minimum_has_none(client, customer):
    assert minimum("xof") == 0
    tiny = client.v1.invoices.send_invoice(invoice_of(client, customer, 1, "xof").id)
    assert tiny.status == "open" and tiny.amount_due == 1
