"""invoice_items.py: invoice items made from line-like parameters, put on a draft as lines (250 at
most) or left pending, and shown as Stripe shows them."""

from decimal import Decimal

import pytest
import stripe

from stripe_emulator.invoice_items import MAX_LINES
from tests.helpers import draft_invoice


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


def test_at_most_250_lines(client, customer, price):
    invoice = draft_invoice(client, customer)
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


def test_pending_items_are_picked_up_only_when_asked(client, customer, price):
    item = client.v1.invoice_items.create(
        {"customer": customer.id, "pricing": {"price": price.id}, "quantity": 2}
    )
    assert item.id.startswith("ii_") and item.invoice is None and item.amount == 2000
    excluded = draft_invoice(client, customer, pending_invoice_items_behavior="exclude")
    assert excluded.amount_due == 0
    included = draft_invoice(client, customer, pending_invoice_items_behavior="include")
    assert included.amount_due == 2000
    assert client.v1.invoice_items.retrieve(item.id).invoice == included.id


def test_invoice_item_on_a_draft(client, customer, price):
    invoice = draft_invoice(client, customer)
    client.v1.invoice_items.create(
        {"customer": customer.id, "invoice": invoice.id, "pricing": {"price": price.id}}
    )
    assert client.v1.invoices.retrieve(invoice.id).amount_due == 1000
