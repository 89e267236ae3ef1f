"""A cross-cutting suite over the whole emulator: every answer and every event of every flow it
serves, checked against Stripe's published schema for the pinned API version
(stripe_schema/schema.json), and each flow's sequence of events."""

import json
import logging

import pytest
import stripe

from stripe_emulator import Emulator, WSGIClient
from tests.emulator.stripe_schema import Checker, load
from tests.helpers import wait_for


class Recorder(WSGIClient):
    """The in-process transport, keeping every JSON answer the SDK receives."""

    def __init__(self, app):
        super().__init__(app)
        self.answers = []

    def request(self, method, url, headers, post_data=None, **kwargs):
        """Run the request; keep its answer."""
        body, status, answer_headers = super().request(method, url, headers, post_data, **kwargs)
        self.answers.append((f"{method.upper()} {url.split('?')[0]} -> {status}", json.loads(body)))
        return body, status, answer_headers


class Account:
    """A fresh emulator, a client recording its answers, a customer and a $20.00 price."""

    def __init__(self):
        self.emulator = Emulator(processing_seconds=0.05)
        self.transport = Recorder(self.emulator)
        self.client = stripe.StripeClient(
            "sk_test_conformance",
            base_addresses={"api": "http://emulator.test"},
            http_client=self.transport,
        )
        v1 = self.v1 = self.client.v1
        self.product = v1.products.create({"name": "Gold Special", "description": "Gold"})
        self.price = v1.prices.create(
            {"product": self.product.id, "unit_amount": 1000, "currency": "usd"}
        )
        self.customer = v1.customers.create(
            {"email": "jenny.rosen@example.com", "name": "Jenny Rosen", "phone": "+15555550100"}
        )
        self.mark = len(self.events())

    def events(self):
        """Every event so far, oldest first."""
        return list(self.v1.events.list({"limit": 100}).auto_paging_iter())[::-1]

    def new_events(self):
        """The types of the events since the setup, oldest first."""
        return [e.type for e in self.events()[self.mark :]]

    def draft(self, quantity=2, **extra):
        """A send_invoice draft with one line (via add_lines) of `quantity` times $10.00."""
        invoice = self.v1.invoices.create(
            {
                "customer": self.customer.id,
                "collection_method": "send_invoice",
                "days_until_due": 30,
                **extra,
            }
        )
        self.v1.invoices.add_lines(
            invoice.id, {"lines": [{"pricing": {"price": self.price.id}, "quantity": quantity}]}
        )
        return invoice

    def sent(self):
        """A draft, finalized (with its confirmation secret) and sent."""
        invoice = self.draft()
        self.v1.invoices.finalize_invoice(invoice.id, {"expand": ["confirmation_secret"]})
        return self.v1.invoices.send_invoice(invoice.id)

    def close(self):
        """Stop the emulator's delivery threads."""
        self.emulator.close()


DRAFT = ["invoice.created", "invoice.updated"]
FINALIZE = ["payment_intent.created", "invoice.finalized"]
SENT = [*DRAFT, *FINALIZE, "invoice.sent"]
PAID = ["charge.succeeded", "payment_intent.succeeded", "invoice_payment.paid", "invoice.paid"]
PAID_BY_STRIPE = [*PAID, "invoice.payment_succeeded"]
FAILED = ["charge.failed", "payment_intent.payment_failed", "invoice.payment_failed"]
PROCESSING = ["charge.pending", "payment_intent.processing"]


def flow_finalize(account):
    """Finalize a draft: its PaymentIntent is made."""
    invoice = account.draft()
    account.v1.invoices.finalize_invoice(invoice.id, {"expand": ["confirmation_secret"]})
    return [*DRAFT, *FINALIZE]


def flow_send(account):
    """Send a draft: finalized, then sent."""
    invoice = account.draft()
    account.v1.invoices.send_invoice(invoice.id)
    return SENT


def flow_pay_by_card(account):
    """Pay with a test card."""
    invoice = account.sent()
    account.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    return [*SENT, *PAID_BY_STRIPE]


def flow_pay_out_of_band(account):
    """Mark paid outside Stripe: the PaymentIntent is canceled, no payment_succeeded."""
    invoice = account.sent()
    account.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
    return [*SENT, "payment_intent.canceled", "invoice.paid"]


