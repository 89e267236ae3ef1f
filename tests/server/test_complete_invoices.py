"""Complete invoices over HTTP against the emulator: the customer's details (name, address,
tax ID, phone), footer, memo, discounts (coupon or promotion code) and tax rates (every line or
per item) reach Stripe, the invoice shows Stripe's subtotal, discount, tax and total, a known
customer given the same details costs no call, and each wrong choice is a 400 naming its field
with nothing sent."""

import pytest

ADDRESS = {"line1": "1 Rue de Rivoli", "city": "Paris", "postal_code": "75001", "country": "FR"}


@pytest.fixture
def choices(client):
    """Tax rates and discounts made at Stripe before the server first reads its catalog."""
    made = {
        "vat": client.v1.tax_rates.create(
            {"display_name": "VAT", "percentage": 20, "inclusive": False, "country": "FR"}
        ).id,
        "gst": client.v1.tax_rates.create(
            {"display_name": "GST", "percentage": 10, "inclusive": True}
        ).id,
        "old": client.v1.tax_rates.create(
            {"display_name": "Old", "percentage": 5, "inclusive": False}
        ).id,
        "ten": client.v1.coupons.create({"percent_off": 10, "duration": "once"}).id,
        "euros": client.v1.coupons.create(
            {"amount_off": 500, "currency": "eur", "duration": "once"}
        ).id,
    }
    client.v1.tax_rates.update(made["old"], {"active": False})
    code = client.v1.promotion_codes.create(
        {"promotion": {"type": "coupon", "coupon": made["ten"]}, "code": "SPRING10"}
    )
    made["spring"] = code.id
    return made


def _stripe_calls(emulator, since):
    return [call for call in emulator.calls[since:] if not call.endswith(".list")]


