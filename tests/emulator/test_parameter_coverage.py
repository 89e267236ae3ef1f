"""Part of the conformance suite: every parameter the SDK declares for an emulated operation
is either emulated (and then shown: echoed in the answer, seen by a following read, or changing
what a list holds) or refused with a 400 saying the emulator does not cover it; never taken and
dropped.

The refusals are checked for every route and every declared parameter, top-level and, where a
route names only some keys of a hash, nested. The effects are checked by the witnesses below,
which must between them cover every emulated parameter of every route: each calls operations
with parameters and shows their effect (the value echoed in the answer, seen by a following
read, or what a list holds). A list's paging and filters are shown the same way for every
list: a filter with a value nothing has leaves a non-empty list empty.
"""

import os
import typing
from urllib.parse import urlencode

import pytest
import stripe
from typing_extensions import is_typeddict
from werkzeug.test import Client

from stripe_emulator.routes import ROUTES
from stripe_emulator.schema import _OPTION_KEYS, _hints, coverage, params_class

# Operations whose parameters the suite of their own module proves (another person's work).
PROVEN_ELSEWHERE = {
    "test_helpers.test_clocks.create": "test_test_clocks.py",
    "test_helpers.test_clocks.list": "test_test_clocks.py",
    "test_helpers.test_clocks.advance": "test_test_clocks.py",
}


def _declared(cls):
    return {k: v for k, v in _hints(cls).items() if k not in _OPTION_KEYS}


def _typed_dict(tp):
    """The TypedDict a parameter's type holds (through unions and lists), and whether it is an
    array of them; (None, False) for a scalar or a free-form hash."""
    if is_typeddict(tp):
        return tp, False
    origin = typing.get_origin(tp)
    if origin is list:
        inner, _ = _typed_dict(typing.get_args(tp)[0])
        return inner, True
    for arg in typing.get_args(tp) if origin is not None else ():
        inner, many = _typed_dict(arg)
        if inner is not None:
            return inner, many
    return None, False


def _uncovered(cls, cover, prefix=""):
    """Every (parameter path as sent, its path for the error) the route does not emulate."""
    for key, tp in _declared(cls).items():
        path = f"{prefix}[{key}]" if prefix else key
        if key not in cover:
            yield path
            continue
        inner, many = _typed_dict(tp)
        if cover[key] is not True and inner is not None:
            yield from _uncovered(inner, cover[key], f"{path}[0]" if many else path)


def _cases():
    for route in ROUTES:
        cls = params_class(route.params)
        for path in _uncovered(cls, coverage(route.emulates)):
            yield pytest.param(route, path, id=f"{route.operation}:{path}")


def _send(emulator, route, path):
    """Call the route with `path=x` (ids in the URL name nothing: the refusal comes first)."""
    url = route.path
    while "<" in url:
        start, end = url.index("<"), url.index(">")
        url = url[:start] + "x_missing" + url[end + 1 :]
    body = urlencode({path: "x"})
    headers = {"Authorization": "Bearer sk_test_coverage"}
    if route.method in ("GET", "DELETE"):
        return Client(emulator).open(f"{url}?{body}", method=route.method, headers=headers)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return Client(emulator).open(url, method=route.method, data=body, headers=headers)


@pytest.mark.parametrize(("route", "path"), list(_cases()))
def test_a_declared_parameter_not_emulated_is_refused(emulator, route, path):
    answer = _send(emulator, route, path)
    error = answer.get_json()["error"]
    assert answer.status_code == 400, error
    assert error["code"] == "parameter_unknown" and "does not cover" in error["message"]
    assert error["param"] == path


def _resolves(cls, keys):
    hints = _declared(cls)
    if keys[0] not in hints:
        return False
    if len(keys) == 1:
        return True
    inner, _ = _typed_dict(hints[keys[0]])
    return inner is not None and _resolves(inner, keys[1:])


