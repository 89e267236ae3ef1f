"""The conformance suite's money flows: refunds, credit notes, balances, coupons, taxes, clocks."""

import pytest
import stripe

from tests.helpers import wait_for
from tests.helpers.conformance import (
    CLOCK,
    DRAFT,
    FINALIZE,
    NOTE,
    PAID_BY_STRIPE,
    PART_PAID,
    PROCESSING,
    REFUNDED,
    SENT,
    check_against_schema,
    flows_in,
    run_flow_and_compare_events,
    wait_for_refund_status,
)


def flow_pay_then_refund_card(account):
    """A card payment refunded in part, then the rest; charges and refunds read and listed."""
    v1 = account.v1
    invoice = account.sent()
    v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    intent = v1.invoices.retrieve(invoice.id, {"expand": ["payments"]}).payments.data[0]
    first = v1.refunds.create(
        {"payment_intent": intent.payment.payment_intent, "amount": 500, "reason": "duplicate"}
    )
    v1.refunds.update(first.id, {"metadata": {"ticket": "12"}})
    second = v1.refunds.create({"charge": first.charge, "expand": ["charge"]})
    v1.refunds.retrieve(second.id)
    v1.refunds.list({"charge": first.charge})
    v1.charges.retrieve(first.charge, {"expand": ["refunds"]})
    v1.charges.list({"customer": account.customer.id, "expand": ["data.refunds"]})
    with pytest.raises(stripe.InvalidRequestError):
        v1.refunds.create({"charge": first.charge})
    with pytest.raises(stripe.InvalidRequestError):
        v1.refunds.cancel(first.id)
    return [*SENT, *PAID_BY_STRIPE, *REFUNDED, "refund.updated", *REFUNDED]


def flow_refund_of_a_delayed_payment(account):
    """A bank debit's refund: pending at first, succeeded after processing."""
    invoice = account.sent()
    account.emulator.simulate_payment(invoice.id, "delayed")
    wait_for(lambda: account.v1.invoices.retrieve(invoice.id).status == "paid")
    refund = account.emulator.refund_invoice(invoice.id)
    wait_for_refund_status(account, refund["id"], "succeeded")
    return [*SENT, *PROCESSING, *PAID_BY_STRIPE, *REFUNDED, "refund.updated"]


def flow_a_failing_refund(account):
    """A card whose refunds fail: the refund succeeds at first, then fails."""
    invoice = account.sent()
    account.emulator.simulate_payment(invoice.id, "succeed_refunds_fail")
    refund = account.emulator.refund_invoice(invoice.id, 1500, reason="requested_by_customer")
    wait_for_refund_status(account, refund["id"], "failed")
    account.v1.charges.retrieve(refund["charge"])
    return [*SENT, *PAID_BY_STRIPE, *REFUNDED, "refund.failed", "charge.refund.updated"]


def flow_part_payment_then_the_rest(account):
    """A payment of part of an invoice, then of the rest."""
    invoice = account.sent()
    account.emulator.simulate_payment(invoice.id, "succeed", amount=800)
    account.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]})
    account.v1.invoice_payments.list({"invoice": invoice.id})
    account.emulator.simulate_payment(invoice.id, "succeed")
    account.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]})
    return [*SENT, *PART_PAID, *PAID_BY_STRIPE]


def flow_credit_note_with_a_refund(account):
    """A credit note on a paid invoice that refunds the payment, previewed first."""
    v1 = account.v1
    invoice = account.sent()
    v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    params = {"invoice": invoice.id, "amount": 500, "refund_amount": 500}
    v1.credit_notes.preview({**params, "expand": ["refunds.refund"]})
    note = v1.credit_notes.create({**params, "expand": ["refunds.refund"]})
    v1.credit_notes.retrieve(note.id, {"expand": ["refunds.refund"]})
    return [*SENT, *PAID_BY_STRIPE, *REFUNDED, *NOTE]