def flow_failed_payment(account):
    """A declined card, then a hosted-page payment that succeeds."""
    invoice = account.sent()
    with pytest.raises(stripe.CardError):
        account.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_chargeDeclined"})
    account.emulator.simulate_payment(invoice.id, "succeed")
    return [*SENT, *FAILED, *PAID_BY_STRIPE]


def flow_delayed_payment(account):
    """A delayed method: processing, then succeeded."""
    invoice = account.sent()
    account.emulator.simulate_payment(invoice.id, "delayed")
    wait_for(lambda: account.v1.invoices.retrieve(invoice.id).status == "paid")
    return [*SENT, *PROCESSING, *PAID_BY_STRIPE]


def flow_delayed_failure(account):
    """A delayed method that fails after processing."""
    invoice = account.sent()
    account.emulator.simulate_payment(invoice.id, "delayed_fail")
    wait_for(lambda: account.v1.events.list({"type": "invoice.payment_failed"}).data)
    return [*SENT, *PROCESSING, *FAILED]


def flow_void(account):
    """Void an open invoice: its PaymentIntent is canceled."""
    invoice = account.sent()
    account.v1.invoices.void_invoice(invoice.id)
    return [*SENT, "payment_intent.canceled", "invoice.voided"]


def flow_uncollectible(account):
    """Mark an open invoice uncollectible."""
    invoice = account.sent()
    account.v1.invoices.mark_uncollectible(invoice.id)
    return [*SENT, "invoice.marked_uncollectible"]


def flow_uncollectible_then_paid(account):
    """An uncollectible invoice paid on the hosted page later."""
    invoice = account.sent()
    account.v1.invoices.mark_uncollectible(invoice.id)
    account.emulator.simulate_payment(invoice.id, "succeed")
    return [*SENT, "invoice.marked_uncollectible", *PAID_BY_STRIPE]


def flow_uncollectible_then_void(account):
    """An uncollectible invoice voided later."""
    invoice = account.sent()
    account.v1.invoices.mark_uncollectible(invoice.id)
    account.v1.invoices.void_invoice(invoice.id)
    return [*SENT, "invoice.marked_uncollectible", "payment_intent.canceled", "invoice.voided"]


def flow_edit_and_delete_draft(account):
    """Items and edits on a draft, then deleting it."""
    invoice = account.draft(description="First")
    account.v1.invoice_items.create(
        {
            "customer": account.customer.id,
            "invoice": invoice.id,
            "pricing": {"price": account.price.id},
        }
    )
    account.v1.invoices.update(
        invoice.id,
        {"description": "Edited", "custom_fields": [{"name": "PO number", "value": "PO-1"}]},
    )
    account.v1.invoices.update(invoice.id, {"metadata": {"order": "42"}})
    account.v1.invoices.delete(invoice.id)
    return [*DRAFT, "invoiceitem.created", "invoice.updated", "invoice.updated", "invoice.updated",
            "invoice.deleted"]  # fmt: skip


def flow_pending_items(account):
    """A pending invoice item picked up by a new invoice, which is sent."""
    account.v1.invoice_items.create(
        {"customer": account.customer.id, "pricing": {"price": account.price.id}, "quantity": 3}
    )
    invoice = account.v1.invoices.create(
        {
            "customer": account.customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 7,
            "pending_invoice_items_behavior": "include",
        }
    )
    account.v1.invoices.send_invoice(invoice.id)
    return ["invoiceitem.created", "invoice.created", *FINALIZE, "invoice.sent"]


def flow_nothing_due(account):
    """A $0 invoice is paid at finalization; one below the minimum charge too."""
    empty = account.v1.invoices.create(
        {"customer": account.customer.id, "collection_method": "send_invoice", "days_until_due": 7}
    )
    account.v1.invoices.finalize_invoice(empty.id)
    cheap = account.v1.prices.create(
        {"product": account.product.id, "unit_amount": 25, "currency": "usd"}
    )
    small = account.v1.invoices.create(
        {"customer": account.customer.id, "collection_method": "send_invoice", "days_until_due": 7}
    )
    account.v1.invoices.add_lines(small.id, {"lines": [{"pricing": {"price": cheap.id}}]})
    account.v1.invoices.send_invoice(small.id)
    return ["invoice.created", "invoice.finalized", "invoice.paid", "price.created",
            *DRAFT, "customer.updated", "invoice.finalized", "invoice.paid",
            "invoice.sent"]  # fmt: skip