def test_every_emulated_parameter_is_one_the_sdk_declares():
    wrong = []
    for route in ROUTES:
        for path in route.emulates - {"expand"}:
            keys = path.replace("]", "").split("[")
            if not _resolves(params_class(route.params), keys):
                wrong.append(f"{route.operation}: {path}")
    assert not wrong


def test_every_emulated_parameter_shows_its_effect(client):
    """Run every witness; together they must account for every emulated parameter."""
    world = World(client)
    proven = run_all(world)
    missing = []
    for route in ROUTES:
        if route.operation in PROVEN_ELSEWHERE:
            continue
        for key in sorted(set(coverage(route.emulates)) - {"expand"}):
            if (route.operation, key) not in proven:
                missing.append(f"{route.operation}: {key}")
    assert not missing, f"{len(missing)} emulated parameters without a witness:\n" + "\n".join(
        missing
    )


def test_expand_is_taken_by_every_operation_that_declares_it():
    # `expand` is handled once, by the API layer, for every route (test_api.py shows it).
    for route in ROUTES:
        declared = _declared(params_class(route.params))
        assert ("expand" in declared) <= ("expand" in route.emulates), route.operation


# The witnesses.

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


@proves(
    [
        _list("charges.list", ("customer", "payment_intent", "transfer_group")),
        _list("invoice_payments.list", ("invoice", "status", "payment")),
        _list("refunds.list", ("charge", "payment_intent")),
        _list("customers.balance_transactions.list", ("invoice",)),
        _list("customers.tax_ids.list", (), dated=False),
        _list("products.list", ("active", "ids", "shippable", "type", "url")),
        _list("prices.list", ("active", "currency", "lookup_keys", "product", "type")),
        _list("coupons.list", ()),
        _list("credit_notes.list", ("customer", "customer_account", "invoice")),
        _list("credit_notes.line_items.list", (), dated=False),
        _list("promotion_codes.list", ("active", "code", "coupon", "customer")),
        _list("tax_rates.list", ("active", "inclusive")),
        _list("invoice_items.list", ("customer", "customer_account", "invoice", "pending")),
        _list("invoices.list", ("collection_method", "customer", "customer_account", "status")),
        _list("webhook_endpoints.list", (), dated=False),
        _list("events.list", ("type", "types")),
        _list("customers.list", ("email", "test_clock")),
    ]
)
def lists(w):
    """Every list: its paging, `created` and filters."""
    v1, nobody = w.v1, "x_nobody"
    w.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": w.coupon.id}})
    clock = v1.test_helpers.test_clocks.create({"frozen_time": 1_700_000_000})
    cases = [
        (v1.charges.list, {"customer": nobody, "payment_intent": nobody, "transfer_group": "g"}),
        (
            v1.invoice_payments.list,
            {
                "invoice": nobody,
                "status": "canceled",
                "payment": {"type": "payment_intent", "payment_intent": nobody},
            },
        ),
        (v1.refunds.list, {"charge": nobody, "payment_intent": nobody}),
        (lambda p: v1.customers.balance_transactions.list(w.customer.id, p), {"invoice": nobody}),
        (lambda p: v1.customers.tax_ids.list(w.customer.id, p), {}, False),
        (
            v1.products.list,
            {"active": False, "ids": [nobody], "shippable": True, "type": "good", "url": "u"},
        ),
        (
            v1.prices.list,
            {
                "active": False,
                "currency": "jpy",
                "lookup_keys": [nobody],
                "product": nobody,
                "type": "recurring",
            },
        ),
        (v1.coupons.list, {}),
        (v1.credit_notes.list, {"customer": nobody, "customer_account": nobody, "invoice": nobody}),
        (lambda p: v1.credit_notes.line_items.list(w.note.id, p), {}, False),
        (
            v1.promotion_codes.list,
            {"active": False, "code": nobody, "coupon": nobody, "customer": nobody},
        ),
        (v1.tax_rates.list, {"active": False, "inclusive": True}),
        (
            v1.invoice_items.list,
            {"customer": nobody, "customer_account": nobody, "invoice": nobody, "pending": True},
        ),
        (
            v1.invoices.list,
            {
                "collection_method": "charge_automatically",
                "customer": nobody,
                "customer_account": nobody,
                "status": "void",
            },
        ),
        (v1.webhook_endpoints.list, {}, False),
        (v1.events.list, {"type": "nothing.*", "types": ["nothing.happened"]}),
        (v1.customers.list, {"email": "nobody@example.com", "test_clock": clock.id}),
    ]
    for call, filters, *dated in cases:
        shows_paging(call)
        shows_filters(call, filters)
        if dated != [False]:
            shows_created(call)


