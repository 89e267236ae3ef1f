"""invoice_totals.py and discounts.py: an invoice's amounts with discounts and tax rates, as
Stripe computes them.

The reference figures: Stripe's support article on inclusive and exclusive tax rates
(https://support.stripe.com/questions/inclusive-and-exclusive-tax-options-in-the-tax-rate-api-and-stripe-tax):
a 10% inclusive rate on a €600 price leaves the total at €600 (€54.55 of it tax); a 10%
exclusive rate makes it €660. The rest follow from the rules in invoice_totals.py.
"""

import pytest
import stripe

from stripe_emulator import Emulator
from tests.helpers import sdk_client


def _rate(client, percentage, inclusive=False):
    return client.v1.tax_rates.create(
        {"display_name": "Tax", "percentage": percentage, "inclusive": inclusive}
    )


def _draft(client, customer, currency="usd", **extra):
    return client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "currency": currency,
            **extra,
        }
    )


def _lines(client, invoice, *lines):
    return client.v1.invoices.add_lines(invoice.id, {"lines": list(lines)})


@pytest.mark.parametrize(
    ("inclusive", "total", "tax", "excluding"),
    [(False, 66000, 6000, 60000), (True, 60000, 5455, 54545)],
)
def test_stripes_example_of_an_inclusive_and_an_exclusive_rate(
    client, customer, inclusive, total, tax, excluding
):
    rate = _rate(client, 10, inclusive)
    invoice = _draft(client, customer, "eur", default_tax_rates=[rate.id])
    done = _lines(client, invoice, {"amount": 60000, "description": "Consulting"})
    assert (done.subtotal, done.total, done.total_excluding_tax) == (60000, total, excluding)
    assert done.subtotal_excluding_tax == excluding and done.amount_due == total
    (line_tax,) = done.lines.data[0].taxes
    assert line_tax.amount == tax and line_tax.taxable_amount == excluding
    assert line_tax.tax_behavior == ("inclusive" if inclusive else "exclusive")
    assert line_tax.tax_rate_details.tax_rate == rate.id and line_tax.type == "tax_rate_details"
    (summed,) = done.total_taxes
    assert (summed.amount, summed.taxable_amount) == (tax, excluding)
    assert [r.id for r in done.default_tax_rates] == [rate.id]


def test_an_invoice_percent_discount_then_exclusive_tax_per_line(client, customer):
    rate = _rate(client, 20)
    coupon = client.v1.coupons.create({"percent_off": 10})
    invoice = _draft(client, customer, discounts=[{"coupon": coupon.id}])
    done = _lines(
        client,
        invoice,
        {"amount": 1005, "description": "A", "tax_rates": [rate.id]},
        {"amount": 2500, "description": "B", "tax_rates": [rate.id]},
    )
    first, second = done.lines.data
    # 10% of 1005 is 100.5, rounded half up per line; tax on what is left.
    assert [d.amount for d in first.discount_amounts] == [101]
    assert [t.amount for t in first.taxes] == [181]  # 20% of 904 = 180.8
    assert [d.amount for d in second.discount_amounts] == [250]
    assert [t.amount for t in second.taxes] == [450]
    assert done.subtotal == 3505 and done.subtotal_excluding_tax == 3505
    (discount,) = done.total_discount_amounts
    assert discount.amount == 351 and discount.discount == done.discounts[0]
    assert done.total_excluding_tax == 3154 and done.total == 3154 + 631
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1


def test_an_amount_off_is_shared_pro_rata_rounded_per_line(client, customer):
    coupon = client.v1.coupons.create({"amount_off": 1000, "currency": "usd"})
    invoice = _draft(client, customer, discounts=[{"coupon": coupon.id}])
    done = _lines(
        client,
        invoice,
        {"amount": 1000, "description": "A"},
        {"amount": 2000, "description": "B"},
        {"amount": 3000, "description": "C"},
    )
    shares = [line.discount_amounts[0].amount for line in done.lines.data]
    assert shares == [167, 333, 500] and done.total == 5000
    assert done.total_discount_amounts[0].amount == 1000


def test_an_amount_off_larger_than_the_invoice_leaves_nothing_due(client, customer):
    coupon = client.v1.coupons.create({"amount_off": 5000, "currency": "usd"})
    invoice = _draft(client, customer, discounts=[{"coupon": coupon.id}])
    done = _lines(client, invoice, {"amount": 1200, "description": "A"})
    assert done.total == 0 and done.total_discount_amounts[0].amount == 1200