def flow_customers_and_catalog(account):
    """Reads, lists, searches, updates and deletes of the catalog and customers."""
    v1 = account.v1
    v1.products.retrieve(account.product.id)
    v1.products.list({"active": True})
    v1.prices.create(
        {
            "currency": "usd",
            "unit_amount": 500,
            "lookup_key": "silver",
            "product_data": {"name": "Silver"},
        }
    )
    v1.prices.list({"lookup_keys": ["silver"], "expand": ["data.product"]})
    v1.prices.retrieve(account.price.id)
    v1.customers.update(account.customer.id, {"name": "Jenny R.", "metadata": {"tier": "gold"}})
    v1.customers.list({"email": "jenny.rosen@example.com"})
    v1.customers.search({"query": "email:'jenny.rosen@example.com'"})
    other = v1.customers.create({"email": "gone@example.com"})
    v1.customers.delete(other.id)
    v1.customers.retrieve(other.id)
    return ["product.created", "price.created", "customer.updated", "customer.created",
            "customer.deleted"]  # fmt: skip


def flow_reads_and_webhook_endpoints(account):
    """Every read of invoices and payments, expansions, events and webhook endpoints."""
    v1 = account.v1
    invoice = account.sent()
    v1.invoices.retrieve(invoice.id, {"expand": ["payments", "customer"]})
    v1.invoices.retrieve(invoice.id, {"expand": ["lines.data.pricing.price_details.price"]})
    v1.invoices.list({"customer": account.customer.id, "status": "open"})
    v1.invoices.line_items.list(invoice.id)
    item = v1.invoice_items.list({"invoice": invoice.id}).data[0]
    v1.invoice_items.retrieve(item.id)
    payment = v1.invoice_payments.list({"invoice": invoice.id}).data[0]
    v1.invoice_payments.retrieve(payment.id)
    v1.payment_intents.retrieve(payment.payment.payment_intent)
    endpoint = v1.webhook_endpoints.create(
        {"url": "https://example.com/webhook", "enabled_events": ["invoice.paid"]}
    )
    v1.webhook_endpoints.retrieve(endpoint.id)
    v1.webhook_endpoints.list()
    v1.webhook_endpoints.delete(endpoint.id)
    event = v1.events.list({"types": ["invoice.*"], "limit": 3}).data[0]
    v1.events.retrieve(event.id)
    return SENT


def flow_errors(account):
    """Stripe's error objects: each kind the emulator answers."""
    v1 = account.v1
    invoice = account.sent()
    with pytest.raises(stripe.InvalidRequestError):
        v1.invoices.retrieve("in_missing")
    with pytest.raises(stripe.InvalidRequestError):
        v1.customers.create({"favourite_colour": "red"})
    with pytest.raises(stripe.InvalidRequestError):
        v1.invoices.finalize_invoice(invoice.id)
    draft = account.draft()
    with pytest.raises(stripe.InvalidRequestError):
        v1.invoices.mark_uncollectible(draft.id)
    with pytest.raises(stripe.CardError):
        v1.invoices.pay(invoice.id, {"payment_method": "pm_card_chargeDeclined"})
    v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "once"})
    with pytest.raises(stripe.IdempotencyError):
        v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "once"})
    huge = account.draft(quantity=10_000_000)
    with pytest.raises(stripe.InvalidRequestError):
        v1.invoices.send_invoice(huge.id)
    return [*SENT, *DRAFT, *FAILED, "customer.created", *DRAFT, "invoice.finalization_failed"]