@proves("invoices.list", "due_date")
def invoices_by_due_date(w):
    """`due_date` narrows invoices.list to the invoices due then."""
    assert w.v1.invoices.list({"due_date": {"lt": 1}}).data == []
    assert w.v1.invoices.list({"due_date": {"gt": 1}}).data


@proves("invoices.line_items.list", "limit", "starting_after")
def invoice_lines(w):
    """An invoice's lines page by `limit` and `starting_after`."""
    invoice = w.draft()
    w.v1.invoices.add_lines(invoice.id, {"lines": [w.line, w.line]})
    first = w.v1.invoices.line_items.list(invoice.id, {"limit": 1})
    assert len(first.data) == 1 and first.has_more
    rest = w.v1.invoices.line_items.list(invoice.id, {"starting_after": first.data[0].id})
    assert len(rest.data) == 1 and rest.data[0].id != first.data[0].id


@proves("customers.create", *(
    "address", "description", "email", "invoice_prefix", "invoice_settings", "metadata", "name",
    "next_invoice_sequence", "phone", "preferred_locales", "shipping", "tax_id_data",
))  # fmt: skip
def customer_create(w):
    """A customer's every emulated field comes back as given."""
    made = w.v1.customers.create(
        {
            "address": {"line1": "1 Main St", "city": "London", "country": "GB"},
            "description": "Desc",
            "email": "c@example.com",
            "invoice_prefix": "CUST",
            "invoice_settings": {"footer": "F", "custom_fields": [{"name": "n", "value": "v"}]},
            "metadata": {"k": "v"},
            "name": "C",
            "next_invoice_sequence": 5,
            "phone": "+15555550100",
            "preferred_locales": ["en"],
            "shipping": {"name": "S", "address": {"line1": "1 Main St"}},
            "tax_id_data": [{"type": "us_ein", "value": "12-3456789"}],
            "expand": ["tax_ids"],
        }
    )
    echoes(made, {"address": ADDRESS, "description": "Desc", "email": "c@example.com"})
    echoes(made, {"invoice_prefix": "CUST", "name": "C", "next_invoice_sequence": 5})
    echoes(made, {"metadata": {"k": "v"}, "phone": "+15555550100", "preferred_locales": ["en"]})
    assert (
        made.invoice_settings.footer == "F" and made.invoice_settings.custom_fields[0].name == "n"
    )
    assert made.shipping.name == "S" and made.tax_ids.data[0].value == "12-3456789"


@proves("customers.update", *(
    "address", "description", "email", "invoice_prefix", "invoice_settings", "metadata", "name",
    "next_invoice_sequence", "phone", "preferred_locales", "shipping",
))  # fmt: skip
def customer_update(w):
    """An update's every emulated field is seen by a following read."""
    made = w.v1.customers.create({"email": "u@example.com"})
    w.v1.customers.update(
        made.id,
        {
            "address": {"line1": "1 Main St", "city": "London", "country": "GB"},
            "description": "Desc",
            "email": "v@example.com",
            "invoice_prefix": "UPDT",
            "invoice_settings": {"rendering_options": {"amount_tax_display": "exclude_tax"}},
            "metadata": {"k": "v"},
            "name": "N",
            "next_invoice_sequence": 9,
            "phone": "+1",
            "preferred_locales": ["fr"],
            "shipping": {"name": "S", "address": {"city": "Paris"}},
        },
    )
    read = w.v1.customers.retrieve(made.id)
    echoes(read, {"address": ADDRESS, "description": "Desc", "email": "v@example.com"})
    echoes(read, {"invoice_prefix": "UPDT", "name": "N", "next_invoice_sequence": 9})
    echoes(read, {"metadata": {"k": "v"}, "phone": "+1", "preferred_locales": ["fr"]})
    assert read.invoice_settings.rendering_options.amount_tax_display == "exclude_tax"
    assert read.shipping.address.city == "Paris"


