"""Each amount with its own time (record/history.py): receivables as of a past moment after part
payments, credit notes issued and voided, and a paid invoice; events signed as Stripe's, with
the times they would carry."""

import time

from tests.helpers import HOOK_SECRET, post_signed


def deliver(api, type_, snapshot, created):
    body = {"id": f"evt_{type_}_{time.time_ns()}", "type": type_, "created": created,
            "data": {"object": snapshot}}  # fmt: skip
    answer = post_signed(f"{api.url}/webhook", body, HOOK_SECRET)
    assert answer.status_code == 200, answer.text


def owed(api, as_of):
    answer = api.get("/receivables", params={"as_of": as_of})
    assert answer.status_code == 200, answer.text
    rows = {row["currency"]: row for row in answer.json()["data"]}
    return rows["usd"]["total"] if "usd" in rows else 0


def payment(invoice, amount, paid_at, number=1):
    return {"id": f"inpay_{invoice['id']}_{number}", "object": "invoice_payment",
            "invoice": invoice["id"], "amount_paid": amount, "currency": "usd",
            "status": "paid",
            "payment": {"type": "payment_intent", "payment_intent": f"pi_{number}"},
            "status_transitions": {"paid_at": paid_at, "canceled_at": None}}  # fmt: skip


def amounts(invoice, status="open", **changed):
    return {"id": invoice["id"], "object": "invoice", "status": status, "amount_due": 2000,
            "amount_paid": 0, "amount_remaining": 2000, **changed}  # fmt: skip


def note(invoice, status, created, voided_at=None):
    return {"id": f"cn_{invoice['id']}", "object": "credit_note", "invoice": invoice["id"],
            "status": status, "type": "pre_payment", "currency": "usd", "amount": 200,
            "pre_payment_amount": 200, "post_payment_amount": 0, "out_of_band_amount": None,
            "created": created, "voided_at": voided_at}  # fmt: skip


def test_a_part_payment_counts_from_its_own_time(sqlite_hook):
    sent = sqlite_hook.send("history@example.com").json()
    start = int(time.time()) + 5
    deliver(sqlite_hook, "invoice_payment.paid", payment(sent, 1500, start + 1000), start + 1000)
    changed = amounts(sent, amount_paid=1500, amount_remaining=500)
    deliver(sqlite_hook, "invoice.payment_succeeded", changed, start + 1000)
    assert sqlite_hook.invoice(sent["id"])["payments"] == [
        {"id": f"inpay_{sent['id']}_1", "amount": 1500, "paid_at": start + 1000}
    ]
    assert owed(sqlite_hook, start + 500) == 2000
    assert owed(sqlite_hook, start + 1000) == 500

    # A credit note in force from its issue to its voiding.
    deliver(sqlite_hook, "credit_note.created", note(sent, "issued", start + 3000), start + 3000)
    lowered = amounts(sent, amount_due=1800, amount_paid=1500, amount_remaining=300)
    deliver(sqlite_hook, "invoice.updated", lowered, start + 3000)
    assert owed(sqlite_hook, start + 2000) == 500
    assert owed(sqlite_hook, start + 3500) == 300
    voided = note(sent, "void", start + 3000, voided_at=start + 4000)
    deliver(sqlite_hook, "credit_note.voided", voided, start + 4000)
    deliver(sqlite_hook, "invoice.updated", amounts(sent, amount_paid=1500, amount_remaining=500),
            start + 4000)  # fmt: skip
    assert owed(sqlite_hook, start + 3500) == 300
    assert owed(sqlite_hook, start + 4500) == 500
    assert owed(sqlite_hook, start + 500) == 2000


def test_a_paid_invoice_owed_what_was_left_before_its_last_payment(sqlite_hook):
    sent = sqlite_hook.send("history-paid@example.com").json()
    start = int(time.time()) + 5
    deliver(sqlite_hook, "invoice_payment.paid", payment(sent, 800, start + 100), start + 100)
    deliver(sqlite_hook, "invoice.payment_succeeded",
            amounts(sent, amount_paid=800, amount_remaining=1200), start + 100)  # fmt: skip
    deliver(sqlite_hook, "invoice_payment.paid", payment(sent, 1200, start + 200, 2), start + 200)
    paid = amounts(sent, "paid", amount_paid=2000, amount_remaining=0,
                   status_transitions={"paid_at": start + 200})  # fmt: skip
    deliver(sqlite_hook, "invoice.paid", paid, start + 200)
    assert sqlite_hook.invoice(sent["id"])["status"] == "paid"
    assert owed(sqlite_hook, start + 50) == 2000
    assert owed(sqlite_hook, start + 150) == 1200
    assert owed(sqlite_hook, start + 250) == 0


def test_an_older_customer_snapshot_does_not_undo_a_newer_balance(sqlite_hook):
    sent = sqlite_hook.send("balance-order@example.com").json()
    now = int(time.time())
    customer = {"id": sent["customer"], "object": "customer", "currency": "usd"}
    deliver(sqlite_hook, "customer.updated", {**customer, "balance": -700}, now + 10)
    deliver(sqlite_hook, "customer.updated", {**customer, "balance": -300}, now + 5)
    assert sqlite_hook.get(f"/customers/{sent['customer']}").json()["balance"] == -700