def test_details_discounts_and_taxes_reach_stripe_and_the_invoice(api, client, choices):
    gold = api.prices()["gold_special"]  # 2 x 20.00
    sent = api.send(
        "ada@example.com",
        customer={"name": "Ada SARL", "address": ADDRESS, "phone": "+33 1 23 45 67 89",
                  "tax_id": {"type": "eu_vat", "value": "FR12345678901"}},
        footer="Payment within 30 days. Late fees apply.",
        memo="Thank you for your order.",
        discounts=[{"coupon": choices["ten"]}],
        tax_rates=[choices["vat"]],
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    shown = sent.json()
    subtotal = gold["unit_amount"] * 2
    assert shown["subtotal"] == subtotal and shown["total_discount"] == subtotal // 10
    assert shown["total_tax"] == (subtotal - subtotal // 10) * 20 // 100
    assert shown["total"] == subtotal - shown["total_discount"] + shown["total_tax"]
    assert shown["amount_due"] == shown["total"] and shown["footer"].startswith("Payment")
    stripe_side = client.v1.invoices.retrieve(shown["id"])
    assert stripe_side.total == shown["total"] and stripe_side.subtotal == subtotal
    assert stripe_side.footer == shown["footer"]
    assert stripe_side.description == "Thank you for your order."
    assert stripe_side.customer_address.city == "Paris"
    assert [t.value for t in stripe_side.customer_tax_ids] == ["FR12345678901"]
    assert shown["customer_address"]["city"] == "Paris"
    assert shown["customer_tax_ids"] == [{"type": "eu_vat", "value": "FR12345678901"}]
    assert shown["customer_phone"] == "+33 1 23 45 67 89"
    (line,) = shown["lines"]
    assert line["discount"] == shown["total_discount"] and line["tax"] == shown["total_tax"]
    assert api.invoice(shown["id"])["customer_address"] == shown["customer_address"]
    customer = client.v1.customers.retrieve(shown["customer"])
    assert customer.name == "Ada SARL" and customer.phone == "+33 1 23 45 67 89"
    assert customer.address.postal_code == "75001"


def test_inclusive_tax_per_item_and_a_promotion_code_by_its_code(api, client, choices):
    gold = api.prices()["gold_special"]
    items = [{"price": gold["id"], "quantity": 1, "tax_rates": [choices["gst"]]}]
    shown = api.send(
        "gst@example.com", items=items, discounts=[{"promotion_code": "spring10"}]
    ).json()
    after = gold["unit_amount"] - gold["unit_amount"] // 10
    # Inclusive: the tax is inside the amount (after the discount), not added to it.
    assert shown["total"] == after and shown["total_discount"] == gold["unit_amount"] // 10
    assert shown["total_tax"] == round(after - after / 1.1)
    stripe_side = client.v1.invoices.retrieve(shown["id"])
    assert stripe_side.discounts and stripe_side.total == after


def test_a_known_customer_with_the_same_details_costs_no_call(api, emulator, choices):
    details = {"name": "Bo", "address": ADDRESS, "tax_id": {"type": "eu_vat", "value": "FR11"}}
    assert api.send("bo@example.com", customer=details).status_code == 201
    start = len(emulator.calls)
    assert api.send("bo@example.com", customer=details).status_code == 201
    assert len(_stripe_calls(emulator, start)) == 3, emulator.calls[start:]
    moved = {**details, "address": {**ADDRESS, "city": "Lyon", "postal_code": "69001"}}
    start = len(emulator.calls)
    assert api.send("bo@example.com", customer=moved).status_code == 201
    assert _stripe_calls(emulator, start)[0] == "customers.update"
    assert len(_stripe_calls(emulator, start)) == 4
    renumbered = {**moved, "tax_id": {"type": "eu_vat", "value": "FR22"}}
    start = len(emulator.calls)
    assert api.send("bo@example.com", customer=renumbered).status_code == 201
    calls = _stripe_calls(emulator, start)
    assert calls[:2] == ["customers.tax_ids.create", "customers.tax_ids.delete"], calls


def test_a_tax_id_stripe_refuses_is_the_requests_fault(api, emulator, choices):
    api.prices()
    start = len(emulator.calls)
    bad = {"tax_id": {"type": "eu_vat", "value": "12345"}}  # no country code
    answer = api.send("badvat@example.com", customer=bad)
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "customer.tax_id.value"
    assert "invoices.create" not in emulator.calls[start:]


def test_the_choices_are_listed(api, choices):
    rates = api.get("/tax-rates").json()["data"]
    listed = {r["id"] for r in rates}  # beside emulator mode's sample ones
    assert {choices["vat"], choices["gst"]} <= listed and choices["old"] not in listed
    vat = next(r for r in rates if r["id"] == choices["vat"])
    assert vat["percentage"] == 20 and vat["inclusive"] is False
    coupons = {c["id"]: c for c in api.get("/coupons").json()["data"]}
    assert coupons[choices["ten"]]["percent_off"] == 10
    assert coupons[choices["ten"]]["promotion_codes"] == [
        {"id": choices["spring"], "code": "SPRING10"}
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"discounts": [{"coupon": "nope"}]}, "discounts[0].coupon"),
        ({"discounts": [{"coupon": "{euros}"}]}, "discounts[0].coupon"),
        ({"discounts": [{"promotion_code": "NOPE"}]}, "discounts[0].promotion_code"),
        ({"discounts": [{"coupon": "{ten}", "promotion_code": "x"}]}, "discounts[0]"),
        ({"discounts": [{"coupon": "{ten}"}, {"coupon": "{ten}"}]}, "discounts"),
        ({"tax_rates": ["txr_nope"]}, "tax_rates[0]"),
        ({"tax_rates": ["{old}"]}, "tax_rates[0]"),
        ({"tax_rates": "{vat}"}, "tax_rates"),
        ({"customer": {"address": {"line1": "x", "country": "France"}}},
         "customer.address.country"),
        ({"customer": {"address": {"city": "Paris"}}}, "customer.address.line1"),
        ({"customer": {"tax_id": {"type": "xx_vat", "value": "1"}}}, "customer.tax_id.type"),
        ({"customer": {"tax_id": {"type": "eu_vat", "value": "<b>"}}}, "customer.tax_id.value"),
        ({"customer": {"fax": "1"}}, "customer.fax"),
        ({"customer": {"phone": "call me"}}, "customer.phone"),
        ({"customer": "Ada"}, "customer"),
        ({"memo": "a", "description": "b"}, "memo"),
        ({"name": "A", "customer": {"name": "B"}}, "customer.name"),
        ({"footer": "x" * 5001}, "footer"),
    ],
)  # fmt: skip
def test_a_wrong_choice_is_refused_and_nothing_is_sent(api, emulator, choices, body, field):
    api.prices()
    body = {key: eval_choices(value, choices) for key, value in body.items()}
    start = len(emulator.calls)
    answer = api.send("wrong@example.com", **body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == field
    assert _stripe_calls(emulator, start) == []


def eval_choices(value, choices):
    """`value` with "{name}" placeholders replaced by the ids made in `choices`."""
    if isinstance(value, str):
        return value.format(**choices) if value.startswith("{") else value
    if isinstance(value, list):
        return [eval_choices(v, choices) for v in value]
    if isinstance(value, dict):
        return {k: eval_choices(v, choices) for k, v in value.items()}
    return value