@proves("customers.create", "test_clock")
def customer_on_a_clock(w):
    """A customer made on a test clock names it."""
    clock = w.v1.test_helpers.test_clocks.create({"frozen_time": 1_700_000_000})
    made = w.v1.customers.create({"email": "t@example.com", "test_clock": clock.id})
    assert made.test_clock == clock.id


@proves("customers.search", "limit", "page", "query")
def customer_search(w):
    """A search's query, page size and next page."""
    ids = [w.v1.customers.create({"name": "Same"}).id for _ in range(2)]
    first = w.v1.customers.search({"query": "name:'Same'", "limit": 1})
    second = w.v1.customers.search({"query": "name:'Same'", "limit": 1, "page": first.next_page})
    assert [c.id for c in first.data + second.data] == ids[::-1]


@proves("customers.tax_ids.create", "type", "value")
def tax_id_create(w):
    """A tax ID's type and value come back."""
    made = w.v1.customers.tax_ids.create(w.customer.id, {"type": "eu_vat", "value": "FR12345"})
    echoes(made, {"type": "eu_vat", "value": "FR12345"})


@proves([
    ("customers.balance_transactions.create", ("amount", "currency", "description", "metadata")),
    ("customers.balance_transactions.update", ("description", "metadata")),
])  # fmt: skip
def balance_transactions(w):
    """A balance adjustment's fields, made and changed."""
    params = {"amount": 300, "currency": "usd", "description": "D", "metadata": {"k": "v"}}
    made = w.v1.customers.balance_transactions.create(w.customer.id, params)
    echoes(made, params)
    changed = w.v1.customers.balance_transactions.update(
        w.customer.id, made.id, {"description": "E", "metadata": {"k": "w"}}
    )
    echoes(changed, {"description": "E", "metadata": {"k": "w"}})


@proves([
    ("refunds.create", ("amount", "charge", "metadata", "payment_intent", "reason")),
    ("refunds.update", ("metadata",)),
])  # fmt: skip
def refunds(w):
    """A refund's amount, target, reason and metadata."""
    by_intent = w.v1.refunds.create(
        {"payment_intent": w.intent, "amount": 50, "reason": "duplicate", "metadata": {"k": "v"}}
    )
    echoes(by_intent, {"payment_intent": w.intent, "amount": 50, "reason": "duplicate"})
    by_charge = w.v1.refunds.create({"charge": by_intent.charge, "amount": 25})
    echoes(by_charge, {"charge": by_intent.charge, "amount": 25})
    echoes(w.v1.refunds.update(by_charge.id, {"metadata": {"a": "b"}}), {"metadata": {"a": "b"}})


@proves("invoices.pay", "paid_out_of_band", "payment_method")
def pay(w):
    """Paying out of band, or with a test card: the invoice is paid either way."""
    assert w.v1.invoices.pay(w.open_invoice().id, {"paid_out_of_band": True}).status == "paid"
    paid = w.v1.invoices.pay(w.open_invoice().id, {"payment_method": "pm_card_visa"})
    assert paid.status == "paid" and paid.amount_paid == 2000


