"""invoices.py: creating, reading, listing, editing and deleting drafts, adding lines (all or
nothing, one currency), numbers and due dates on finalization, and a new invoice's defaults as
Stripe gives them for the pinned API version."""

import pytest
import stripe

from tests.helpers import draft_invoice, sent_invoice


def test_amounts_are_unit_amount_times_quantity(client, customer, price):
    cheap = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 250, "product_data": {"name": "Bolt"}}
    )
    invoice = draft_invoice(client, customer)
    invoice = client.v1.invoices.add_lines(
        invoice.id,
        {
            "lines": [
                {"pricing": {"price": price.id}, "quantity": 3},
                {"pricing": {"price": cheap.id}, "quantity": 4},
            ]
        },
    )
    assert [line.amount for line in invoice.lines.data] == [3000, 1000]
    assert invoice.lines.data[0].pricing.price_details.price == price.id
    assert invoice.lines.data[1].description == "Bolt"
    assert invoice.subtotal == invoice.total == invoice.amount_due == 4000
    assert invoice.amount_paid == 0 and invoice.amount_remaining == 4000


def test_finalization_numbers_and_dates(client, customer, price):
    first = sent_invoice(client, customer, price)
    second = sent_invoice(client, customer, price)
    assert first.status == "open" and first.number and first.number != second.number
    assert second.number.endswith("0002")
    assert first.due_date == first.status_transitions.finalized_at + 30 * 86400
    assert first.hosted_invoice_url.endswith(f"/i/{first.id}")
    assert first.invoice_pdf.endswith(f"/i/{first.id}/pdf")


def test_send_invoice_needs_due_terms(client, customer):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.create({"customer": customer.id, "collection_method": "send_invoice"})
    assert error.value.param == "days_until_due"


def test_only_a_draft_is_edited_finalized_or_deleted(client, customer, price):
    invoice = sent_invoice(client, customer, price)
    attempts = [
        lambda: client.v1.invoices.add_lines(
            invoice.id, {"lines": [{"pricing": {"price": price.id}}]}
        ),
        lambda: client.v1.invoices.update(invoice.id, {"description": "late"}),
        lambda: client.v1.invoices.finalize_invoice(invoice.id),
        lambda: client.v1.invoices.delete(invoice.id),
    ]
    for attempt in attempts:
        with pytest.raises(stripe.InvalidRequestError) as error:
            attempt()
        assert error.value.code == "invoice_not_editable"
    # metadata stays editable after finalization, as on Stripe
    assert client.v1.invoices.update(invoice.id, {"metadata": {"k": "v"}}).metadata["k"] == "v"


def test_draft_update_and_delete(client, customer, price):
    invoice = draft_invoice(client, customer)
    updated = client.v1.invoices.update(
        invoice.id,
        {"description": "Thanks", "custom_fields": [{"name": "PO number", "value": "PO-1"}]},
    )
    assert updated.description == "Thanks" and updated.custom_fields[0].value == "PO-1"
    assert client.v1.invoices.delete(invoice.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.retrieve(invoice.id)


def test_add_lines_is_all_or_nothing(client, customer, price):
    invoice = draft_invoice(client, customer)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(
            invoice.id,
            {"lines": [{"pricing": {"price": price.id}}, {"pricing": {"price": "price_nope"}}]},
        )
    assert error.value.param == "lines[1][pricing][price]"
    assert client.v1.invoices.retrieve(invoice.id).lines.data == []


def test_one_currency_per_invoice(client, customer, price):
    euro = client.v1.prices.create(
        {"currency": "eur", "unit_amount": 900, "product_data": {"name": "Euro thing"}}
    )
    invoice = draft_invoice(client, customer)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": euro.id}}]})
    assert error.value.param == "lines[0][pricing][price]"
    in_euro = draft_invoice(client, customer, currency="eur")
    assert (
        client.v1.invoices.add_lines(
            in_euro.id, {"lines": [{"pricing": {"price": euro.id}}]}
        ).amount_due
        == 900
    )


def test_list_invoices_by_customer_and_status(client, customer, price):
    other = client.v1.customers.create({"email": "al@example.com"})
    open_one = sent_invoice(client, customer, price)
    draft_invoice(client, customer)
    sent_invoice(client, other, price)
    mine = client.v1.invoices.list({"customer": customer.id})
    assert len(mine.data) == 2
    opened = client.v1.invoices.list({"customer": customer.id, "status": "open"})
    assert [i.id for i in opened.data] == [open_one.id]


def test_nested_expansion_changes_only_that_answer(client, customer, price):
    invoice = sent_invoice(client, customer, price)
    path = "lines.data.pricing.price_details.price"
    expanded = client.v1.invoices.retrieve(invoice.id, {"expand": [path]})
    assert expanded.lines.data[0].pricing.price_details.price.unit_amount == 1000
    plain = client.v1.invoices.retrieve(invoice.id)
    assert plain.lines.data[0].pricing.price_details.price == price.id


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
