"""Credit notes over HTTP (invoicing/money/credit_notes.py and web/credit_notes.py) against the
emulator: issued here, previewed, voided, refused, and made behind the server's back."""

import time

import pytest

from invoicing.record import credit_notes
from tests.helpers import HOOK_SECRET, post_signed, wait_for


def credit(api, invoice_id, body, **kwargs):
    return api.post(f"/invoices/{invoice_id}/credit-notes", body, **kwargs)


def test_a_credit_note_on_an_open_invoice_lowers_what_is_owed(hook, client):
    sent = hook.send("credited@example.com").json()
    answer = credit(hook, sent["id"], {"amount": 500, "reason": "order_change", "memo": "Late"})
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert note["id"].startswith("cn_") and note["invoice"] == sent["id"]
    assert (note["status"], note["type"], note["amount"]) == ("issued", "pre_payment", 500)
    assert note["pre_payment_amount"] == 500 and note["post_payment_amount"] == 0
    assert note["reason"] == "order_change" and note["memo"] == "Late"
    shown = hook.invoice(sent["id"])
    assert shown["status"] == "open" and shown["amount_remaining"] == 1500
    assert shown["amount_credited"] == 500
    assert [n["id"] for n in shown["credit_notes"]] == [note["id"]]
    assert client.v1.invoices.retrieve(sent["id"]).amount_remaining == 1500


def test_a_preview_makes_nothing(sqlite_hook, client):
    sent = sqlite_hook.send("preview@example.com").json()
    answer = sqlite_hook.post(f"/invoices/{sent['id']}/credit-notes/preview", {"amount": 700})
    assert answer.status_code == 200, answer.text
    assert answer.json()["amount"] == 700 and answer.json()["type"] == "pre_payment"
    assert client.v1.credit_notes.list({"invoice": sent["id"]}).data == []
    shown = sqlite_hook.invoice(sent["id"])
    assert shown["credit_notes"] == [] and shown["amount_remaining"] == 2000


def test_more_than_can_still_be_credited_is_a_400_and_nothing_is_made(sqlite_hook, client):
    sent = sqlite_hook.send("too-much@example.com").json()
    assert credit(sqlite_hook, sent["id"], {"amount": 1500}).status_code == 201
    answer = credit(sqlite_hook, sent["id"], {"amount": 501})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "amount"
    assert len(client.v1.credit_notes.list({"invoice": sent["id"]}).data) == 1
    assert sqlite_hook.invoice(sent["id"])["amount_credited"] == 1500


