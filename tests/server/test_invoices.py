"""web/invoices.py, the invoices' JSON routes, over HTTP against the emulator on SQLite and
PostgreSQL: an invoice's shape here and at Stripe, payments arriving by webhook, the list (newest
first, by email, by `?since=` cursor), void and mark uncollectible, and the 404s and 409s."""

import time

import pytest

from invoicing.record import invoices
from invoicing.web import invoices as invoice_routes
from tests.helpers import wait_for


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


def test_list_since_cursor_returns_only_changes(sqlite_api, emulator):
    first = sqlite_api.send("a@example.com").json()
    assert emulator.deliverer.wait_idle()  # the send's webhooks change the row too
    listed = sqlite_api.get("/invoices").json()
    assert [i["id"] for i in listed["data"]] == [first["id"]] and listed["cursor"] > 0
    recent = sqlite_api.get("/invoices", params={"since": listed["cursor"]}).json()
    assert [i["id"] for i in recent["data"]] == [first["id"]]  # within the overlap window
    later = listed["cursor"] + invoice_routes.CURSOR_OVERLAP + 1
    assert sqlite_api.get("/invoices", params={"since": later}).json()["data"] == []
    bad = sqlite_api.get("/invoices", params={"since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "since"


def test_a_burst_of_changes_larger_than_a_page_reaches_a_poller(sqlite_api):
    count = 150  # a page holds 100
    created = int(time.time()) - 100
    with sqlite_api.live.app.extensions["db"].begin() as db:
        for n in range(count):
            invoices.record_invoice(
                db,
                {"id": f"in_burst{n:04d}", "status": "open", "customer": "cus_burst",
                 "email": "burst@example.com", "amount_due": 100, "amount_paid": 0,
                 "currency": "usd", "created": created + n, "lines": []},
            )  # fmt: skip
    cursor = sqlite_api.get("/invoices").json()["cursor"]
    time.sleep(0.01)
    with sqlite_api.live.app.extensions["db"].begin() as db:
        for n in range(count):  # oldest first: the newest page alone would miss 50
            invoices.advance_status(db, f"in_burst{n:04d}", "void")
    seen, pages = {}, 0
    while pages < 5:
        page = sqlite_api.get("/invoices", params={"since": cursor}).json()
        pages += 1
        seen.update({i["id"]: i["status"] for i in page["data"]})
        cursor = page["cursor"]
        if not page.get("has_more"):
            break
    assert len(seen) == count and set(seen.values()) == {"void"}
    assert pages == 2
