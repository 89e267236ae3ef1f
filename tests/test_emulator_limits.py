"""Stripe's smallest and largest charges per currency, as they apply to invoices."""

import pytest
import stripe

from invoicing.currencies import format_money, maximum, minimum


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


@pytest.fixture
def customer(client):
    return client.v1.customers.create({"email": "jo@example.com"})


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