@proves([
    ("products.create", ("active", "description", "id", "metadata", "name",
                         "statement_descriptor", "tax_code", "unit_label")),
    ("prices.create", ("active", "currency", "lookup_key", "metadata", "nickname", "product",
                       "product_data", "tax_behavior", "transfer_lookup_key", "unit_amount")),
])  # fmt: skip
def catalog(w):
    """A product's and a price's every emulated field comes back as given."""
    product = {
        "active": False,
        "description": "D",
        "id": "prod_witness",
        "metadata": {"k": "v"},
        "name": "N",
        "statement_descriptor": "SD",
        "tax_code": "txcd_10000000",
        "unit_label": "seat",
    }
    echoes(w.v1.products.create(product), product)
    price = {
        "active": False,
        "currency": "eur",
        "lookup_key": "witness",
        "metadata": {"k": "v"},
        "nickname": "Nick",
        "product": "prod_witness",
        "tax_behavior": "exclusive",
        "unit_amount": 700,
    }
    echoes(w.v1.prices.create(price), price)
    moved = w.v1.prices.create(
        {
            "currency": "eur",
            "unit_amount": 1,
            "lookup_key": "witness",
            "transfer_lookup_key": True,
            "product_data": {"name": "Made here"},
        }
    )
    assert moved.lookup_key == "witness"
    assert w.v1.products.retrieve(moved.product).name == "Made here"


@proves([
    ("coupons.create", ("amount_off", "currency", "duration", "duration_in_months", "id",
                        "max_redemptions", "metadata", "name", "percent_off", "redeem_by")),
    ("coupons.update", ("metadata", "name")),
])  # fmt: skip
def coupons(w):
    """A coupon's every emulated field comes back as given, and its name and metadata change."""
    by_amount = {
        "amount_off": 500,
        "currency": "usd",
        "duration": "repeating",
        "duration_in_months": 3,
        "id": "WITNESS",
        "max_redemptions": 2,
        "metadata": {"k": "v"},
        "name": "Five off",
        "redeem_by": 4_102_444_800,
    }
    echoes(w.v1.coupons.create(by_amount), by_amount)
    echoes(w.v1.coupons.create({"percent_off": 12.5}), {"percent_off": 12.5})
    changed = w.v1.coupons.update("WITNESS", {"name": "Renamed", "metadata": {"k": "w"}})
    echoes(changed, {"name": "Renamed", "metadata": {"k": "w"}})


@proves([
    ("promotion_codes.create", ("active", "code", "customer", "expires_at", "max_redemptions",
                                "metadata", "promotion")),
    ("promotion_codes.update", ("active", "metadata")),
])  # fmt: skip
def promotion_codes(w):
    """A promotion code's every emulated field comes back as given, and changes."""
    given = {
        "active": False,
        "code": "WITNESS10",
        "customer": w.customer.id,
        "expires_at": 4_102_444_800,
        "max_redemptions": 3,
        "metadata": {"k": "v"},
        "promotion": {"type": "coupon", "coupon": w.coupon.id},
    }
    made = w.v1.promotion_codes.create(given)
    echoes(made, given)
    changed = w.v1.promotion_codes.update(made.id, {"active": True, "metadata": {"k": "w"}})
    echoes(changed, {"active": True, "metadata": {"k": "w"}})


@proves([
    ("tax_rates.create", ("active", "country", "description", "display_name", "inclusive",
                          "jurisdiction", "metadata", "percentage", "state", "tax_type")),
    ("tax_rates.update", ("active", "country", "description", "display_name", "jurisdiction",
                          "metadata", "state", "tax_type")),
])  # fmt: skip
def tax_rates(w):
    """A tax rate's every emulated field comes back as given, and changes."""
    given = {
        "active": True,
        "country": "US",
        "description": "D",
        "display_name": "Sales tax",
        "inclusive": False,
        "jurisdiction": "NY",
        "metadata": {"k": "v"},
        "percentage": 8.875,
        "state": "NY",
        "tax_type": "sales_tax",
    }
    made = w.v1.tax_rates.create(given)
    echoes(made, given)
    update = {
        "active": False,
        "country": "CA",
        "description": "E",
        "display_name": "GST",
        "jurisdiction": "CA",
        "metadata": {"k": "w"},
        "state": "ON",
        "tax_type": "gst",
    }
    echoes(w.v1.tax_rates.update(made.id, update), update)


