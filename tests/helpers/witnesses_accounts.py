"""Witnesses for lists, customers, refunds, payment and the catalog."""

from tests.helpers.coverage import (
    ADDRESS,
    _list,
    echoes,
    proves,
    shows_created,
    shows_filters,
    shows_paging,
)


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
