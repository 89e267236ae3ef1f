"""The conformance suite's shared machinery: the recording transport, a fresh account, and the
event sequences its flows expect."""

import json
import logging

import stripe

from stripe_emulator import Emulator, WSGIClient
from tests.emulator.stripe_schema import Checker
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
REFUNDED = ["refund.created", "charge.refunded"]
PART_PAID = ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded",
             "invoice_payment.paid", "invoice.payment_succeeded"]  # fmt: skip
NOTE = ["credit_note.created", "invoice.updated"]
CLOCK = ["test_helpers.test_clock.created", "customer.created"]


def wait_for_refund_status(account, refund_id, status):
    """Wait until the refund has `status` (a refund settling after the processing delay)."""
    wait_for(lambda: account.v1.refunds.retrieve(refund_id).status == status)


def flows_in(namespace):
    """The module's flows (its `flow_` functions), in the order they are defined."""
    return [value for name, value in namespace.items() if name.startswith("flow_")]


def run_flow_and_compare_events(flow):
    """Run `flow` on a fresh account; its events since the setup are the ones it expects."""
    account = Account()
    try:
        expected = flow(account)
        assert account.new_events() == expected
    finally:
        account.close()


def check_against_schema(flows):
    """Run `flows`, each on a new account, and check every answer and every event against
    Stripe's schema (and that every `.updated` event says what changed)."""
    checker = Checker()
    problems, answers = [], 0
    for flow in flows:
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