@proves([
    ("credit_notes.create", ("amount", "credit_amount", "email_type", "invoice", "lines", "memo",
                             "metadata", "out_of_band_amount", "reason", "refund_amount")),
    ("credit_notes.preview", ("amount", "credit_amount", "invoice", "lines", "memo", "metadata",
                              "out_of_band_amount", "reason", "refund_amount")),
    ("credit_notes.update", ("memo", "metadata")),
])  # fmt: skip
def credit_notes(w):
    """A credit note's fields, previewed and made; how its post-payment part is given back."""
    invoice = w.open_invoice()
    w.v1.invoices.send_invoice(invoice.id)
    line = {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id}
    given = {"invoice": invoice.id, "memo": "M", "metadata": {"k": "v"}, "reason": "duplicate"}
    preview = w.v1.credit_notes.preview({**given, "lines": [{**line, "quantity": 1}]})
    echoes(preview, {**given, "amount": 1000})
    made = w.v1.credit_notes.create({**given, "amount": 300, "email_type": "none"})
    echoes(made, {**given, "amount": 300})
    w.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
    for split in ({"credit_amount": 100}, {"out_of_band_amount": 100}):
        shown = w.v1.credit_notes.preview({"invoice": invoice.id, "amount": 100, **split})
        assert shown.post_payment_amount == 100
        made_now = w.v1.credit_notes.create({"invoice": invoice.id, "amount": 100, **split})
        if "credit_amount" in split:  # shown as the balance transaction it makes
            assert made_now.customer_balance_transaction is not None
        else:
            echoes(made_now, split)
    refund = {"invoice": w.invoice.id, "amount": 100, "refund_amount": 100}
    assert w.v1.credit_notes.preview(refund).post_payment_amount == 100
    try:  # the preview reads refund_amount: one that does not add up is refused
        w.v1.credit_notes.preview({**refund, "refund_amount": 50})
    except stripe.InvalidRequestError as refused:
        assert refused.http_status == 400
    else:
        raise AssertionError("refund_amount was not read")
    assert w.v1.credit_notes.create(refund).refunds[0].amount_refunded == 100
    echoes(w.v1.credit_notes.update(made.id, {"memo": "N", "metadata": {"k": "w"}}), {"memo": "N"})


@proves("credit_notes.preview_lines.list", *(
    "amount", "credit_amount", "ending_before", "invoice", "limit", "lines",
    "out_of_band_amount", "refund_amount", "starting_after",
))  # fmt: skip
def credit_note_preview_lines(w):
    """The lines a credit note would have, paged; its accounting checked as on create."""
    invoice = w.open_invoice()
    line = {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id}
    base = {"invoice": invoice.id, "lines": [{**line, "quantity": 1}]}
    shown = w.v1.credit_notes.preview_lines.list({**base, "limit": 1})
    assert [ln.amount for ln in shown.data] == [1000]
    # A preview's lines are made afresh by each call: a cursor is read, and names none of them.
    for cursor in ("starting_after", "ending_before"):
        try:
            w.v1.credit_notes.preview_lines.list({**base, cursor: shown.data[0].id})
        except stripe.InvalidRequestError as refused:
            assert refused.param == cursor
        else:
            raise AssertionError(f"{cursor} was not read")
    # An amount without lines makes none; with lines it must be theirs: it is read. On an open
    # invoice nothing is post-payment: any way of giving it back is refused, so each is read.
    tries = [{**base, "amount": 1}]
    tries += [{"invoice": invoice.id, "amount": 300, k: 300} for k in _GIVEN_BACK]
    for params in tries:
        try:
            w.v1.credit_notes.preview_lines.list(params)
        except stripe.InvalidRequestError as refused:
            assert refused.http_status == 400
        else:
            raise AssertionError(f"{params} was not read")


_GIVEN_BACK = ("credit_amount", "out_of_band_amount", "refund_amount")


