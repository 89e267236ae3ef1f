"""The server and the emulator end to end, over HTTP, on SQLite and PostgreSQL."""

import pytest

from tests.helpers import served, wait_for

SEND_NEW = ["customers.create", "invoices.create", "invoices.add_lines", "invoices.send_invoice"]


@pytest.mark.parametrize("count", [1, 250])
def test_sends_in_4_calls_for_a_new_customer_and_3_for_a_known_one(api, emulator, count):
    gold = api.prices()["gold_special"]
    items = [{"price": gold["id"], "quantity": 3}] * count
    emulator.reset_calls()
    first = api.send("New@Example.com", items)
    assert first.status_code == 201, first.text
    assert emulator.calls == SEND_NEW
    emulator.reset_calls()
    second = api.send("new@example.COM", items)
    assert second.status_code == 201
    assert emulator.calls == SEND_NEW[1:]
    invoice = second.json()
    assert invoice["status"] == "open" and invoice["number"]
    assert invoice["amount_due"] == count * 3 * 1000 and invoice["currency"] == "usd"
    assert len(invoice["lines"]) == count
    assert invoice["lines"][0] == {
        "price": gold["id"],
        "description": "Gold Special",
        "quantity": 3,
        "amount": 3000,
    }
    assert invoice["customer"] == first.json()["customer"]
    assert second.headers["Location"] == f"/invoices/{invoice['id']}"


def test_invoice_shape_and_stripe_side(api, emulator, client):
    sent = api.send(
        name="Jo Bloggs",
        days_until_due=14,
        description="Thanks for your business",
        custom_fields=[{"name": "PO number", "value": "PO-7"}],
    ).json()
    assert set(sent) >= {
        "id", "number", "status", "payment", "customer", "email", "amount_due", "amount_paid",
        "currency", "due_date", "hosted_invoice_url", "invoice_pdf", "lines", "created", "updated",
    }  # fmt: skip
    stripe_side = client.v1.invoices.retrieve(sent["id"])
    assert stripe_side.collection_method == "send_invoice"
    assert stripe_side.due_date == sent["due_date"]
    assert stripe_side.due_date - stripe_side.status_transitions.finalized_at == 14 * 86400
    assert stripe_side.description == "Thanks for your business"
    assert stripe_side.custom_fields[0].value == "PO-7"
    assert client.v1.customers.retrieve(sent["customer"]).name == "Jo Bloggs"
    assert stripe_side.automatic_tax.enabled is False


def test_automatic_tax_is_turned_on_by_config(emulator, sqlite_url, client):
    with served(emulator, sqlite_url, AUTOMATIC_TAX=True) as api:
        sent = api.send().json()
    assert client.v1.invoices.retrieve(sent["id"]).automatic_tax.enabled is True


def test_paid_arrives_by_webhook(api, emulator):
    sent = api.send().json()
    emulator.simulate_payment(sent["id"], "succeed")
    paid = api.wait(sent["id"], status="paid")
    assert paid["payment"] == "succeeded" and paid["amount_paid"] == 2000
    wait_for(lambda: "invoice.paid" in [e["type"] for e in api.invoice(sent["id"])["events"]])


def test_failed_then_paid(api, emulator):
    sent = api.send().json()
    emulator.simulate_payment(sent["id"], "fail")
    failed = api.wait(sent["id"], payment="failed")
    assert failed["status"] == "open"
    emulator.simulate_payment(sent["id"], "succeed")
    api.wait(sent["id"], status="paid", payment="succeeded")


def test_delayed_payment_goes_processing_then_paid(api, emulator):
    sent = api.send().json()
    emulator.simulate_payment(sent["id"], "delayed")
    processing = api.wait(sent["id"], payment="processing")
    assert processing["status"] == "open"
    api.wait(sent["id"], status="paid", payment="succeeded")


@pytest.mark.parametrize(
    ("action", "status"), [("void", "void"), ("mark-uncollectible", "uncollectible")]
)
def test_void_and_mark_uncollectible(sqlite_api, emulator, client, action, status):
    api = sqlite_api
    sent = api.send().json()
    done = api.post(f"/invoices/{sent['id']}/{action}")
    assert done.status_code == 200 and done.json()["status"] == status
    assert client.v1.invoices.retrieve(sent["id"]).status == status
    again = api.post(f"/invoices/{sent['id']}/{action}")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"


@pytest.mark.parametrize("action", ["void", "mark-uncollectible"])
def test_paid_invoice_cannot_be_closed(sqlite_api, emulator, action):
    api = sqlite_api
    sent = api.send().json()
    emulator.simulate_payment(sent["id"], "succeed")
    api.wait(sent["id"], status="paid")
    refused = api.post(f"/invoices/{sent['id']}/{action}")
    assert refused.status_code == 409
    assert set(refused.json()["error"]) == {"message", "field", "code"}


def test_conflict_found_at_stripe_is_409(sqlite_api, emulator, client):
    api = sqlite_api
    sent = api.send().json()
    # Paid at Stripe, with the webhook not yet here: Stripe refuses, and that is a conflict.
    emulator.deliverer.close()
    client.v1.invoices.pay(sent["id"], {"paid_out_of_band": True})
    refused = api.post(f"/invoices/{sent['id']}/void")
    assert refused.status_code == 409 and "paid" in refused.json()["error"]["message"]


def test_unknown_invoice_is_404(sqlite_api):
    for response in (
        sqlite_api.get("/invoices/in_nope"),
        sqlite_api.post("/invoices/in_nope/void"),
        sqlite_api.post("/invoices/in_nope/mark-uncollectible"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("step", ["invoices.add_lines", "invoices.send_invoice"])
def test_stripe_failure_deletes_the_draft(sqlite_api, emulator, client, step):
    api = sqlite_api
    api.prices()
    emulator.fail(step, times=3)  # past the SDK's own retries
    failed = api.send()
    assert failed.status_code == 502
    assert set(failed.json()["error"]) == {"message", "field", "code"}
    assert client.v1.invoices.list().data == []
    assert api.get("/invoices").json()["data"] == []


def test_list_is_newest_first_and_filters_by_email(api):
    first = api.send("a@example.com").json()
    second = api.send("b@example.com").json()
    third = api.send("A@example.com").json()
    listed = [i["id"] for i in api.get("/invoices").json()["data"]]
    assert listed == [third["id"], second["id"], first["id"]]
    for_a = [
        i["id"] for i in api.get("/invoices", params={"email": "A@Example.com"}).json()["data"]
    ]
    assert for_a == [third["id"], first["id"]]


def test_config_prices_and_health(sqlite_api):
    config = sqlite_api.get("/config").json()
    assert config == {"publishableKey": "", "mode": "emulator", "daysUntilDue": 30}
    prices = sqlite_api.prices()
    assert prices["gold_special"]["product"] == "Gold Special"
    assert prices["gold_special"]["unit_amount"] == 1000
    assert set(prices) == {"gold_special", "consulting_hour", "setup_fee"}
    assert sqlite_api.get("/healthz").json() == {"ok": True}
    assert sqlite_api.get("/").status_code == 200


def test_deleted_customer_is_made_again(sqlite_api, client):
    first = sqlite_api.send("gone@example.com").json()
    client.v1.customers.delete(first["customer"])
    again = sqlite_api.send("gone@example.com")
    assert again.status_code == 201 and again.json()["customer"] != first["customer"]