def test_an_idempotency_key_gives_the_same_credit_note(sqlite_hook, client):
    sent = sqlite_hook.send("key@example.com").json()
    headers = {"Idempotency-Key": "credit-once"}
    first = credit(sqlite_hook, sent["id"], {"amount": 300}, headers=headers)
    again = credit(sqlite_hook, sent["id"], {"amount": 300}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(client.v1.credit_notes.list({"invoice": sent["id"]}).data) == 1
    other = credit(sqlite_hook, sent["id"], {"amount": 400}, headers=headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_reused"


def test_a_void_invoice_cannot_be_credited(sqlite_hook):
    sent = sqlite_hook.send("void-credit@example.com").json()
    assert sqlite_hook.post(f"/invoices/{sent['id']}/void").status_code == 200
    assert credit(sqlite_hook, sent["id"], {"amount": 100}).status_code == 409
    assert credit(sqlite_hook, "in_nope", {"amount": 100}).status_code == 404


def test_voiding_a_credit_note_restores_what_is_owed(sqlite_hook):
    sent = sqlite_hook.send("void-note@example.com").json()
    note = credit(sqlite_hook, sent["id"], {"amount": 800}).json()
    answer = sqlite_hook.post(f"/credit-notes/{note['id']}/void")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "void" and answer.json()["voided_at"]
    shown = sqlite_hook.invoice(sent["id"])
    assert shown["amount_remaining"] == 2000 and shown["amount_credited"] == 0
    assert sqlite_hook.post("/credit-notes/cn_nope/void").status_code == 404


def test_a_paid_invoice_is_credited_out_of_band(sqlite_hook, emulator):
    sent = sqlite_hook.send("paid-credit@example.com").json()
    assert sqlite_hook.post(f"/invoices/{sent['id']}/mark-paid").status_code == 200
    body = {"amount": 600, "out_of_band_amount": 600, "reason": "product_unsatisfactory"}
    answer = credit(sqlite_hook, sent["id"], body)
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert note["type"] == "post_payment" and note["post_payment_amount"] == 600
    assert note["out_of_band_amount"] == 600 and note["refund_amount"] == 0
    assert sqlite_hook.invoice(sent["id"])["amount_credited"] == 600


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "amount"), ({"amount": 0}, "amount"), ({"amount": True}, "amount"),
     ({"amount": "5"}, "amount"), ({"amount": 5, "reason": "because"}, "reason"),
     ({"amount": 5, "memo": "m" * 5001}, "memo"), ({"amount": 5, "memo": "a\x00"}, "memo"),
     ({"amount": 5, "out_of_band_amount": -1}, "out_of_band_amount"),
     ({"amount": 5, "to": 1}, "to"), ({"lines": []}, "lines"), ({"lines": {}}, "lines"),
     ({"lines": [{"line": "il_x"}]}, "lines[0]"), ({"lines": ["il_x"]}, "lines[0]"),
     ({"lines": [{"line": "il_x", "quantity": 1, "amount": 5}]}, "lines[0]"),
     ({"lines": [{"line": "il x", "quantity": 1}]}, "lines[0].line"),
     ({"lines": [{"line": "il_x", "quantity": 0}]}, "lines[0].quantity"),
     ({"lines": [{"line": "il_x", "amount": -5}]}, "lines[0].amount"),
     ({"lines": [{"line": "il_x", "quantity": 1, "price": "p"}]}, "lines[0].price"),
     ({"lines": [{"line": "il_x", "quantity": 1}, {"line": "il_x", "amount": 1}]}, "lines"),
     ({"lines": [{"line": "il_nope", "quantity": 1}]}, "lines[0].line")],
)  # fmt: skip
def test_a_bad_body_is_a_400_naming_its_field(sqlite_hook, client, body, field):
    sent = sqlite_hook.send("bad-credit@example.com").json()
    for path in ("credit-notes", "credit-notes/preview"):
        answer = sqlite_hook.post(f"/invoices/{sent['id']}/{path}", body)
        assert answer.status_code == 400 and answer.json()["error"]["field"] == field, body
    assert client.v1.credit_notes.list({"invoice": sent["id"]}).data == []


def test_a_credit_note_made_behind_the_servers_back_reaches_the_record(sqlite_api, emulator):
    sent = sqlite_api.send("dashboard@example.com").json()
    emulator.issue_credit_note(sent["id"], 250)  # as someone in Stripe's Dashboard would
    # The credit note's event and the invoice's (its new amounts), both by webhook, in
    # whichever order they arrive.
    shown = wait_for(
        lambda: (
            (found := sqlite_api.invoice(sent["id"]))["amount_credited"] == 250
            and found["amount_remaining"] == 1750
            and found
        )
    )
    assert len(shown["credit_notes"]) == 1


def test_reconcile_brings_a_missed_credit_note(sqlite_api, emulator):
    sent = sqlite_api.send("missed-credit@example.com").json()
    emulator.drop_deliveries("*", times=50)
    emulator.issue_credit_note(sent["id"], 400)
    emulator.deliverer.wait_idle(timeout=10)
    assert sqlite_api.invoice(sent["id"])["amount_credited"] == 0
    runner = sqlite_api.live.app.test_cli_runner()
    assert runner.invoke(args=["reconcile"]).exit_code == 0
    shown = sqlite_api.invoice(sent["id"])
    assert shown["amount_credited"] == 400 and shown["amount_remaining"] == 1600


def test_a_credit_note_of_an_invoice_sent_elsewhere_is_only_stored(sqlite_hook):
    note = {"id": "cn_elsewhere", "object": "credit_note", "invoice": "in_elsewhere",
            "status": "issued", "type": "pre_payment", "currency": "usd", "amount": 100,
            "pre_payment_amount": 100, "post_payment_amount": 0, "out_of_band_amount": None,
            "created": int(time.time())}  # fmt: skip
    event = {"id": "evt_cn_elsewhere", "type": "credit_note.created",
             "created": int(time.time()), "data": {"object": note}}  # fmt: skip
    answer = post_signed(f"{sqlite_hook.url}/webhook", event, HOOK_SECRET)
    assert answer.status_code == 200 and answer.json()["outcome"] == "unchanged"
    engine = sqlite_hook.live.app.extensions["db"]
    with engine.connect() as db:
        assert credit_notes.get_credit_note(db, "cn_elsewhere") is None