@proves("invoice_items.create", *(
    "amount", "currency", "customer", "description", "discountable", "discounts", "invoice",
    "metadata", "pricing", "quantity", "tax_rates",
))  # fmt: skip
def invoice_items(w):
    """An invoice item's every emulated field comes back, by amount or by price."""
    given = {
        "customer": w.customer.id,
        "amount": 1234,
        "currency": "usd",
        "description": "Setup",
        "discountable": False,
        "metadata": {"k": "v"},
    }
    made = w.v1.invoice_items.create({**given, "tax_rates": [w.rate.id]})
    echoes(made, given)
    assert [r.id for r in made.tax_rates] == [w.rate.id]
    draft = w.draft()
    priced = w.v1.invoice_items.create(
        {
            "customer": w.customer.id,
            "invoice": draft.id,
            "pricing": {"price": w.price.id},
            "quantity": 3,
            "discounts": [{"coupon": w.coupon.id}],
        }
    )
    echoes(priced, {"invoice": draft.id, "quantity": 3, "amount": 3000})
    assert priced.pricing.price_details.price == w.price.id and len(priced.discounts) == 1


_INVOICE_FIELDS = {
    "auto_advance": True,
    "automatic_tax": {"enabled": True},
    "custom_fields": [{"name": "PO", "value": "1"}],
    "description": "Memo",
    "effective_at": 1_767_225_600,
    "footer": "Footer",
    "metadata": {"k": "v"},
    "number": "WIT-0001",
    "rendering": {"amount_tax_display": "exclude_tax", "pdf": {"page_size": "letter"}},
    "shipping_details": {"name": "S", "address": {"line1": "1 Main St"}},
    "statement_descriptor": "WITNESS",
}


def _shows_invoice_fields(invoice, number):
    shown = invoice.to_dict()
    assert shown["auto_advance"] is True and shown["automatic_tax"]["enabled"] is True
    assert shown["custom_fields"] == [{"name": "PO", "value": "1"}]
    for key in ("description", "effective_at", "footer", "statement_descriptor"):
        assert shown[key] == _INVOICE_FIELDS[key], key
    assert shown["metadata"]["k"] == "v" and shown["number"] == number
    assert shown["rendering"]["amount_tax_display"] == "exclude_tax"
    assert shown["rendering"]["pdf"]["page_size"] == "letter"
    assert shown["shipping_details"]["address"]["line1"] == "1 Main St"


@proves("invoices.create", *(*_INVOICE_FIELDS, "collection_method", "currency", "customer",
        "days_until_due", "default_tax_rates", "discounts", "due_date", "payment_settings",
        "pending_invoice_items_behavior"))  # fmt: skip
def invoice_create(w):
    """A draft's every emulated field comes back as given."""
    w.v1.invoice_items.create({"customer": w.customer.id, "amount": 500, "currency": "eur"})
    made = w.v1.invoices.create(
        {
            **_INVOICE_FIELDS,
            "customer": w.customer.id,
            "collection_method": "send_invoice",
            "currency": "eur",
            "days_until_due": 10,
            "default_tax_rates": [w.rate.id],
            "discounts": [{"coupon": w.coupon.id}],
            "payment_settings": {"payment_method_types": ["card"]},
            "pending_invoice_items_behavior": "include",
        }
    )
    _shows_invoice_fields(made, "WIT-0001")
    echoes(made, {"customer": w.customer.id, "collection_method": "send_invoice"})
    echoes(made, {"currency": "eur", "due_date": made.created + 10 * 86400})
    assert [r.id for r in made.default_tax_rates] == [w.rate.id] and len(made.discounts) == 1
    assert made.payment_settings.payment_method_types == ["card"]
    assert made.subtotal == 500 and made.total == 495  # 10% off, then 10% tax
    dated = w.draft(days_until_due=None, due_date=4_102_444_800)
    assert dated.due_date == 4_102_444_800


@proves("invoices.update", *(*_INVOICE_FIELDS, "collection_method", "days_until_due",
        "default_tax_rates", "discounts", "due_date"))  # fmt: skip
