"""invoice_fields.py, invoice_terms.py and finalization: what a draft is given (footer, memo,
custom fields, rendering, shipping, number, date) and what it copies from its customer."""

import pytest
import stripe

DAY = 86400


def _draft(client, customer, **extra):
    return client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            **extra,
        }
    )


def test_a_draft_takes_its_fields_and_shows_them(client, customer):
    draft = _draft(
        client,
        customer,
        footer="Registered in England",
        description="Thanks for your order",
        custom_fields=[{"name": "PO", "value": "PO-7"}],
        rendering={"amount_tax_display": "exclude_tax", "pdf": {"page_size": "a4"}},
        shipping_details={"name": "Jo", "address": {"line1": "1 Dock Rd", "country": "GB"}},
        number="CUSTOM-0001",
        effective_at=1767225600,
    )
    assert draft.footer == "Registered in England" and draft.description == "Thanks for your order"
    assert draft.custom_fields[0].name == "PO"
    assert draft.rendering.amount_tax_display == "exclude_tax"
    assert draft.rendering.pdf.page_size == "a4"
    assert (
        draft.shipping_details.name == "Jo" and draft.shipping_details.address.line1 == "1 Dock Rd"
    )
    assert draft.number == "CUSTOM-0001" and draft.effective_at == 1767225600
    # A draft's due date is counted from its creation, until finalization counts it again.
    assert draft.due_date == draft.created + 30 * DAY
    done = client.v1.invoices.finalize_invoice(draft.id)
    assert done.number == "CUSTOM-0001" and done.effective_at == 1767225600
    assert client.v1.customers.retrieve(customer.id).next_invoice_sequence == 1


def test_a_number_is_one_invoices_only(client, customer):
    _draft(client, customer, number="N-1")
    with pytest.raises(stripe.InvalidRequestError) as taken:
        _draft(client, customer, number="N-1")
    assert taken.value.param == "number"
    with pytest.raises(stripe.InvalidRequestError) as long:
        _draft(client, customer, number="N" * 27)
    assert long.value.param == "number"


def test_numbers_follow_the_customers_prefix_and_sequence(client):
    customer = client.v1.customers.create({"invoice_prefix": "ACME", "next_invoice_sequence": 41})
    first = client.v1.invoices.finalize_invoice(_draft(client, customer).id)
    second = client.v1.invoices.finalize_invoice(_draft(client, customer).id)
    assert (first.number, second.number) == ("ACME-0041", "ACME-0042")
    assert client.v1.customers.retrieve(customer.id).next_invoice_sequence == 43


def test_a_draft_takes_the_customers_invoice_settings_by_default(client):
    customer = client.v1.customers.create(
        {
            "invoice_settings": {
                "footer": "Customer footer",
                "custom_fields": [{"name": "VAT reg", "value": "GB1"}],
                "rendering_options": {"template": "inrtem_1"},
            }
        }
    )
    draft = _draft(client, customer)
    assert draft.footer == "Customer footer" and draft.custom_fields[0].value == "GB1"
    assert draft.rendering.template == "inrtem_1"
    assert _draft(client, customer, footer="Own").footer == "Own"


def test_a_draft_follows_its_customer_and_finalization_freezes_it(client):
    customer = client.v1.customers.create(
        {
            "name": "Acme",
            "phone": "+15555550100",
            "address": {"line1": "1 Main St", "country": "US"},
            "shipping": {"name": "Dock", "address": {"line1": "2 Dock Rd"}},
        }
    )
    client.v1.customers.tax_ids.create(customer.id, {"type": "us_ein", "value": "12-3456789"})
    draft = _draft(client, customer)
    client.v1.customers.update(customer.id, {"name": "Acme Inc", "phone": "+15555550199"})
    # Until it is finalized, a draft shows its customer as the customer is now.
    assert client.v1.invoices.retrieve(draft.id).customer_name == "Acme Inc"
    done = client.v1.invoices.finalize_invoice(draft.id)
    assert (done.customer_name, done.customer_phone) == ("Acme Inc", "+15555550199")
    assert done.customer_address.line1 == "1 Main St" and done.customer_shipping.name == "Dock"
    assert [t.to_dict() for t in done.customer_tax_ids] == [
        {"type": "us_ein", "value": "12-3456789"}
    ]
    client.v1.customers.update(customer.id, {"name": "Someone else"})
    assert client.v1.invoices.retrieve(draft.id).customer_name == "Acme Inc"


def test_an_update_sets_and_unsets_a_drafts_fields(client, customer):
    draft = _draft(client, customer, footer="F", description="D")
    updated = client.v1.invoices.update(
        draft.id,
        {
            "footer": "",
            "description": "Memo",
            "days_until_due": 10,
            "shipping_details": {"name": "Jo", "address": {"city": "Paris"}},
            "number": "MINE-1",
        },
    )
    assert updated.footer is None and updated.description == "Memo"
    assert updated.due_date == draft.created + 10 * DAY
    assert updated.shipping_details.address.city == "Paris" and updated.number == "MINE-1"


