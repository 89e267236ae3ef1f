"""What the parameter-coverage witnesses share: the world they act in and their registry."""

import stripe

WITNESSES = []
ADDRESS = {
    "line1": "1 Main St",
    "line2": None,
    "city": "London",
    "postal_code": None,
    "state": None,
    "country": "GB",
}


def proves(operation, *params):
    """Register the decorated witness as showing `params` of `operation` (several pairs: pass
    a list of (operation, params) as `operation`)."""
    pairs = operation if isinstance(operation, list) else [(operation, params)]

    def register(fn):
        WITNESSES.append((fn, {(op, p) for op, ps in pairs for p in ps}))
        return fn

    return register


def run_all(world):
    """Run every witness; the pairs shown."""
    shown = set()
    for fn, pairs in WITNESSES:
        fn(world)
        shown |= pairs
    return shown


class World:
    """One account with one of everything: a customer, a price, a paid invoice with a charge,
    a refund and a credit note, a balance adjustment, coupons, a tax rate and a tax ID."""

    def __init__(self, client):
        v1 = self.v1 = client.v1
        self.product = v1.products.create({"name": "Gold"})
        self.price = v1.prices.create(
            {"product": self.product.id, "unit_amount": 1000, "currency": "usd"}
        )
        self.customer = v1.customers.create({"email": "w@example.com", "name": "W"})
        self.rate = v1.tax_rates.create(
            {"display_name": "VAT", "percentage": 10, "inclusive": False}
        )
        self.coupon = v1.coupons.create({"percent_off": 10})
        self.invoice = self.draft()
        self.line = {"pricing": {"price": self.price.id}, "quantity": 2}
        v1.invoices.add_lines(self.invoice.id, {"lines": [self.line]})
        v1.invoices.pay(self.invoice.id, {"payment_method": "pm_card_visa"})
        self.paid = v1.invoices.retrieve(self.invoice.id, {"expand": ["payments"]})
        self.intent = self.paid.payments.data[0].payment.payment_intent
        self.refund = v1.refunds.create({"payment_intent": self.intent, "amount": 100})
        one = {
            "type": "invoice_line_item",
            "invoice_line_item": self.paid.lines.data[0].id,
            "quantity": 1,
        }
        self.note = v1.credit_notes.create(
            {"invoice": self.invoice.id, "lines": [one], "refund_amount": 1000}
        )
        self.adjustment = v1.customers.balance_transactions.create(
            self.customer.id, {"amount": -50, "currency": "usd"}
        )
        self.tax_id = v1.customers.tax_ids.create(
            self.customer.id, {"type": "us_ein", "value": "12-3456789"}
        )
        self.endpoint = v1.webhook_endpoints.create(
            {"url": "https://example.com/hook", "enabled_events": ["*"]}
        )

    def draft(self, **extra):
        """A send_invoice draft for the world's customer."""
        return self.v1.invoices.create(
            {
                "customer": self.customer.id,
                "collection_method": "send_invoice",
                "days_until_due": 30,
                **extra,
            }
        )

    def open_invoice(self):
        """A finalized invoice of $20.00, open."""
        invoice = self.draft()
        self.v1.invoices.add_lines(invoice.id, {"lines": [self.line]})
        return self.v1.invoices.finalize_invoice(invoice.id)


def _plain(obj):
    return obj.to_dict() if isinstance(obj, stripe.StripeObject) else obj


def echoes(answer, expected):
    """Assert each field of `expected` is the answer's."""
    shown = _plain(answer)
    for key, value in expected.items():
        assert _plain(shown[key]) == value, (key, shown[key], value)


def shows_paging(call):
    """`limit`, `starting_after`, `ending_before` and `created` each change what a non-empty
    list holds."""
    everything = call({}).data
    assert everything, f"an empty list shows no paging: {call}"
    assert len(call({"limit": 1}).data) == 1
    first, last = everything[0].id, everything[-1].id
    assert first not in [o.id for o in call({"starting_after": first}).data]
    assert last not in [o.id for o in call({"ending_before": last}).data]


def shows_created(call):
    """`created` narrows a non-empty list."""
    assert call({}).data and call({"created": {"lt": 1}}).data == []


def shows_filters(call, filters):
    """Each filter, with a value nothing has, empties a non-empty list."""
    assert call({}).data
    for key, value in filters.items():
        assert call({key: value}).data == [], key


PAGING = ("limit", "starting_after", "ending_before")
DATED = (*PAGING, "created")


def _list(operation, filters, dated=True):
    """The pairs a list witness shows: its paging (and `created`) and its filters."""
    return (operation, (*(DATED if dated else PAGING), *filters))