def test_a_line_discount_comes_first_and_is_in_the_subtotal(client, customer):
    line_coupon = client.v1.coupons.create({"amount_off": 500, "currency": "usd"})
    invoice_coupon = client.v1.coupons.create({"percent_off": 50})
    invoice = _draft(client, customer, discounts=[{"coupon": invoice_coupon.id}])
    done = _lines(
        client,
        invoice,
        {"amount": 2000, "description": "A", "discounts": [{"coupon": line_coupon.id}]},
        {"amount": 1000, "description": "B", "discountable": False},
    )
    first, second = done.lines.data
    assert [d.amount for d in first.discount_amounts] == [500, 750]
    assert len(first.discounts) == 1 and second.discount_amounts == []
    assert second.discountable is False
    assert done.subtotal == 2500 and done.total == 1750
    expanded = client.v1.invoices.retrieve(invoice.id, {"expand": ["discounts"]})
    assert expanded.discounts[0].source.coupon == invoice_coupon.id
    assert (
        expanded.discounts[0].invoice == invoice.id and expanded.discounts[0].object == "discount"
    )


def test_a_lines_own_rates_replace_the_invoice_defaults(client, customer):
    default, own = _rate(client, 10), _rate(client, 5, inclusive=True)
    invoice = _draft(client, customer, default_tax_rates=[default.id])
    done = _lines(
        client,
        invoice,
        {"amount": 1000, "description": "Default"},
        {"amount": 1050, "description": "Own", "tax_rates": [own.id]},
    )
    assert [t.amount for t in done.lines.data[0].taxes] == [100]
    assert [t.amount for t in done.lines.data[1].taxes] == [50]
    item = client.v1.invoice_items.list({"invoice": invoice.id}).data[0]
    assert [r.id for r in item.tax_rates] == [own.id]
    assert done.subtotal_excluding_tax == 2000 and done.total == 2150
    assert sorted(t.amount for t in done.total_taxes) == [50, 100]


def test_yen_is_computed_in_whole_yen(client, customer):
    exclusive, inclusive = _rate(client, 10), _rate(client, 10, inclusive=True)
    invoice = _draft(client, customer, "jpy")
    done = _lines(
        client,
        invoice,
        {"amount": 1000, "description": "A", "tax_rates": [exclusive.id]},
        {"amount": 999, "description": "B", "tax_rates": [inclusive.id]},
    )
    assert [t.amount for t in done.lines.data[0].taxes] == [100]
    assert [t.amount for t in done.lines.data[1].taxes] == [91]  # 999 - 999 / 1.1 = 90.8
    assert done.total == 2099 and done.total_excluding_tax == 1908
    sent = client.v1.invoices.finalize_invoice(invoice.id)
    assert sent.amount_due == 2099


def test_two_inclusive_rates_share_the_tax_they_take_out(client, customer):
    state, city = _rate(client, 6, inclusive=True), _rate(client, 4, inclusive=True)
    invoice = _draft(client, customer, default_tax_rates=[state.id, city.id])
    done = _lines(client, invoice, {"amount": 1100, "description": "A"})
    assert [t.amount for t in done.lines.data[0].taxes] == [60, 40]
    assert done.total == 1100 and done.total_excluding_tax == 1000


def test_an_updated_draft_gets_new_discounts_and_rates(client, customer):
    rate, coupon = _rate(client, 10), client.v1.coupons.create({"percent_off": 20})
    invoice = _draft(client, customer)
    _lines(client, invoice, {"amount": 1000, "description": "A"})
    updated = client.v1.invoices.update(
        invoice.id, {"discounts": [{"coupon": coupon.id}], "default_tax_rates": [rate.id]}
    )
    assert updated.total == 880  # 1000 - 200, then 10% on 800
    cleared = client.v1.invoices.update(invoice.id, {"discounts": "", "default_tax_rates": ""})
    assert cleared.total == 1000 and cleared.discounts == [] and cleared.total_taxes == []
    event = client.v1.events.list({"type": "invoice.updated"}).data[0]
    assert event.data.previous_attributes.total == 880


