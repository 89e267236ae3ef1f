"""credit_note_amounts.py: what a credit note credits of its lines' discounts and taxes, and its
totals, on taxed and discounted invoices.

The reference figures: Stripe's fields (https://docs.stripe.com/api/credit_notes/object: `amount`
"including tax", `subtotal` "excluding exclusive tax and invoice level discounts", `total`
"including tax and all discount"; https://docs.stripe.com/api/credit_notes/line_item: a line's
`amount` "excluding (exclusive) tax and discounts"), on the invoices of test_invoice_totals.py
(Stripe's own €600 example at 10% inclusive and exclusive among them): a whole line credited
credits what it billed, tax included and discount taken off; part of a line, its share.
"""

import pytest
import stripe
from werkzeug.test import Client


def _rate(client, percentage, inclusive=False):
    return client.v1.tax_rates.create(
        {"display_name": "Tax", "percentage": percentage, "inclusive": inclusive}
    )


def _sent(client, customer, lines, currency="usd", **extra):
    """A send_invoice invoice with `lines` (add_lines entries), finalized and sent."""
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "currency": currency,
            **extra,
        }
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": lines})
    return client.v1.invoices.send_invoice(invoice.id)


def _three_at_twenty_percent(client, customer, price):
    """Three units of `price` (10.00) at a 20% exclusive rate, sent: 36.00 due."""
    rate = _rate(client, 20)
    lines = [{"pricing": {"price": price.id}, "quantity": 3}]
    return _sent(client, customer, lines, default_tax_rates=[rate.id])


def _credit(client, invoice, index=0, **by):
    line = {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[index].id}
    return client.v1.credit_notes.create({"invoice": invoice.id, "lines": [{**line, **by}]})


def _totals(note):
    return (note.amount, note.subtotal, note.total, note.total_excluding_tax)


def test_a_whole_line_with_exclusive_tax_credits_its_tax_too(client, customer):
    rate = _rate(client, 20)
    invoice = _sent(
        client, customer, [{"amount": 10000, "description": "A", "tax_rates": [rate.id]}]
    )
    assert invoice.total == 12000
    note = _credit(client, invoice, quantity=1)
    assert _totals(note) == (12000, 10000, 12000, 10000)
    assert note.subtotal_excluding_tax == 10000 and note.discount_amount == 0
    (tax,) = note.total_taxes
    assert (tax.amount, tax.taxable_amount, tax.tax_behavior) == (2000, 10000, "exclusive")
    assert tax.tax_rate_details.tax_rate == rate.id
    (line,) = note.lines.data
    assert (line.amount, line.unit_amount, line.quantity) == (10000, 10000, 1)
    assert [(t.amount, t.taxable_amount) for t in line.taxes] == [(2000, 10000)]
    assert [r.id for r in line.tax_rates] == [rate.id]
    after = client.v1.invoices.retrieve(invoice.id)
    assert (after.amount_remaining, after.status) == (0, "paid")
    assert after.pre_payment_credit_notes_amount == 12000


def test_a_whole_line_with_inclusive_tax_credits_the_tax_inside_it(client, customer):
    rate = _rate(client, 10, inclusive=True)
    invoice = _sent(
        client,
        customer,
        [{"amount": 60000, "description": "Consulting"}],
        "eur",
        default_tax_rates=[rate.id],
    )
    note = _credit(client, invoice, quantity=1)
    assert _totals(note) == (60000, 60000, 60000, 54545)
    assert note.subtotal_excluding_tax == 54545
    (tax,) = note.lines.data[0].taxes
    assert (tax.amount, tax.taxable_amount, tax.tax_behavior) == (5455, 54545, "inclusive")


def test_a_percent_coupon_is_credited_with_its_line(client, customer):
    rate = _rate(client, 20)
    coupon = client.v1.coupons.create({"percent_off": 10})
    invoice = _sent(
        client,
        customer,
        [
            {"amount": 1005, "description": "A", "tax_rates": [rate.id]},
            {"amount": 2500, "description": "B", "tax_rates": [rate.id]},
        ],
        discounts=[{"coupon": coupon.id}],
    )
    assert invoice.total == 3785
    note = _credit(client, invoice, quantity=1)
    # The line billed 1005, less 101 (10%, half up), plus 181 of tax (20% of 904).
    assert _totals(note) == (1085, 1005, 1085, 904)
    assert note.discount_amount == 101
    assert [(d.amount, d.discount) for d in note.discount_amounts] == [(101, invoice.discounts[0])]
    (line,) = note.lines.data
    assert (line.discount_amount, [t.amount for t in line.taxes]) == (101, [181])
    assert client.v1.invoices.retrieve(invoice.id).amount_remaining == 3785 - 1085