def flow_credit_notes(account):
    """Credit notes on an open invoice: preview, issue by line and by amount, read, list,
    update, void."""
    v1 = account.v1
    invoice = account.sent()
    line = {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id}
    v1.credit_notes.preview({"invoice": invoice.id, "lines": [{**line, "quantity": 1}]})
    v1.credit_notes.preview_lines.list({"invoice": invoice.id, "amount": 300})
    note = v1.credit_notes.create(
        {"invoice": invoice.id, "lines": [{**line, "quantity": 1}], "reason": "order_change"}
    )
    v1.credit_notes.create({"invoice": invoice.id, "amount": 300, "memo": "Goodwill"})
    v1.credit_notes.retrieve(note.id, {"expand": ["invoice"]})
    v1.credit_notes.list({"invoice": invoice.id})
    v1.credit_notes.line_items.list(note.id)
    v1.credit_notes.update(note.id, {"memo": "Changed", "metadata": {"ticket": "7"}})
    v1.credit_notes.void_credit_note(note.id)
    with pytest.raises(stripe.InvalidRequestError):
        v1.credit_notes.create({"invoice": invoice.id, "amount": 3000})
    created = ["credit_note.created", "invoice.updated"]
    return [*SENT, *created, *created, "credit_note.updated", "credit_note.voided",
            "invoice.updated"]  # fmt: skip


def flow_credit_notes_settle_and_after_payment(account):
    """A credit note that leaves nothing due pays the invoice; one on a paid invoice is
    accounted for out of band."""
    v1 = account.v1
    credited = account.sent()
    v1.credit_notes.create({"invoice": credited.id, "amount": 2000})
    paid = account.sent()
    v1.invoices.pay(paid.id, {"paid_out_of_band": True})
    v1.credit_notes.create({"invoice": paid.id, "amount": 500, "out_of_band_amount": 500})
    account.emulator.issue_credit_note(paid.id, 500, out_of_band_amount=500)
    created = ["credit_note.created", "invoice.updated"]
    return [*SENT, *created, "payment_intent.canceled", "invoice.paid",
            *SENT, "payment_intent.canceled", "invoice.paid", *created, *created]  # fmt: skip


REFUNDED = ["refund.created", "charge.refunded"]
PART_PAID = ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
             "invoice_payment.paid", "invoice.payment_succeeded"]  # fmt: skip
NOTE = ["credit_note.created", "invoice.updated"]


def _refund_status(account, refund_id, status):
    """Wait until the refund has `status` (a refund settling after the processing delay)."""
    wait_for(lambda: account.v1.refunds.retrieve(refund_id).status == status)


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
    _refund_status(account, refund["id"], "succeeded")
    return [*SENT, *PROCESSING, *PAID_BY_STRIPE, *REFUNDED, "refund.updated"]


def flow_a_failing_refund(account):
    """A card whose refunds fail: the refund succeeds at first, then fails."""
    invoice = account.sent()
    account.emulator.simulate_payment(invoice.id, "succeed_refunds_fail")
    refund = account.emulator.refund_invoice(invoice.id, 1500, reason="requested_by_customer")
    _refund_status(account, refund["id"], "failed")
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


CLOCK = ["test_helpers.test_clock.created", "customer.created"]


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


FLOWS = [value for name, value in dict(globals()).items() if name.startswith("flow_")]


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.__name__[5:])
def test_each_flow_sends_stripes_events_in_order(flow):
    account = Account()
    try:
        expected = flow(account)
        assert account.new_events() == expected
    finally:
        account.close()


def test_the_schema_extract_is_for_the_pinned_api_version():
    assert load()["source"]["api_version"] == stripe.api_version


def test_every_answer_and_event_matches_stripes_schema():
    checker = Checker()
    problems, answers = [], 0
    for flow in FLOWS:
        account = Account()
        try:
            flow(account)
            events = account.events()
            for call, body in account.transport.answers:
                answers += 1
                problems += [f"{call}: {p}" for p in checker.check_answer(body)]
            for event in events:  # each was checked as part of a list answer
                if event.type.endswith(".updated"):
                    if not event.data.to_dict().get("previous_attributes"):
                        problems.append(f"{event.type} {event.id}: no previous_attributes")
        finally:
            account.close()
    summary = (
        f"{answers} answers, {checker.events_checked} events, "
        f"{checker.fields_checked} fields checked: {len(problems)} mismatches"
    )
    logging.getLogger(__name__).info(summary)
    assert answers and checker.events_checked and checker.fields_checked, summary
    assert not problems, summary + "\n" + "\n".join(sorted(set(problems))[:80])
