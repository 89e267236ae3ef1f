"""Money events that are signed but malformed, or too large to add up: each answered 2xx or
4xx, never 5xx, and nothing of them recorded but what passes its checks (a credit note whose
lines or refunds are junk is kept, without them)."""

import time

import pytest

from tests.helpers import HOOK_SECRET, post_signed

HUGE = 2**63 - 1


def note(invoice_id, **changed):
    return {"id": "cn_odd", "object": "credit_note", "invoice": invoice_id, "status": "issued",
            "type": "post_payment", "currency": "usd", "amount": 100, "pre_payment_amount": 0,
            "post_payment_amount": 100, "out_of_band_amount": None,
            "created": int(time.time()), **changed}  # fmt: skip


ODD = [
    ("invoice_payment.paid", lambda i: {"id": "inpay_odd", "object": "invoice_payment",
     "invoice": i, "status": "paid", "amount_paid": 100, "currency": "usd",
     "status_transitions": [1]}),
    ("invoice_payment.paid", lambda i: {"id": "inpay_odd", "object": "invoice_payment",
     "invoice": i, "status": "paid", "amount_paid": HUGE, "currency": "usd",
     "payment": {"payment_intent": "pi_x"}, "status_transitions": {"paid_at": 1}}),
    ("credit_note.created", lambda i: note(i, lines=["x"])),
    ("credit_note.created", lambda i: note(i, lines={"data": "x"})),
    ("credit_note.created", lambda i: note(i, refunds=5)),
    ("credit_note.created", lambda i: note(i, refunds=[{"amount_refunded": 2**62}] * 3)),
    ("credit_note.created", lambda i: note(i, amount=HUGE)),
    ("refund.created", lambda i: {"id": "re_odd", "object": "refund", "amount": HUGE,
     "currency": "usd", "status": "succeeded", "payment_intent": "pi_of_it", "created": 1}),
    ("charge.refunded", lambda i: {"id": "ch_odd", "object": "charge", "payment_intent": 5}),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "make"), ODD)
def test_an_odd_money_event_is_answered_and_changes_nothing(sqlite_hook, kind, make):
    sent = sqlite_hook.send("odd@example.com").json()
    before = sqlite_hook.invoice(sent["id"])
    event = {"id": f"evt_odd_{time.time_ns()}", "type": kind, "created": int(time.time()),
             "data": {"object": make(sent["id"])}}  # fmt: skip
    answer = post_signed(f"{sqlite_hook.url}/webhook", event, HOOK_SECRET)
    assert answer.status_code < 500, answer.text
    after = sqlite_hook.invoice(sent["id"])
    assert after["amount_refunded"] == 0 and after["payments"] == [] and after["refunds"] == []
    assert after["amount_remaining"] == before["amount_remaining"]
    for kept in after["credit_notes"]:  # junk lines and refunds left out, the rest kept
        assert (kept["amount"], kept["lines"], kept["refund_amount"]) == (100, [], 0)
    assert after["amount_credited"] == 100 * len(after["credit_notes"])
