"""sending/send.py over HTTP against the emulator: the Stripe calls a send makes (3 for a known
customer, 4 for a new one), the send recorded before its first call and finished with its
invoice, a failure that ends with nothing at Stripe and nothing here, and a repeated
Idempotency-Key replayed from the record."""

import pytest
import stripe

from invoicing import stripe_calls
from tests.helpers import rows, served

SEND_NEW = ["customers.create", "invoices.create", "invoices.add_lines", "invoices.send_invoice"]


@pytest.mark.parametrize("count", [1, 250])
def test_sends_in_4_calls_for_a_new_customer_and_3_for_a_known_one(api, emulator, client, count):
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
    first_line = client.v1.invoices.line_items.list(invoice["id"], {"limit": 1}).data[0]
    assert invoice["lines"][0] == {
        "price": gold["id"],
        "description": "Gold Special",
        "quantity": 3,
        "amount": 3000,
        "line": first_line.id,
    }
    # The answer names the first ten lines; reconciliation the rest, with no call here.
    assert sum("line" in line for line in invoice["lines"]) == min(count, 10)
    assert invoice["customer"] == first.json()["customer"]
    assert second.headers["Location"] == f"/invoices/{invoice['id']}"


def test_automatic_tax_is_turned_on_by_config(emulator, sqlite_url, client):
    address = {"line1": "1 Main St", "city": "Austin", "postal_code": "78701", "country": "US"}
    with served(emulator, sqlite_url, AUTOMATIC_TAX=True) as api:
        # Stripe Tax cannot place a customer without an address: the finalization fails, and
        # the send leaves nothing behind, at Stripe or here.
        refused = api.send("nowhere@example.com")
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["field"] == "customer.address"
        assert client.v1.invoices.list().data == []
        assert api.get("/invoices").json()["data"] == []
        sent = api.send("somewhere@example.com", customer={"address": address}).json()
    stripe_side = client.v1.invoices.retrieve(sent["id"])
    assert stripe_side.automatic_tax.enabled is True and stripe_side.status == "open"


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


def test_deleted_customer_is_made_again(sqlite_api, client):
    first = sqlite_api.send("gone@example.com").json()
    client.v1.customers.delete(first["customer"])
    again = sqlite_api.send("gone@example.com")
    assert again.status_code == 201 and again.json()["customer"] != first["customer"]


def test_a_send_is_recorded_before_stripe_and_finished_with_its_invoice(api, client):
    sent = api.send("record@example.com")
    assert sent.status_code == 201, sent.text
    invoice_id = sent.json()["id"]
    ((send_id, state, recorded_invoice),) = rows(api, "SELECT id, state, invoice_id FROM sends")
    assert (state, recorded_invoice) == ("done", invoice_id)
    at_stripe = client.v1.invoices.retrieve(invoice_id)
    # The draft named its send, so that a repair can find it; Stripe never advances it alone.
    assert at_stripe.metadata[stripe_calls.SEND_METADATA] == send_id
    assert at_stripe.auto_advance is False and at_stripe.status == "open"
    assert rows(api, "SELECT id, status FROM invoices") == [(invoice_id, "open")]


def test_a_failed_add_lines_leaves_no_draft_at_stripe_and_nothing_here(api, emulator, client):
    api.prices()
    emulator.fail("invoices.add_lines")
    emulator.reset_calls()
    failed = api.send("fails@example.com")
    assert failed.status_code == 502, failed.text
    assert failed.json()["error"]["code"] == "stripe_error"
    # The draft was made, then deleted once the failure was read back from Stripe.
    assert emulator.calls[:2] == ["customers.create", "invoices.create"]
    assert emulator.calls[-1] == "invoices.delete"
    (deleted,) = client.v1.events.list({"type": "invoice.deleted"}).data
    draft_id = deleted.data.object.id
    assert client.v1.invoices.list().data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.retrieve(draft_id)
    # Nothing here but the send, rolled back, and the customer (kept for the next send).
    assert rows(api, "SELECT count(*) FROM invoices") == [(0,)]
    assert rows(api, "SELECT state, invoice_id FROM sends") == [("rolled_back", draft_id)]
    assert api.get("/invoices").json()["data"] == []


def test_a_failed_create_leaves_nothing_pending_and_the_next_send_works(
    sqlite_api, emulator, client
):
    sqlite_api.prices()
    emulator.fail("invoices.create")
    assert sqlite_api.send("later@example.com").status_code == 502
    assert rows(sqlite_api, "SELECT state, invoice_id FROM sends") == [("rolled_back", None)]
    assert client.v1.invoices.list().data == []
    again = sqlite_api.send("later@example.com")
    assert again.status_code == 201, again.text
    assert [i.id for i in client.v1.invoices.list().data] == [again.json()["id"]]


def test_a_repeated_idempotency_key_replays_the_recorded_invoice(sqlite_api, emulator):
    key = {"Idempotency-Key": "order-2001"}
    first = sqlite_api.send("replay@example.com", headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    emulator.reset_calls()
    again = sqlite_api.send("replay@example.com", headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again.headers["Location"] == first.headers["Location"]
    assert emulator.calls == []
    # One send, named by the key and its first try, and the key remembers its invoice.
    invoice_id = first.json()["id"]
    assert rows(sqlite_api, "SELECT id, state, invoice_id FROM sends") == [
        ("order-2001:1", "done", invoice_id)
    ]
    assert rows(sqlite_api, "SELECT key, invoice_id FROM idempotency_keys") == [
        ("order-2001", invoice_id)
    ]