def test_a_pending_item_keeps_its_discount_and_rates(client, customer):
    rate, coupon = (
        _rate(client, 10),
        client.v1.coupons.create({"amount_off": 100, "currency": "usd"}),
    )
    item = client.v1.invoice_items.create(
        {
            "customer": customer.id,
            "amount": 1000,
            "currency": "usd",
            "discounts": [{"coupon": coupon.id}],
            "tax_rates": [rate.id],
        }
    )
    assert len(item.discounts) == 1 and [r.id for r in item.tax_rates] == [rate.id]
    invoice = _draft(client, customer, pending_invoice_items_behavior="include")
    assert invoice.subtotal == 900 and invoice.total == 990


def test_a_coupon_stops_once_fully_redeemed(client, customer):
    coupon = client.v1.coupons.create({"percent_off": 10, "max_redemptions": 1})
    _draft(client, customer, discounts=[{"coupon": coupon.id}])
    assert client.v1.coupons.retrieve(coupon.id).valid is False
    with pytest.raises(stripe.InvalidRequestError) as used:
        _draft(client, customer, discounts=[{"coupon": coupon.id}])
    assert used.value.code == "coupon_expired" and used.value.param == "discounts[0]"


def test_a_promotion_code_applies_its_coupon_for_its_customer_only(client, customer):
    coupon = client.v1.coupons.create({"percent_off": 50})
    promo = client.v1.promotion_codes.create(
        {"promotion": {"type": "coupon", "coupon": coupon.id}, "customer": customer.id}
    )
    invoice = _draft(client, customer, discounts=[{"promotion_code": promo.id}])
    done = _lines(client, invoice, {"amount": 1000, "description": "A"})
    assert done.total == 500
    discount = client.v1.invoices.retrieve(invoice.id, {"expand": ["discounts"]}).discounts[0]
    assert discount.promotion_code == promo.id
    assert client.v1.promotion_codes.retrieve(promo.id).times_redeemed == 1
    other = client.v1.customers.create({"email": "other@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _draft(client, other, discounts=[{"promotion_code": promo.id}])
    assert refused.value.param == "discounts[0][promotion_code]"


@pytest.mark.parametrize(
    ("discounts", "param", "code"),
    [
        ([{"coupon": "missing"}], "discounts[0][coupon]", "resource_missing"),
        ([{"promotion_code": "promo_missing"}], "discounts[0][promotion_code]", "resource_missing"),
        ([{"discount": "di_1"}], "discounts[0][discount]", "parameter_unknown"),
        ([{"coupon": "a", "promotion_code": "b"}], "discounts[0]", None),
    ],
)
def test_a_discount_that_cannot_apply_is_refused(client, customer, discounts, param, code):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _draft(client, customer, discounts=discounts)
    assert refused.value.http_status == 400
    assert (refused.value.param, refused.value.code) == (param, code)


def test_an_amount_off_in_another_currency_is_refused(client, customer):
    coupon = client.v1.coupons.create({"amount_off": 100, "currency": "eur"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _draft(client, customer, discounts=[{"coupon": coupon.id}])
    assert refused.value.param == "discounts[0]"
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 0


def test_discounts_rates_and_codes_survive_a_restart(tmp_path):
    path = str(tmp_path / "state.json")
    first = Emulator(state_file=path)
    client = sdk_client(first)
    customer = client.v1.customers.create({"email": "keep@example.com"})
    rate = _rate(client, 20)
    coupon = client.v1.coupons.create({"percent_off": 10, "max_redemptions": 1})
    promo = client.v1.promotion_codes.create(
        {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "KEEP"}
    )
    invoice = _draft(client, customer, discounts=[{"promotion_code": promo.id}])
    _lines(client, invoice, {"amount": 1000, "description": "A", "tax_rates": [rate.id]})
    first.close()
    again = Emulator(state_file=path)
    client = sdk_client(again)
    read = client.v1.invoices.retrieve(invoice.id, {"expand": ["discounts"]})
    assert read.total == 1080 and read.discounts[0].promotion_code == promo.id
    assert client.v1.coupons.retrieve(coupon.id).valid is False
    with pytest.raises(stripe.InvalidRequestError) as taken:  # the code is still active
        client.v1.promotion_codes.create(
            {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "keep"}
        )
    assert taken.value.code == "resource_already_exists"
    finalized = client.v1.invoices.finalize_invoice(invoice.id)
    assert finalized.amount_due == 1080
    again.close()