def test_reconcile_brings_a_missed_credit_note_when_every_invoice_is_paid(sqlite_api, emulator):
    # No unfinished invoice and no cursor yet: the pass still reads the events since the
    # record's first invoice.
    sent = sqlite_api.send("all-paid@example.com").json()
    assert sqlite_api.post(f"/invoices/{sent['id']}/mark-paid").status_code == 200
    emulator.deliverer.wait_idle(timeout=10)
    emulator.drop_deliveries("*", times=50)
    emulator.issue_credit_note(sent["id"], 300, out_of_band_amount=300)
    emulator.deliverer.wait_idle(timeout=10)
    assert sqlite_api.invoice(sent["id"])["amount_credited"] == 0
    runner = sqlite_api.live.app.test_cli_runner()
    assert runner.invoke(args=["reconcile"]).exit_code == 0
    assert sqlite_api.invoice(sent["id"])["amount_credited"] == 300


def test_a_lifecycle_event_delivered_late_does_not_undo_a_credit(sqlite_hook):
    sent = sqlite_hook.send("late-event@example.com").json()
    assert credit(sqlite_hook, sent["id"], {"amount": 500}).status_code == 201
    # invoice.finalized, made before the credit note in the same second, arrives after it.
    stale = {"id": sent["id"], "object": "invoice", "status": "open", "amount_due": 2000,
             "amount_remaining": 2000, "due_date": sent["due_date"]}  # fmt: skip
    event = {"id": "evt_late_finalized", "type": "invoice.finalized",
             "created": sent["created"], "data": {"object": stale}}  # fmt: skip
    assert post_signed(f"{sqlite_hook.url}/webhook", event, HOOK_SECRET).status_code == 200
    shown = sqlite_hook.invoice(sent["id"])
    assert shown["amount_remaining"] == 1500 and shown["amount_credited"] == 500


def test_a_credit_by_lines_names_the_invoices_lines(sqlite_hook, client):
    prices = sqlite_hook.prices()
    items = [{"price": prices["gold_special"]["id"], "quantity": 3},
             {"price": prices["setup_fee"]["id"], "quantity": 1}]  # fmt: skip
    sent = sqlite_hook.send("by-lines@example.com", items=items).json()
    gold, setup = sent["lines"]
    assert gold["line"].startswith("il_") and setup["line"].startswith("il_")
    body = {"lines": [{"line": gold["line"], "quantity": 2}], "reason": "order_change"}
    preview = sqlite_hook.post(f"/invoices/{sent['id']}/credit-notes/preview", body)
    assert preview.status_code == 200 and preview.json()["amount"] == 2 * gold["amount"] // 3
    answer = credit(sqlite_hook, sent["id"], body)
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert note["amount"] == 2 * gold["amount"] // 3
    assert [(line["quantity"], line["amount"]) for line in note["lines"]] == [(2, note["amount"])]
    # Once by quantity, a line is credited by quantity again, within what is left of it.
    by_amount = {"lines": [{"line": gold["line"], "amount": 100}]}
    refused = credit(sqlite_hook, sent["id"], by_amount)
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "lines[0].amount"
    too_many = {"lines": [{"line": gold["line"], "quantity": 2}]}
    refused = credit(sqlite_hook, sent["id"], too_many)
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "lines[0].quantity"
    assert len(client.v1.credit_notes.list({"invoice": sent["id"]}).data) == 1
    shown = sqlite_hook.invoice(sent["id"])
    assert shown["amount_remaining"] == sent["amount_due"] - note["amount"]


def test_lines_past_the_tenth_are_named_by_reconciliation(sqlite_api):
    gold = sqlite_api.prices()["gold_special"]["id"]
    sent = sqlite_api.send("many-lines@example.com", items=[{"price": gold, "quantity": 1}] * 12)
    assert sent.status_code == 201, sent.text
    lines = sent.json()["lines"]
    assert all("line" in line for line in lines[:10])
    assert not any("line" in line for line in lines[10:])
    runner = sqlite_api.live.app.test_cli_runner()
    assert runner.invoke(args=["reconcile"]).exit_code == 0
    named = [line["line"] for line in sqlite_api.invoice(sent.json()["id"])["lines"]]
    assert named[:10] == [line["line"] for line in lines[:10]]
    assert len(set(named)) == 12
    last = {"lines": [{"line": named[11], "quantity": 1}]}
    assert credit(sqlite_api, sent.json()["id"], last).status_code == 201