def test_a_search_says_where_its_next_page_starts(client):
    made = [client.v1.customers.create({"name": f"Jo {i}"}).id for i in range(3)]
    first = client.v1.customers.search({"query": "name:'jo 1' AND name:'Jo 1'", "limit": 1})
    assert first.next_page is None and not first.has_more
    everyone = [client.v1.customers.create({"email": f"a{i}@example.com"}) for i in range(3)]
    page = client.v1.customers.search({"query": "email:'a1@example.com'"})
    assert [c.id for c in page.data] == [everyone[1].id]
    page = client.v1.customers.search({"query": "name:'Jo 0'", "limit": 1})
    assert [c.id for c in page.data] == [made[0]]
    client.v1.customers.update(made[1], {"name": "Jo 0"})
    one = client.v1.customers.search({"query": "name:'Jo 0'", "limit": 1})
    assert one.has_more and one.next_page
    two = client.v1.customers.search({"query": "name:'Jo 0'", "limit": 1, "page": one.next_page})
    assert [c.id for c in one.data + two.data] == [made[1], made[0]]
    assert not two.has_more and two.next_page is None
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.search({"query": "name:'Jo 1'", "page": one.next_page})
    assert refused.value.param == "page"


def test_expanding_a_null_reference_answers_null(client, customer):
    draft = _draft(client, customer)
    shown = client.v1.invoices.retrieve(
        draft.id, {"expand": ["default_payment_method", "discounts", "test_clock"]}
    )
    assert shown.default_payment_method is None and shown.discounts == []
    assert shown.test_clock is None


def test_previews_are_not_read_as_invoice_ids(client):
    with pytest.raises(stripe.InvalidRequestError) as preview:
        client.v1.invoices.create_preview({})
    assert preview.value.http_status == 400 and "does not cover" in str(preview.value)
    with pytest.raises(stripe.InvalidRequestError) as upcoming:
        client.raw_request("get", "/v1/invoices/upcoming")
    assert upcoming.value.http_status == 404 and "Unrecognized request URL" in str(upcoming.value)


def test_paying_with_a_payment_method_that_does_not_exist_is_refused(client, customer):
    draft = _draft(client, customer)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.invoices.pay(draft.id, {"payment_method": "pm_missing"})
    assert refused.value.http_status == 400 and refused.value.code == "resource_missing"
    assert refused.value.param == "payment_method"
    assert client.v1.invoices.retrieve(draft.id).status == "draft"


def _references(client, customer, price):
    """Calls naming, as a parameter, an id that names nothing: (call, the parameter)."""
    v1, cid = client.v1, customer.id
    draft = v1.invoices.create({"customer": cid})
    line = {"pricing": {"price": price.id}}
    return [
        (lambda: v1.invoices.create({"customer": "cus_missing"}), "customer"),
        (lambda: v1.invoice_items.create({"customer": cid, "invoice": "in_missing"}), "invoice"),
        (
            lambda: v1.invoice_items.create({"customer": cid, "pricing": {"price": "price_x"}}),
            "pricing[price]",
        ),
        (
            lambda: v1.invoices.add_lines(draft.id, {"lines": [line, {"invoice_item": "ii_x"}]}),
            "lines[1][invoice_item]",
        ),
        (
            lambda: v1.invoices.update(draft.id, {"default_tax_rates": ["txr_x"]}),
            "default_tax_rates[0]",
        ),
        (
            lambda: v1.invoice_items.create({"customer": cid, **line, "tax_rates": ["txr_x"]}),
            "tax_rates[0]",
        ),
        (
            lambda: v1.invoices.update(draft.id, {"discounts": [{"promotion_code": "promo_x"}]}),
            "discounts[0][promotion_code]",
        ),
        (
            lambda: v1.prices.create({"product": "prod_x", "unit_amount": 1, "currency": "usd"}),
            "product",
        ),
        (lambda: v1.refunds.create({"charge": "ch_x"}), "charge"),
        (lambda: v1.credit_notes.create({"invoice": "in_x", "amount": 1}), "invoice"),
        (
            lambda: v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": "x"}}),
            "promotion[coupon]",
        ),
        (lambda: v1.invoices.list({"starting_after": "in_x"}), "starting_after"),
    ]


def test_every_reference_to_nothing_is_a_400_naming_its_parameter(client, customer, price):
    for call, param in _references(client, customer, price):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            call()
        assert refused.value.http_status == 400, param
        assert (refused.value.code, refused.value.param) == ("resource_missing", param)
