"""receivables.py and web/receivables.py over HTTP: overdue invoices, aging at any moment, the
status filter, and reminders (the route and the command)."""

import time

import pytest

from tests.helpers import HOOK_SECRET, post_signed

DAY = 86400


def event(api, type_, snapshot, created=None):
    body = {"id": f"evt_{type_}_{snapshot['id']}_{time.time_ns()}", "type": type_,
            "created": created or int(time.time()), "data": {"object": snapshot}}  # fmt: skip
    answer = post_signed(f"{api.url}/webhook", body, HOOK_SECRET)
    assert answer.status_code == 200
    return answer.json()


def aging(api, as_of):
    answer = api.get("/receivables", params={"as_of": as_of})
    assert answer.status_code == 200
    assert answer.json()["as_of"] == as_of
    return {row["currency"]: row for row in answer.json()["data"]}


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, "current"), (1, "overdue_1_30"), (30, "overdue_1_30"), (31, "overdue_31_60"),
     (60, "overdue_31_60"), (61, "overdue_61_90"), (90, "overdue_61_90"),
     (91, "overdue_over_90")],
)  # fmt: skip
def test_aging_buckets_at_their_boundaries(hook, days, bucket):
    sent = hook.send("aging@example.com", days_until_due=10).json()
    row = aging(hook, sent["due_date"] + days * DAY)["usd"]
    assert row[bucket] == 2000 and row["total"] == 2000 and row["count"] == 1
    others = {"current", "overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90"}
    assert all(row[b] == 0 for b in others - {bucket})
    # A started day counts: one second past due is one day overdue.
    assert aging(hook, sent["due_date"] + 1)["usd"]["overdue_1_30"] == 2000


def test_aging_per_currency_with_parts_paid_and_closed_invoices(hook, client):
    euro = client.v1.prices.create(
        {"currency": "eur", "unit_amount": 700, "product_data": {"name": "Euro item"}}
    )
    usd = hook.send("a@example.com", days_until_due=5).json()
    hook.send("b@example.com", items=[{"price": euro.id, "quantity": 3}], days_until_due=40)
    part = hook.send("c@example.com", days_until_due=5).json()
    paid = hook.send("d@example.com", days_until_due=5).json()
    # 500 of 2000 paid: the invoice stays open with 1500 remaining.
    event(hook, "invoice.payment_succeeded", {"id": part["id"], "object": "invoice",
          "status": "open", "amount_paid": 500, "amount_remaining": 1500})  # fmt: skip
    assert hook.invoice(part["id"])["amount_remaining"] == 1500
    paid_at = int(time.time()) + 3 * DAY
    event(hook, "invoice.paid", {"id": paid["id"], "object": "invoice", "status": "paid",
          "amount_paid": 2000, "amount_remaining": 0,
          "status_transitions": {"paid_at": paid_at}})  # fmt: skip

    later = usd["due_date"] + 20 * DAY
    report = aging(hook, later)
    assert report["usd"]["overdue_1_30"] == 2000 + 1500 and report["usd"]["count"] == 2
    assert report["eur"]["current"] == 2100 and report["eur"]["total"] == 2100
    # Before it was paid, the paid one was owed too (what it was due: no part-payment history).
    before = aging(hook, paid_at - 1)
    assert before["usd"]["count"] == 3 and before["usd"]["total"] == 2000 + 1500 + 2000
    # Before any was sent, nothing was owed.
    assert aging(hook, usd["created"] - 10) == {}


def test_aging_refuses_a_moment_that_is_not_unix_seconds(hook):
    for bad in ("soon", "-1", "1e9", "9" * 13):
        answer = hook.get("/receivables", params={"as_of": bad})
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "as_of"


def test_overdue_fields_and_the_status_filter(hook, client):
    late = hook.send("late@example.com", days_until_due=1).json()
    fresh = hook.send("fresh@example.com", days_until_due=30).json()
    voided = hook.send("void@example.com").json()
    hook.post(f"/invoices/{voided['id']}/void")
    assert late["overdue"] is False and late["days_overdue"] == 0
    # Due a day ago: moved back by a finalized event carrying Stripe's due date.
    event(hook, "invoice.finalized", {"id": late["id"], "object": "invoice", "status": "open",
          "due_date": int(time.time()) - DAY - 60})  # fmt: skip
    shown = hook.invoice(late["id"])
    assert shown["overdue"] is True and shown["days_overdue"] == 2

    def ids(status):
        listed = hook.get("/invoices", params={"status": status}).json()["data"]
        return [i["id"] for i in listed]

    assert ids("overdue") == [late["id"]]
    assert set(ids("open")) == {late["id"], fresh["id"]}
    assert ids("void") == [voided["id"]] and ids("paid") == []
    answer = hook.get("/invoices", params={"status": "late"})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "status"


