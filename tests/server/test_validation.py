"""sending/validation.py: every rule of `POST /invoices`, a 4xx with the right field, and nothing
stored or sent."""

import pytest
import requests

from invoicing import catalog

GOOD_EMAIL = "jo@example.com"


def body_with(prices, **changes):
    body = {"email": GOOD_EMAIL, "items": [{"price": prices["gold_special"]["id"], "quantity": 1}]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def item(prices, **changes):
    return {"price": prices["gold_special"]["id"], "quantity": 1, **changes}


CASES = [
    ("missing email", lambda p: body_with(p, email=...), "email"),
    ("email not a string", lambda p: body_with(p, email=42), "email"),
    ("email without @", lambda p: body_with(p, email="jo.example.com"), "email"),
    ("email with spaces", lambda p: body_with(p, email="jo @example.com"), "email"),
    ("name too long", lambda p: body_with(p, name="n" * 300), "name"),
    ("name not a string", lambda p: body_with(p, name=["x"]), "name"),
    ("items missing", lambda p: body_with(p, items=...), "items"),
    ("items empty", lambda p: body_with(p, items=[]), "items"),
    ("items not a list", lambda p: body_with(p, items="gold"), "items"),
    ("too many items", lambda p: body_with(p, items=[item(p)] * 251), "items"),
    ("item not an object", lambda p: body_with(p, items=["price_x"]), "items[0]"),
    ("item without price", lambda p: body_with(p, items=[{"quantity": 1}]), "items[0].price"),
    ("price not in catalog", lambda p: body_with(p, items=[item(p, price="price_nope")]), "items[0].price"),
    ("quantity zero", lambda p: body_with(p, items=[item(p, quantity=0)]), "items[0].quantity"),
    ("quantity too big", lambda p: body_with(p, items=[item(p, quantity=10_001)]), "items[0].quantity"),
    ("quantity fractional", lambda p: body_with(p, items=[item(p, quantity=1.5)]), "items[0].quantity"),
    ("quantity boolean", lambda p: body_with(p, items=[item(p, quantity=True)]), "items[0].quantity"),
    ("quantity string", lambda p: body_with(p, items=[item(p, quantity="2")]), "items[0].quantity"),
    ("client-set amount", lambda p: body_with(p, items=[item(p, unit_amount=1)]), "items[0].unit_amount"),
    ("days zero", lambda p: body_with(p, days_until_due=0), "days_until_due"),
    ("days too many", lambda p: body_with(p, days_until_due=366), "days_until_due"),
    ("days not a number", lambda p: body_with(p, days_until_due="30"), "days_until_due"),
    ("description too long", lambda p: body_with(p, description="d" * 501), "description"),
    ("five custom fields", lambda p: body_with(p, custom_fields=[{"name": "a", "value": "b"}] * 5), "custom_fields"),
    ("custom field shape", lambda p: body_with(p, custom_fields=[{"name": "PO"}]), "custom_fields[0]"),
    ("custom field name long", lambda p: body_with(p, custom_fields=[{"name": "n" * 41, "value": "v"}]), "custom_fields[0].name"),
    ("custom field value empty", lambda p: body_with(p, custom_fields=[{"name": "PO", "value": " "}]), "custom_fields[0].value"),
    ("unknown field", lambda p: body_with(p, amount=1), "amount"),
    ("body not an object", lambda p: [1, 2], None),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make", "field"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_answers_400_with_its_field(sqlite_api, emulator, case, make, field):
    prices = sqlite_api.prices()
    emulator.reset_calls()
    answer = sqlite_api.post("/invoices", make(prices))
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["field"] == field and error["code"] == "invalid" and error["message"]
    assert emulator.calls == []
    assert sqlite_api.get("/invoices").json()["data"] == []


def test_mixed_currencies_are_refused(sqlite_api, emulator, client):
    euro = client.v1.prices.create(
        {"currency": "eur", "unit_amount": 900, "product_data": {"name": "Euro thing"}}
    )
    prices = sqlite_api.prices()
    sqlite_api.live.app.extensions["catalog"] = catalog.Catalog()  # one that sees the new price
    body = body_with(prices, items=[item(prices), {"price": euro.id, "quantity": 1}])
    answer = sqlite_api.post("/invoices", body)
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "items"
    assert "one currency" in answer.json()["error"]["message"]


def test_non_json_is_415_and_bad_json_is_400(sqlite_api):
    form = requests.post(f"{sqlite_api.url}/invoices", data={"email": GOOD_EMAIL}, timeout=10)
    assert form.status_code == 415
    assert form.json()["error"]["code"] == "unsupported_media_type"
    broken = requests.post(
        f"{sqlite_api.url}/invoices",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid_json"


def test_email_is_normalised_and_case_insensitive(sqlite_api):
    sent = sqlite_api.send("  Jo.Bloggs@Example.COM ").json()
    assert sent["email"] == "jo.bloggs@example.com"
