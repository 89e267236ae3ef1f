"""A cross-cutting suite over the whole emulator: every answer and every event of every flow it
serves, checked against Stripe's published schema for the pinned API version
(stripe_schema/schema.json), and each flow's sequence of events."""

import pytest
import stripe

from tests.emulator.stripe_schema import load
from tests.helpers import wait_for
from tests.helpers.conformance import (
    DRAFT,
    FAILED,
    FINALIZE,
    PAID_BY_STRIPE,
    PROCESSING,
    SENT,
    check_against_schema,
    flows_in,
    run_flow_and_compare_events,
)


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


FLOWS = flows_in(dict(globals()))


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.__name__[5:])
def test_each_flow_sends_stripes_events_in_order(flow):
    run_flow_and_compare_events(flow)


def test_the_schema_extract_is_for_the_pinned_api_version():
    assert load()["source"]["api_version"] == stripe.api_version


def test_every_answer_and_event_matches_stripes_schema():
    check_against_schema(FLOWS)
