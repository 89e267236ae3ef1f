"""invoice_actions.py over HTTP: marking an invoice paid outside Stripe (`paid_out_of_band`)."""

import pytest


def test_mark_paid_records_the_money_paid_outside_stripe_without_a_receipt(hook, emulator, client):
    sent = hook.send("transfer@example.com").json()
    emails = len(emulator.outbox(invoice=sent["id"]))
    answer = hook.post(f"/invoices/{sent['id']}/mark-paid", {"memo": "Bank transfer 4711"})
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert shown["status"] == "paid" and shown["amount_remaining"] == 0
    assert shown["amount_paid_off_stripe"] == sent["amount_due"] == 2000
    assert shown["paid_off_stripe_memo"] == "Bank transfer 4711"
    assert client.v1.invoices.retrieve(sent["id"]).status == "paid"
    assert len(emulator.outbox(invoice=sent["id"])) == emails  # no receipt
    assert hook.invoice(sent["id"])["amount_paid_off_stripe"] == 2000
    # Once paid, a second marking is a conflict and changes nothing.
    again = hook.post(f"/invoices/{sent['id']}/mark-paid", {"memo": "twice"})
    assert again.status_code == 409
    assert hook.invoice(sent["id"])["paid_off_stripe_memo"] == "Bank transfer 4711"


def test_an_uncollectible_invoice_can_still_be_marked_paid(sqlite_hook):
    sent = sqlite_hook.send("late-transfer@example.com").json()
    assert sqlite_hook.post(f"/invoices/{sent['id']}/mark-uncollectible").status_code == 200
    answer = sqlite_hook.post(f"/invoices/{sent['id']}/mark-paid")
    assert answer.status_code == 200 and answer.json()["status"] == "paid"
    assert answer.json()["amount_paid_off_stripe"] == 2000
    assert answer.json()["paid_off_stripe_memo"] is None


def test_mark_paid_reads_stripe_first(sqlite_hook, emulator):
    sent = sqlite_hook.send("paid-by-card@example.com").json()
    emulator.simulate_payment(sent["id"], "succeed")  # the webhook never arrives (hook)
    answer = sqlite_hook.post(f"/invoices/{sent['id']}/mark-paid")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "invalid_state"
    shown = sqlite_hook.invoice(sent["id"])
    assert shown["status"] == "paid" and shown["amount_paid_off_stripe"] == 0


@pytest.mark.parametrize(
    ("memo", "reason"),
    [(7, "not text"), ("m" * 501, "too long"), ("a\x00b", "control character")],
)
def test_a_bad_memo_is_a_400_naming_it_and_nothing_is_marked(sqlite_hook, client, memo, reason):
    sent = sqlite_hook.send("memo@example.com").json()
    answer = sqlite_hook.post(f"/invoices/{sent['id']}/mark-paid", {"memo": memo})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "memo", reason
    assert client.v1.invoices.retrieve(sent["id"]).status == "open"


def test_mark_paid_of_a_void_or_unknown_invoice(sqlite_hook):
    sent = sqlite_hook.send("void@example.com").json()
    assert sqlite_hook.post(f"/invoices/{sent['id']}/void").status_code == 200
    assert sqlite_hook.post(f"/invoices/{sent['id']}/mark-paid").status_code == 409
    assert sqlite_hook.post("/invoices/in_nope/mark-paid").status_code == 404