def flow_credit_note_on_a_taxed_and_discounted_invoice(account):
    """A line of a paid invoice with a coupon and a tax rate credited by quantity: its share
    of the discount and the tax, previewed first (a split that falls short is previewed), then
    refunded whole; its lines read."""
    v1 = account.v1
    vat = v1.tax_rates.create({"display_name": "VAT", "percentage": 20, "inclusive": False})
    coupon = v1.coupons.create({"percent_off": 10})
    invoice = v1.invoices.create(
        {"customer": account.customer.id, "collection_method": "send_invoice",
         "days_until_due": 30, "discounts": [{"coupon": coupon.id}],
         "default_tax_rates": [vat.id]}
    )  # fmt: skip
    line = {"pricing": {"price": account.price.id}, "quantity": 3}
    invoice = v1.invoices.add_lines(invoice.id, {"lines": [line]})
    v1.invoices.send_invoice(invoice.id)
    v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    credited = {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id}
    params = {"invoice": invoice.id, "lines": [{**credited, "quantity": 1}]}
    total = v1.credit_notes.preview(params).total
    note = v1.credit_notes.create({**params, "refund_amount": total})
    v1.credit_notes.line_items.list(note.id)
    return ["tax_rate.created", "coupon.created", *SENT, *PAID_BY_STRIPE, *REFUNDED, *NOTE]


def flow_credit_note_to_the_balance_then_the_next_invoice(account):
    """A credit note crediting the customer's balance, which the next invoice takes."""
    v1 = account.v1
    invoice = account.sent()
    v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    note = v1.credit_notes.create(
        {
            "invoice": invoice.id,
            "amount": 500,
            "credit_amount": 500,
            "expand": ["customer_balance_transaction"],
        }
    )
    v1.credit_notes.preview({"invoice": invoice.id, "amount": 100, "credit_amount": 100})
    v1.credit_notes.retrieve(note.id, {"expand": ["customer_balance_transaction"]})
    account.sent()
    v1.customers.balance_transactions.list(account.customer.id)
    v1.customers.retrieve(account.customer.id)
    return [*SENT, *PAID_BY_STRIPE, "customer.updated", *NOTE,
            *DRAFT, "customer.updated", *FINALIZE, "invoice.sent"]  # fmt: skip


def flow_mixed_credit_note(account):
    """A credit note on a part-paid invoice: what remains, then a refund of the part paid."""
    invoice = account.sent()
    account.emulator.simulate_payment(invoice.id, "succeed", amount=1000)
    account.emulator.issue_credit_note(invoice.id, 1500, refund_amount=500)
    return [*SENT, *PART_PAID, *REFUNDED, *NOTE, "payment_intent.canceled", "invoice.paid"]


def flow_dashboard_refund(account):
    """A refund made in the Dashboard behind the server's back, without a credit note."""
    invoice = account.sent()
    account.emulator.simulate_payment(invoice.id, "succeed")
    account.emulator.refund_invoice(invoice.id, 700)
    account.v1.refunds.list({"payment_intent": account.v1.refunds.list().data[0].payment_intent})
    return [*SENT, *PAID_BY_STRIPE, *REFUNDED]


def flow_balance_adjustment(account):
    """A customer balance adjustment, read, updated, and taken by the next invoice."""
    v1 = account.v1
    customer = account.customer.id
    adjustment = v1.customers.balance_transactions.create(
        customer, {"amount": -300, "currency": "usd", "description": "Goodwill"}
    )
    v1.customers.balance_transactions.retrieve(customer, adjustment.id)
    v1.customers.balance_transactions.update(customer, adjustment.id, {"metadata": {"k": "v"}})
    account.sent()
    v1.customers.balance_transactions.list(customer, {"limit": 1})
    return ["customer.updated", *DRAFT, "customer.updated", *FINALIZE, "invoice.sent"]


def flow_coupons_and_promotion_codes(account):
    """Coupons made, read, listed, renamed and deleted; a promotion code for one."""
    v1 = account.v1
    coupon = v1.coupons.create({"percent_off": 15, "name": "Spring", "max_redemptions": 10})
    v1.coupons.create({"amount_off": 500, "currency": "usd", "duration": "forever"})
    v1.coupons.retrieve(coupon.id)
    v1.coupons.list({"limit": 5})
    v1.coupons.update(coupon.id, {"name": "Spring sale", "metadata": {"k": "v"}})
    promo = v1.promotion_codes.create(
        {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "SPRING"}
    )
    v1.promotion_codes.retrieve(promo.id, {"expand": ["promotion.coupon"]})
    v1.promotion_codes.list({"active": True})
    v1.promotion_codes.update(promo.id, {"active": False})
    gone = v1.coupons.create({"percent_off": 1})
    v1.coupons.delete(gone.id)
    return ["coupon.created", "coupon.created", "coupon.updated", "promotion_code.created",
            "promotion_code.updated", "coupon.created", "coupon.deleted"]  # fmt: skip


