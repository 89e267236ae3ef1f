"""Values as Stripe gives them for API 2026-10-28.endive, beyond the schema's shape."""

from decimal import Decimal

import pytest
import requests
import stripe

from stripe_emulator import serve


@pytest.fixture
def customer(client):
    return client.v1.customers.create(
        {"email": "jo@example.com", "name": "Jo", "phone": "+15555550100"}
    )


@pytest.fixture
def price(client):
    return client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )


def test_a_new_invoice_carries_stripes_defaults_and_the_customers_details(client, customer):
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "payment_settings": {"payment_method_types": ["card", "us_bank_account"]},
        }
    )
    assert invoice.auto_advance is False  # this API version's default
    assert invoice.issuer.to_dict() == {"type": "self"}
    assert invoice.payment_settings.payment_method_types == ["card", "us_bank_account"]
    assert invoice.payment_settings.default_mandate is None
    assert invoice.customer_phone == "+15555550100" and invoice.customer_tax_exempt == "none"
    assert invoice.discounts == [] and invoice.default_tax_rates == []
    assert invoice.automatic_tax.disabled_reason is None and invoice.rendering is None
    asked = client.v1.invoices.create(
        {
            "customer": customer.id,
            "auto_advance": True,
            "rendering": {"pdf": {"page_size": "a4"}},
        }
    )
    assert asked.auto_advance is True and asked.rendering.pdf.page_size == "a4"
    assert asked.payment_settings.payment_method_types is None


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


def test_payment_method_options_are_refused_as_not_emulated(client, customer):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.create(
            {
                "customer": customer.id,
                "payment_settings": {
                    "payment_method_options": {"card": {"request_three_d_secure": "any"}}
                },
            }
        )
    assert error.value.param == "payment_settings[payment_method_options]"


def test_lines_and_items_as_stripe_shows_them(client, customer, price):
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 3}
    )
    invoice = client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": 3}]}
    )
    assert "total_count" not in invoice.lines
    line = invoice.lines.data[0]
    # The SDK turns decimal strings into Decimals.
    assert line.quantity_decimal == Decimal(3) and line.subscription is None
    details = line.parent.invoice_item_details
    assert "invoice" not in details and details.proration is False
    item = client.v1.invoice_items.retrieve(details.invoice_item)
    assert item.quantity_decimal == Decimal(3) and item.customer_account is None


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


def test_every_update_event_names_what_changed_and_a_no_op_makes_none(client, customer):
    invoice = client.v1.invoices.create({"customer": customer.id, "metadata": {"a": "1"}})
    client.v1.invoices.update(invoice.id, {"metadata": {"b": "2"}})
    client.v1.invoices.update(invoice.id, {"metadata": {"b": "2"}})  # nothing changes
    updated = client.v1.events.list({"type": "invoice.updated"}).data
    assert len(updated) == 1
    assert updated[0].data.previous_attributes.to_dict() == {"metadata": {"a": "1"}}
    assert updated[0].data.object.metadata.to_dict() == {"a": "1", "b": "2"}
    client.v1.customers.update(customer.id, {"name": "Jo"})  # unchanged too
    assert client.v1.events.list({"type": "customer.updated"}).data == []


def test_errors_link_to_their_request_log_entry(emulator):
    server = serve(emulator)
    try:
        answer = requests.get(f"{server.url}/v1/invoices/in_missing", auth=("sk_test_12345678", ""))
    finally:
        server.stop()
    error = answer.json()["error"]
    assert error["code"] == "resource_missing"
    assert error["request_log_url"].endswith(answer.headers["Request-Id"])


def test_webhook_endpoint_api_version_is_null_unless_asked(client):
    plain = client.v1.webhook_endpoints.create(
        {"url": "https://example.com/webhook", "enabled_events": ["*"]}
    )
    pinned = client.v1.webhook_endpoints.create(
        {
            "url": "https://example.com/pinned",
            "enabled_events": ["*"],
            "api_version": stripe.api_version,
        }
    )
    assert plain.api_version is None and pinned.api_version == stripe.api_version
