"""Refunds and the customer's balance over HTTP against the emulator: a paid invoice's credit
note refunded (the default), credited to the balance that the next invoice uses, or split;
refunds that wait or fail; refunds made behind the server's back, by webhook, by
`charge.refunded` alone, and by reconciliation."""

import pytest

from tests.helpers import wait_for


def credit(api, invoice_id, body, **kwargs):
    return api.post(f"/invoices/{invoice_id}/credit-notes", body, **kwargs)


def paid(api, emulator, email, outcome="succeed"):
    """An invoice of 2,000 sent and paid on the hosted page, as the record has it."""
    sent = api.send(email).json()
    emulator.simulate_payment(sent["id"], outcome)
    return api.wait(sent["id"], status="paid")


def settled(api, invoice_id, **expected):
    """The invoice once every delivery so far is in."""
    return api.wait(invoice_id, **expected)


def test_a_credit_note_on_a_paid_invoice_is_refunded_by_default(api, emulator, client):
    invoice = paid(api, emulator, "refund@example.com")
    answer = credit(api, invoice["id"], {"amount": 700, "reason": "product_unsatisfactory"})
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert (note["type"], note["post_payment_amount"], note["refund_amount"]) == (
        "post_payment",
        700,
        700,
    )
    assert note["credit_amount"] == note["out_of_band_amount"] == 0
    shown = api.invoice(invoice["id"])
    assert shown["amount_refunded"] == 700 and shown["amount_credited"] == 700
    assert shown["status"] == "paid" and shown["amount_paid"] == 2000
    (refund,) = shown["refunds"]
    assert refund["amount"] == 700 and refund["status"] == "succeeded"
    assert refund["credit_note"] == note["id"]
    charge = client.v1.charges.list({"customer": invoice["customer"]}).data[0]
    assert charge.amount_refunded == 700


def test_credit_to_the_balance_is_used_by_the_next_invoice(sqlite_api, emulator):
    invoice = paid(sqlite_api, emulator, "balance@example.com")
    answer = credit(sqlite_api, invoice["id"], {"amount": 500, "credit_amount": 500})
    assert answer.status_code == 201, answer.text
    assert answer.json()["credit_amount"] == 500 and answer.json()["refund_amount"] == 0
    customer = sqlite_api.get(f"/customers/{invoice['customer']}").json()
    assert (customer["balance"], customer["currency"]) == (-500, "usd")
    assert sqlite_api.invoice(invoice["id"])["amount_refunded"] == 0

    following = sqlite_api.send("balance@example.com").json()
    assert following["customer"] == invoice["customer"]
    assert following["total"] == 2000 and following["starting_balance"] == -500
    assert following["amount_due"] == following["amount_remaining"] == 1500
    wait_for(lambda: sqlite_api.get(f"/customers/{invoice['customer']}").json()["balance"] == 0)