def test_the_pdf_of_a_discounted_taxed_note_is_served(emulator, client, customer):
    rate, coupon = _rate(client, 20), client.v1.coupons.create({"percent_off": 10})
    invoice = _sent(
        client,
        customer,
        [{"amount": 1000, "description": "A", "tax_rates": [rate.id]}],
        discounts=[{"coupon": coupon.id}],
    )
    note = _credit(client, invoice, quantity=1)
    assert (note.discount_amount, note.total) == (100, 1080)
    answer = Client(emulator).get(f"/credit_notes/{note.id}/pdf")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")


def test_an_amount_off_coupon_is_credited_as_the_line_shared_it(client, customer):
    coupon = client.v1.coupons.create({"amount_off": 1000, "currency": "usd"})
    invoice = _sent(
        client,
        customer,
        [
            {"amount": 1000, "description": "A"},
            {"amount": 2000, "description": "B"},
            {"amount": 3000, "description": "C"},
        ],
        discounts=[{"coupon": coupon.id}],
    )
    note = _credit(client, invoice, 1, quantity=1)
    assert _totals(note) == (1667, 2000, 1667, 1667)
    assert [d.amount for d in note.lines.data[0].discount_amounts] == [333]


def test_a_lines_own_coupon_is_in_its_subtotal(client, customer):
    coupon = client.v1.coupons.create({"amount_off": 500, "currency": "usd"})
    invoice = _sent(
        client,
        customer,
        [{"amount": 2000, "description": "A", "discounts": [{"coupon": coupon.id}]}],
    )
    note = _credit(client, invoice, quantity=1)
    # The subtotal leaves out invoice-level discounts only: a line's own is taken off it.
    assert _totals(note) == (1500, 1500, 1500, 1500) and note.discount_amount == 500


@pytest.mark.parametrize(
    ("inclusive", "amount", "tax", "total"), [(False, 1000, 100, 1100), (True, 999, 91, 999)]
)
def test_yen_is_credited_in_whole_yen(client, customer, inclusive, amount, tax, total):
    rate = _rate(client, 10, inclusive)
    invoice = _sent(
        client, customer, [{"amount": amount, "description": "A", "tax_rates": [rate.id]}], "jpy"
    )
    note = _credit(client, invoice, quantity=1)
    assert (note.currency, note.total, note.total_taxes[0].amount) == ("jpy", total, tax)
    assert client.v1.invoices.retrieve(invoice.id).status == "paid"


def test_part_of_a_line_credits_its_share_and_the_last_part_the_rest(client, customer, price):
    rate = _rate(client, 20)
    coupon = client.v1.coupons.create({"percent_off": 10})
    other = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1005, "product_data": {"name": "Odd"}}
    )
    invoice = _sent(
        client,
        customer,
        [{"pricing": {"price": other.id}, "quantity": 3, "tax_rates": [rate.id]}],
        discounts=[{"coupon": coupon.id}],
    )
    # 3015, less 302 (10%, half up), plus 543 (20% of 2713, half up).
    assert invoice.total == 3256
    first, second, last = (_credit(client, invoice, quantity=1) for _ in range(3))
    for note in (first, second):  # 1005 less 101 (its share of 302), plus 20% of 904
        line = note.lines.data[0]
        assert (line.amount, line.unit_amount, line.discount_amount) == (1005, 1005, 101)
        assert [t.amount for t in line.taxes] == [181] and note.total == 1085
    # The last unit takes what is left: 100 of the discount, 181 of the tax.
    assert (last.discount_amount, last.total_taxes[0].amount, last.total) == (100, 181, 1086)
    after = client.v1.invoices.retrieve(invoice.id)
    assert (after.pre_payment_credit_notes_amount, after.status) == (3256, "paid")