def test_remind_has_stripe_send_an_open_invoice_again(hook, emulator):
    sent = hook.send("remind@example.com").json()
    emulator.reset_calls()
    answer = hook.post(f"/invoices/{sent['id']}/remind")
    assert answer.status_code == 200, answer.text
    # Stripe's status is read first: a reminder never follows a payment missed here.
    assert emulator.calls == ["invoices.retrieve", "invoices.send_invoice"]
    shown = answer.json()
    assert shown["reminder_count"] == 1 and abs(shown["reminded_at"] - time.time()) < 5
    assert hook.post(f"/invoices/{sent['id']}/remind").json()["reminder_count"] == 2


@pytest.mark.parametrize("state", ["paid", "void", "uncollectible"])
def test_remind_is_a_409_unless_open(hook, client, state):
    sent = hook.send(f"{state}@example.com").json()
    action = {"paid": "pay", "void": "void", "uncollectible": "mark-uncollectible"}[state]
    if state == "paid":
        event(hook, "invoice.paid", {"id": sent["id"], "object": "invoice", "status": "paid"})
    else:
        hook.post(f"/invoices/{sent['id']}/{action}")
    answer = hook.post(f"/invoices/{sent['id']}/remind")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "invalid_state"
    assert hook.post("/invoices/in_nope/remind").status_code == 404


def test_remind_is_a_409_for_a_draft(hook):
    sent = hook.send("draft@example.com").json()
    with hook.live.app.extensions["db"].begin() as connection:
        connection.exec_driver_sql("UPDATE invoices SET status = 'draft', status_rank = 0")
    assert hook.post(f"/invoices/{sent['id']}/remind").status_code == 409


def test_the_remind_command_picks_the_overdue_and_is_safe_twice(hook, emulator):
    runner = hook.live.app.test_cli_runner()
    due_soon = hook.send("soon@example.com", days_until_due=30).json()
    overdue = hook.send("overdue@example.com", days_until_due=3).json()
    # Exactly seven days past due: counted from the due date, not from the clock, so a send
    # that ends in a later second than it began cannot make it eight.
    seven_days_late = str(overdue["due_date"] + 7 * DAY)

    dry = runner.invoke(
        args=["remind", "--days-overdue", "7", "--as-of", seven_days_late, "--dry-run"]
    )
    assert dry.exit_code == 0, dry.output
    assert f"{overdue['id']} overdue@example.com 7 days overdue: would remind" in dry.output
    assert due_soon["id"] not in dry.output
    assert hook.invoice(overdue["id"])["reminder_count"] == 0

    emulator.reset_calls()
    first = runner.invoke(args=["remind", "--days-overdue", "7", "--as-of", seven_days_late])
    assert first.exit_code == 0 and "reminded 1 of 1 invoices" in first.output
    # Stripe's status is read first: a reminder never follows a payment missed here.
    assert emulator.calls == ["invoices.retrieve", "invoices.send_invoice"]
    again = runner.invoke(args=["remind", "--days-overdue", "7", "--as-of", seven_days_late])
    assert again.exit_code == 0 and "reminded 0 of 0 invoices" in again.output
    assert hook.invoice(overdue["id"])["reminder_count"] == 1
    # Too few days overdue: nothing.
    early = runner.invoke(args=["remind", "--days-overdue", "8", "--as-of", seven_days_late])
    assert "reminded 0 of 0" in early.output


def test_aging_now_reads_the_kept_sums_and_agrees_with_the_history(hook):
    """Without `as_of` the report comes from open_amounts (record/ddl.py): it follows sends,
    part payments, payments and voids as they are recorded, as the history does."""
    first = hook.send("now1@example.com", days_until_due=5).json()
    hook.send("now2@example.com", days_until_due=40).json()
    voided = hook.send("now3@example.com").json()
    event(hook, "invoice.payment_succeeded", {"id": first["id"], "object": "invoice",
          "status": "open", "amount_paid": 500, "amount_remaining": 1500})  # fmt: skip
    assert hook.post(f"/invoices/{voided['id']}/void").status_code == 200
    answer = hook.get("/receivables")
    assert answer.status_code == 200
    now = {row["currency"]: row for row in answer.json()["data"]}
    assert now["usd"]["total"] == 1500 + 2000 and now["usd"]["count"] == 2
    assert now == aging(hook, answer.json()["as_of"] + 1)