def test_a_split_that_does_not_add_up_is_a_400_and_nothing_is_made(sqlite_api, emulator, client):
    invoice = paid(sqlite_api, emulator, "split@example.com")
    body = {"amount": 900, "refund_amount": 400, "credit_amount": 400}
    for path in ("credit-notes", "credit-notes/preview"):
        answer = sqlite_api.post(f"/invoices/{invoice['id']}/{path}", body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["field"] in (
            "refund_amount",
            "credit_amount",
            "out_of_band_amount",
            "amount",
        )
    assert client.v1.credit_notes.list({"invoice": invoice["id"]}).data == []
    split = {"amount": 900, "refund_amount": 400, "credit_amount": 300, "out_of_band_amount": 200}
    answer = credit(sqlite_api, invoice["id"], split)
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert (note["refund_amount"], note["credit_amount"], note["out_of_band_amount"]) == (
        400,
        300,
        200,
    )


def test_an_invoice_paid_outside_stripe_has_nothing_to_refund(sqlite_api, client):
    sent = sqlite_api.send("cheque@example.com").json()
    assert sqlite_api.post(f"/invoices/{sent['id']}/mark-paid").status_code == 200
    answer = credit(sqlite_api, sent["id"], {"amount": 300})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == "refund_amount"
    assert client.v1.credit_notes.list({"invoice": sent["id"]}).data == []
    answer = credit(sqlite_api, sent["id"], {"amount": 300, "credit_amount": 300})
    assert answer.status_code == 201, answer.text


def test_a_part_paid_invoice_gets_a_mixed_credit_note(sqlite_api, emulator):
    sent = sqlite_api.send("part@example.com").json()
    emulator.simulate_payment(sent["id"], "succeed", amount=1500)
    shown = sqlite_api.wait(sent["id"], amount_paid=1500, amount_remaining=500)
    assert shown["status"] == "open"
    # The payment's own event (invoice_payment.paid) may come after the invoice's.
    wait_for(lambda: len(sqlite_api.invoice(sent["id"])["payments"]) == 1)
    answer = credit(sqlite_api, sent["id"], {"amount": 800})
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert (note["type"], note["pre_payment_amount"], note["post_payment_amount"]) == (
        "mixed",
        500,
        300,
    )
    assert note["refund_amount"] == 300
    shown = sqlite_api.invoice(sent["id"])
    assert shown["status"] == "paid" and shown["amount_refunded"] == 300


def test_a_refund_made_behind_the_servers_back_reaches_the_record(sqlite_api, emulator):
    invoice = paid(sqlite_api, emulator, "dashboard-refund@example.com")
    emulator.refund_invoice(invoice["id"], 600)  # as someone in Stripe's Dashboard would
    shown = settled(sqlite_api, invoice["id"], amount_refunded=600)
    (refund,) = shown["refunds"]
    assert refund["credit_note"] is None and refund["status"] == "succeeded"
    assert shown["amount_credited"] == 0 and shown["status"] == "paid"


def test_charge_refunded_alone_brings_the_refunds(sqlite_api, emulator):
    invoice = paid(sqlite_api, emulator, "charge-only@example.com")
    emulator.deliverer.wait_idle(timeout=10)
    emulator.drop_deliveries("refund.created", times=5)
    emulator.refund_invoice(invoice["id"], 250)
    shown = settled(sqlite_api, invoice["id"], amount_refunded=250)
    assert [r["amount"] for r in shown["refunds"]] == [250]


def test_reconcile_brings_missed_refunds(sqlite_api, emulator):
    invoice = paid(sqlite_api, emulator, "missed-refund@example.com")
    emulator.deliverer.wait_idle(timeout=10)
    emulator.drop_deliveries("*", times=50)
    emulator.refund_invoice(invoice["id"], 400)
    emulator.deliverer.wait_idle(timeout=10)
    assert sqlite_api.invoice(invoice["id"])["amount_refunded"] == 0
    runner = sqlite_api.live.app.test_cli_runner()
    assert runner.invoke(args=["reconcile"]).exit_code == 0
    shown = sqlite_api.invoice(invoice["id"])
    assert shown["amount_refunded"] == 400 and len(shown["refunds"]) == 1


def test_a_refund_that_fails_gives_its_amount_back(sqlite_api, emulator):
    invoice = paid(sqlite_api, emulator, "refund-fails@example.com", "succeed_refunds_fail")
    answer = credit(sqlite_api, invoice["id"], {"amount": 500})
    assert answer.status_code == 201, answer.text
    # It begins as succeeded, as Stripe's test card does, and fails later (maybe already).
    (made,) = sqlite_api.invoice(invoice["id"])["refunds"]
    assert made["amount"] == 500 and made["status"] in ("succeeded", "failed")
    shown = settled(sqlite_api, invoice["id"], amount_refunded=0)
    (refund,) = shown["refunds"]
    assert refund["status"] == "failed" and refund["failure_reason"]
    assert shown["amount_credited"] == 500  # the credit note stands; its refund failed


def test_a_delayed_payments_refund_waits_then_succeeds(sqlite_api, emulator):
    sent = sqlite_api.send("bank-refund@example.com").json()
    emulator.simulate_payment(sent["id"], "delayed")
    sqlite_api.wait(sent["id"], status="paid")
    # Long enough that the refund is still pending when the credit note's answer is read.
    emulator.processing_seconds = 2
    answer = credit(sqlite_api, sent["id"], {"amount": 2000})
    assert answer.status_code == 201, answer.text
    assert sqlite_api.invoice(sent["id"])["refunds"][0]["status"] == "pending"
    wait_for(lambda: sqlite_api.invoice(sent["id"])["refunds"][0]["status"] == "succeeded")
    assert sqlite_api.invoice(sent["id"])["amount_refunded"] == 2000


@pytest.mark.parametrize("more", [1, 2000])
def test_no_more_is_refunded_than_was_paid(sqlite_api, emulator, client, more):
    invoice = paid(sqlite_api, emulator, "over-refund@example.com")
    assert credit(sqlite_api, invoice["id"], {"amount": 2000}).status_code == 201
    answer = credit(sqlite_api, invoice["id"], {"amount": more})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "amount"
    assert len(client.v1.credit_notes.list({"invoice": invoice["id"]}).data) == 1


def test_a_credit_by_line_on_a_paid_invoice_is_refunded_by_default(sqlite_api, emulator):
    invoice = paid(sqlite_api, emulator, "line-refund@example.com")
    line = invoice["lines"][0]
    body = {"lines": [{"line": line["line"], "quantity": 1}]}
    preview = sqlite_api.post(f"/invoices/{invoice['id']}/credit-notes/preview", body)
    assert preview.status_code == 200, preview.text
    assert preview.json()["refund_amount"] == line["amount"] // line["quantity"]
    answer = credit(sqlite_api, invoice["id"], body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["refund_amount"] == line["amount"] // line["quantity"]


def test_a_retry_after_the_credit_paid_the_invoice_gets_the_same_credit_note(sqlite_api):
    sent = sqlite_api.send("retry-credit@example.com").json()
    headers = {"Idempotency-Key": "credit-all"}
    first = credit(sqlite_api, sent["id"], {"amount": 2000}, headers=headers)
    assert first.status_code == 201, first.text
    assert sqlite_api.invoice(sent["id"])["status"] == "paid"  # nothing left owed
    again = credit(sqlite_api, sent["id"], {"amount": 2000}, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = credit(sqlite_api, sent["id"], {"amount": 5}, headers=headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_reused"


def test_the_default_split_follows_stripe_not_a_record_behind(sqlite_hook, emulator):
    # No webhook reaches this server: the record still says open when Stripe has it paid.
    sent = sqlite_hook.send("behind@example.com").json()
    emulator.simulate_payment(sent["id"], "succeed")
    assert sqlite_hook.invoice(sent["id"])["status"] == "open"
    answer = credit(sqlite_hook, sent["id"], {"amount": 700})
    assert answer.status_code == 201, answer.text
    assert answer.json()["refund_amount"] == 700


def test_refunds_made_by_a_dashboard_credit_note_name_it(sqlite_api, emulator):
    invoice = paid(sqlite_api, emulator, "dashboard-note@example.com")
    note = emulator.issue_credit_note(invoice["id"], 300, refund_amount=300)
    shown = settled(sqlite_api, invoice["id"], amount_refunded=300, amount_credited=300)
    wait_for(lambda: sqlite_api.invoice(invoice["id"])["refunds"][0]["credit_note"] == note["id"])
    assert len(shown["refunds"]) == 1


def test_a_credit_note_id_stripe_could_never_make_is_a_404(api):
    assert api.post("/credit-notes/cn_%00x/void").status_code == 404
