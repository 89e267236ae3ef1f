"""Stripe's rules for money and state, as the emulator enforces them."""

import pytest
import stripe

from stripe_emulator.invoice_items import MAX_LINES


@pytest.fixture
def price(client):
    return client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )


@pytest.fixture
def customer(client):
    return client.v1.customers.create({"email": "jo@example.com", "name": "Jo"})


def draft(client, customer, **extra):
    return client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            **extra,
        }
    )


def sent(client, customer, price, quantity=2):
    invoice = draft(client, customer)
    client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": quantity}]}
    )
    return client.v1.invoices.send_invoice(invoice.id)


def test_amounts_are_unit_amount_times_quantity(client, customer, price):
    cheap = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 250, "product_data": {"name": "Bolt"}}
    )
    invoice = draft(client, customer)
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
    first = sent(client, customer, price)
    second = sent(client, customer, price)
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
    invoice = sent(client, customer, price)
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
    invoice = draft(client, customer)
    updated = client.v1.invoices.update(
        invoice.id,
        {"description": "Thanks", "custom_fields": [{"name": "PO number", "value": "PO-1"}]},
    )
    assert updated.description == "Thanks" and updated.custom_fields[0].value == "PO-1"
    assert client.v1.invoices.delete(invoice.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.retrieve(invoice.id)


def test_at_most_250_lines(client, customer, price):
    invoice = draft(client, customer)
    line = {"pricing": {"price": price.id}, "quantity": 1}
    full = client.v1.invoices.add_lines(invoice.id, {"lines": [line] * MAX_LINES})
    assert "total_count" not in full.lines and full.lines.has_more
    assert len(full.lines.data) == 10
    assert full.amount_due == MAX_LINES * 1000
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(invoice.id, {"lines": [line]})
    assert error.value.param == "lines"
    everything = list(client.v1.invoices.line_items.list(invoice.id).auto_paging_iter())
    assert len(everything) == MAX_LINES


def test_add_lines_is_all_or_nothing(client, customer, price):
    invoice = draft(client, customer)
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
    invoice = draft(client, customer)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": euro.id}}]})
    assert error.value.param == "lines[0][pricing][price]"
    in_euro = draft(client, customer, currency="eur")
    assert (
        client.v1.invoices.add_lines(
            in_euro.id, {"lines": [{"pricing": {"price": euro.id}}]}
        ).amount_due
        == 900
    )


def test_pending_items_are_picked_up_only_when_asked(client, customer, price):
    item = client.v1.invoice_items.create(
        {"customer": customer.id, "pricing": {"price": price.id}, "quantity": 2}
    )
    assert item.id.startswith("ii_") and item.invoice is None and item.amount == 2000
    excluded = draft(client, customer, pending_invoice_items_behavior="exclude")
    assert excluded.amount_due == 0
    included = draft(client, customer, pending_invoice_items_behavior="include")
    assert included.amount_due == 2000
    assert client.v1.invoice_items.retrieve(item.id).invoice == included.id


def test_invoice_item_on_a_draft(client, customer, price):
    invoice = draft(client, customer)
    client.v1.invoice_items.create(
        {"customer": customer.id, "invoice": invoice.id, "pricing": {"price": price.id}}
    )
    assert client.v1.invoices.retrieve(invoice.id).amount_due == 1000


def test_finalize_exposes_the_payment_intent_secret(client, customer, price):
    invoice = draft(client, customer)
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


def test_pay_with_test_cards(client, customer, price):
    invoice = sent(client, customer, price)
    with pytest.raises(stripe.CardError) as error:
        client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_chargeDeclined"})
    assert error.value.code == "card_declined"
    still = client.v1.invoices.retrieve(invoice.id)
    assert still.status == "open" and still.attempt_count == 1
    paid = client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid" and paid.amount_paid == 2000 and paid.amount_remaining == 0


def test_out_of_band_payment(client, customer, price):
    invoice = sent(client, customer, price)
    paid = client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
    assert paid.status == "paid" and paid.status_transitions.paid_at
    types = [e.type for e in client.v1.events.list({"limit": 100}).data]
    assert "invoice.paid" in types and "invoice.payment_succeeded" not in types


def test_list_invoices_by_customer_and_status(client, customer, price):
    other = client.v1.customers.create({"email": "al@example.com"})
    open_one = sent(client, customer, price)
    draft(client, customer)
    sent(client, other, price)
    mine = client.v1.invoices.list({"customer": customer.id})
    assert len(mine.data) == 2
    opened = client.v1.invoices.list({"customer": customer.id, "status": "open"})
    assert [i.id for i in opened.data] == [open_one.id]


def test_simulated_payments(emulator, client, customer, price):
    invoice = sent(client, customer, price)
    assert emulator.simulate_payment(invoice.id, "fail")["status"] == "open"
    intent_id = client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]}).payments.data[0]
    intent = client.v1.payment_intents.retrieve(intent_id.payment.payment_intent)
    assert intent.last_payment_error.code == "card_declined"
    assert emulator.simulate_payment(invoice.id, "succeed")["status"] == "paid"


def test_nested_expansion_changes_only_that_answer(client, customer, price):
    invoice = sent(client, customer, price)
    path = "lines.data.pricing.price_details.price"
    expanded = client.v1.invoices.retrieve(invoice.id, {"expand": [path]})
    assert expanded.lines.data[0].pricing.price_details.price.unit_amount == 1000
    plain = client.v1.invoices.retrieve(invoice.id)
    assert plain.lines.data[0].pricing.price_details.price == price.id