def invoice_update(w):
    """An update's every emulated field is seen by a following read."""
    draft = w.v1.invoices.create({"customer": w.customer.id})
    w.v1.invoices.update(
        draft.id,
        {
            **_INVOICE_FIELDS,
            "number": "WIT-0002",
            "collection_method": "send_invoice",
            "days_until_due": 5,
            "default_tax_rates": [w.rate.id],
            "discounts": [{"coupon": w.coupon.id}],
        },
    )
    read = w.v1.invoices.retrieve(draft.id)
    _shows_invoice_fields(read, "WIT-0002")
    echoes(read, {"collection_method": "send_invoice", "due_date": read.created + 5 * 86400})
    assert [r.id for r in read.default_tax_rates] == [w.rate.id] and len(read.discounts) == 1
    w.v1.invoices.update(draft.id, {"due_date": 4_102_444_800})
    assert w.v1.invoices.retrieve(draft.id).due_date == 4_102_444_800


@proves("invoices.add_lines", "invoice_metadata", "lines")
def add_lines(w):
    """Lines by price, by amount, from a pending item, with discounts and rates; and the
    invoice's metadata set by the same call."""
    draft = w.draft()
    pending = w.v1.invoice_items.create(
        {"customer": w.customer.id, "amount": 100, "currency": "usd"}
    )
    done = w.v1.invoices.add_lines(
        draft.id,
        {
            "lines": [
                {**w.line, "description": "Two", "metadata": {"k": "v"}},
                {"amount": 700, "discountable": False, "tax_rates": [w.rate.id]},
                {"invoice_item": pending.id},
                {"amount": 1000, "discounts": [{"coupon": w.coupon.id}]},
            ],
            "invoice_metadata": {"order": "7"},
        },
    )
    lines = done.lines.data
    assert [ln.amount for ln in lines] == [2000, 700, 100, 1000]
    assert lines[0].description == "Two" and lines[0].metadata["k"] == "v"
    assert lines[1].discountable is False and lines[1].taxes[0].amount == 70
    assert lines[3].discount_amounts[0].amount == 100 and done.metadata["order"] == "7"


@proves([
    ("webhook_endpoints.create", ("api_version", "description", "enabled_events", "metadata",
                                  "url")),
    ("webhook_endpoints.update", ("description", "disabled", "enabled_events", "metadata",
                                  "url")),
])  # fmt: skip
def webhook_endpoints(w):
    """A webhook endpoint's fields, made and changed."""
    given = {
        "api_version": stripe.api_version,
        "description": "D",
        "enabled_events": ["invoice.paid"],
        "metadata": {"k": "v"},
        "url": "https://example.com/a",
    }
    made = w.v1.webhook_endpoints.create(given)
    echoes(made, given)
    changed = {
        "description": "E",
        "enabled_events": ["invoice.voided"],
        "metadata": {"k": "w"},
        "url": "https://example.com/b",
    }
    updated = w.v1.webhook_endpoints.update(made.id, {**changed, "disabled": True})
    echoes(updated, {**changed, "status": "disabled"})


COVERAGE_DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "emulator-coverage.md")
TABLE_MARK = "<!-- operations: generated -->"


def operations_table():
    """docs/emulator-coverage.md's table: each operation and the parameters it emulates."""
    rows = [
        "| Operation | Method and path | Parameters emulated (besides `expand`) |",
        "|---|---|---|",
    ]
    for route in sorted(ROUTES, key=lambda r: (r.path, r.method)):
        taken = ", ".join(f"`{p}`" for p in sorted(route.emulates - {"expand"})) or "none"
        rows.append(f"| `{route.operation}` | `{route.method} {route.path}` | {taken} |")
    return "\n".join(rows) + "\n"


def test_the_coverage_doc_lists_every_operation_as_emulated():
    with open(COVERAGE_DOC, encoding="utf-8") as doc:
        written = doc.read().split(TABLE_MARK)
    assert len(written) == 2 and written[1].strip() == operations_table().strip(), (
        "docs/emulator-coverage.md is out of date; its table is:\n\n" + operations_table()
    )