def flow_tax_rates_and_tax_ids(account):
    """Tax rates made, read, listed and archived; a customer's tax IDs made, listed, read and
    deleted, and the customer read with them."""
    v1 = account.v1
    rate = v1.tax_rates.create(
        {"display_name": "VAT", "percentage": 20, "inclusive": False, "country": "GB"}
    )
    v1.tax_rates.retrieve(rate.id)
    v1.tax_rates.list({"active": True})
    v1.tax_rates.update(rate.id, {"active": False})
    customer = account.customer.id
    made = v1.customers.tax_ids.create(customer, {"type": "eu_vat", "value": "DE123456789"})
    v1.customers.tax_ids.list(customer)
    v1.customers.tax_ids.retrieve(customer, made.id)
    v1.customers.retrieve(customer, {"expand": ["tax_ids"]})
    v1.customers.tax_ids.delete(customer, made.id)
    return ["tax_rate.created", "tax_rate.updated", "customer.tax_id.created",
            "customer.tax_id.deleted"]  # fmt: skip


def flow_complete_invoice(account):
    """An invoice with the customer's address, tax ID and settings, discounts on the invoice
    and a line, default and line tax rates, then sent and read with its discounts."""
    v1 = account.v1
    customer = v1.customers.create(
        {
            "name": "Acme Ltd",
            "address": {"line1": "1 Main St", "city": "London", "country": "GB"},
            "invoice_prefix": "ACME",
            "invoice_settings": {"footer": "Thank you"},
            "tax_id_data": [{"type": "gb_vat", "value": "GB123456789"}],
        }
    )
    vat = v1.tax_rates.create({"display_name": "VAT", "percentage": 20, "inclusive": True})
    coupon = v1.coupons.create({"percent_off": 10})
    line_coupon = v1.coupons.create({"amount_off": 100, "currency": "usd"})
    invoice = v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "description": "Memo",
            "discounts": [{"coupon": coupon.id}],
            "default_tax_rates": [vat.id],
            "shipping_details": {"name": "Depot", "address": {"line1": "2 Dock Rd"}},
        }
    )
    line = {"pricing": {"price": account.price.id}, "quantity": 2}
    v1.invoices.add_lines(
        invoice.id, {"lines": [line, {**line, "discounts": [{"coupon": line_coupon.id}]}]}
    )
    v1.invoices.send_invoice(invoice.id)
    v1.invoices.retrieve(invoice.id, {"expand": ["discounts", "lines.data.discounts"]})
    return ["customer.created", "customer.tax_id.created", "tax_rate.created", "coupon.created",
            "coupon.created", *SENT]  # fmt: skip


def flow_test_clock(account):
    """A customer on a test clock, its invoice sent, then a year on with the account's
    Automations on (due soon, overdue); the clocks listed, one deleted with its customer."""
    v1 = account.v1
    account.emulator.set_automations(True)
    clock = v1.test_helpers.test_clocks.create({"frozen_time": 1_700_000_000, "name": "Year"})
    customer = v1.customers.create({"email": "clocked@example.com", "test_clock": clock.id})
    invoice = v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": account.price.id}}]})
    v1.invoices.send_invoice(invoice.id)
    v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": 1_700_000_000 + 365 * 86400})
    wait_for(lambda: v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready")
    v1.test_helpers.test_clocks.list({"limit": 3})
    v1.customers.list({"test_clock": clock.id})
    v1.test_helpers.test_clocks.delete(clock.id)
    return [*CLOCK, *SENT, "test_helpers.test_clock.advancing", "invoice.will_be_due",
            "invoice.overdue", "test_helpers.test_clock.ready", "customer.deleted",
            "test_helpers.test_clock.deleted"]  # fmt: skip


FLOWS = flows_in(dict(globals()))


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.__name__[5:])
def test_each_flow_sends_stripes_events_in_order(flow):
    run_flow_and_compare_events(flow)


def test_every_answer_and_event_matches_stripes_schema():
    check_against_schema(FLOWS)
