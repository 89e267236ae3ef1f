"""Witnesses for coupons, tax rates, credit notes, invoices and webhooks."""

import stripe

from tests.helpers.coverage import echoes, proves


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
    try:  # the preview reads refund_amount: one over the post-payment amount is refused
        w.v1.credit_notes.preview({**refund, "refund_amount": 150})
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