def test_a_partial_quantity_lowers_what_remains_by_its_total(client, customer, price):
    invoice = _three_at_twenty_percent(client, customer, price)
    note = _credit(client, invoice, quantity=2)
    assert (note.total, note.pre_payment_amount, note.type) == (2400, 2400, "pre_payment")
    after = client.v1.invoices.retrieve(invoice.id)
    assert (after.amount_remaining, after.amount_due, after.status) == (1200, 1200, "open")
    client.v1.credit_notes.void_credit_note(note.id)
    assert client.v1.invoices.retrieve(invoice.id).amount_remaining == 3600


def test_a_taxed_line_credited_by_amount_credits_tax_on_that_amount(client, customer):
    rate = _rate(client, 20)
    invoice = _sent(
        client, customer, [{"amount": 10000, "description": "A", "tax_rates": [rate.id]}]
    )
    note = _credit(client, invoice, amount=2500)
    line = note.lines.data[0]
    assert (line.amount, line.quantity, line.unit_amount) == (2500, None, None)
    assert _totals(note) == (3000, 2500, 3000, 2500)
    rest = _credit(client, invoice, amount=7500)
    assert rest.total == 9000 and client.v1.invoices.retrieve(invoice.id).status == "paid"


def test_a_paid_taxed_invoice_refunds_the_tax_with_the_line(emulator, client, customer, price):
    invoice = _three_at_twenty_percent(client, customer, price)
    emulator.simulate_payment(invoice.id, "succeed")
    line = {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id}
    asked = {"invoice": invoice.id, "lines": [{**line, "quantity": 1}]}
    with pytest.raises(stripe.InvalidRequestError) as short:
        client.v1.credit_notes.create({**asked, "refund_amount": 1000})
    assert short.value.param == "out_of_band_amount"  # 1000 leaves the tax unaccounted for
    # A preview answers a split that falls short (nothing is made): it says what the tax adds.
    for short_split in ({}, {"refund_amount": 1000}):
        preview = client.v1.credit_notes.preview({**asked, **short_split})
        assert (preview.total, preview.total_taxes[0].amount) == (1200, 200)
    with pytest.raises(stripe.InvalidRequestError):  # but not one over the post-payment amount
        client.v1.credit_notes.preview({**asked, "refund_amount": 1201})
    note = client.v1.credit_notes.create({**asked, "refund_amount": 1200})
    assert (note.type, note.post_payment_amount, note.refunds[0].amount_refunded) == (
        "post_payment",
        1200,
        1200,
    )
    refund = client.v1.refunds.retrieve(note.refunds[0].refund)
    assert refund.amount == 1200


def test_amount_must_match_the_lines_total(client, customer):
    rate = _rate(client, 20)
    invoice = _sent(
        client, customer, [{"amount": 1000, "description": "A", "tax_rates": [rate.id]}]
    )
    line = {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.credit_notes.create(
            {"invoice": invoice.id, "amount": 1000, "lines": [{**line, "quantity": 1}]}
        )
    assert refused.value.param == "amount" and "1200" in str(refused.value)
    made = client.v1.credit_notes.create(
        {"invoice": invoice.id, "amount": 1200, "lines": [{**line, "quantity": 1}]}
    )
    assert made.amount == 1200


def test_what_is_not_emulated_is_refused(client, customer):
    rate = _rate(client, 20)
    coupon = client.v1.coupons.create({"percent_off": 10})
    taxed = _sent(client, customer, [{"amount": 1000, "description": "A", "tax_rates": [rate.id]}])
    with pytest.raises(stripe.InvalidRequestError) as by_amount:
        client.v1.credit_notes.create({"invoice": taxed.id, "amount": 500})
    assert (by_amount.value.http_status, by_amount.value.param) == (400, "amount")
    assert "lines" in str(by_amount.value)
    discounted = _sent(
        client, customer, [{"amount": 1000, "description": "A"}], discounts=[{"coupon": coupon.id}]
    )
    with pytest.raises(stripe.InvalidRequestError) as by_line_amount:
        _credit(client, discounted, amount=500)
    assert by_line_amount.value.param == "lines[0][amount]"
    assert "quantity" in str(by_line_amount.value)
    assert client.v1.credit_notes.list({"limit": 10}).data == []
    # A discounted invoice with no tax may still be credited by an amount: no line, no share.
    plain = client.v1.credit_notes.create({"invoice": discounted.id, "amount": 500})
    assert (plain.total, plain.discount_amounts, plain.total_taxes) == (500, [], [])
