"""webhook.py (with events.py behind it): `POST /webhook` verifies, stores once, and the record
never moves backwards."""

import json
import time

import pytest
import requests

from tests.helpers import generate_header, serve_api

OLD_SECRET = "whsec_old_secret_0123456789"
NEW_SECRET = "whsec_new_secret_0123456789"


@pytest.fixture
def hook(emulator, upgraded_url):
    """A server with two configured secrets (a roll) and no emulator deliveries."""
    yield from serve_api(emulator, upgraded_url, STRIPE_WEBHOOK_SECRETS=[OLD_SECRET, NEW_SECRET])


def stored_events(api):
    with api.live.app.extensions["db"].connect() as connection:
        return [row[0] for row in connection.exec_driver_sql("SELECT id FROM events")]


def event(invoice_id, event_type, created=None, **fields):
    created = int(time.time()) if created is None else created
    return {
        "id": f"evt_{event_type.replace('.', '_')}_{created}_{invoice_id}",
        "object": "event",
        "type": event_type,
        "created": created,
        "data": {"object": {"id": invoice_id, "object": "invoice", **fields}},
    }


def processing(intent, created):
    """A payment_intent.processing event for this PaymentIntent."""
    return {
        **event("pi_x", "payment_intent.processing", created),
        "data": {"object": {"id": intent, "object": "payment_intent"}},
    }


def payment_intent_of(api, invoice_id):
    """The PaymentIntent of the invoice's payment, as Stripe has it."""
    found = api.live.app.extensions["stripe"].v1.invoices.retrieve(
        invoice_id, {"expand": ["payments"]}
    )
    return found.payments.data[0].payment.payment_intent


def deliver(api, payload, secret=OLD_SECRET, timestamp=None, header=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if header is not False:
        headers["Stripe-Signature"] = header or generate_header(body, secret, timestamp)
    return requests.post(f"{api.url}/webhook", data=body, headers=headers, timeout=10)


def test_paid_event_marks_the_invoice_paid(hook):
    sent = hook.send().json()
    answer = deliver(hook, event(sent["id"], "invoice.paid", status="paid", amount_paid=2000))
    assert answer.status_code == 200 and answer.json()["outcome"] == "applied"
    shown = hook.invoice(sent["id"])
    assert shown["status"] == "paid" and shown["payment"] == "succeeded"
    assert shown["amount_paid"] == 2000
    assert [e["type"] for e in shown["events"]] == ["invoice.paid"]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("wrong secret", "invalid_signature"),
        ("missing header", "signature_missing"),
        ("stale timestamp", "invalid_signature"),
        ("garbage header", "invalid_signature"),
        ("non-ASCII header", "invalid_signature"),
        ("tampered body", "invalid_signature"),
    ],
)
def test_unverified_bodies_are_refused_and_not_stored(hook, case, code):
    payload = event("in_x", "invoice.paid")
    body = json.dumps(payload).encode()
    if case == "wrong secret":
        answer = deliver(hook, body, secret="whsec_not_ours_0123456789")
    elif case == "missing header":
        answer = deliver(hook, body, header=False)
    elif case == "stale timestamp":
        answer = deliver(hook, body, timestamp=int(time.time()) - 600)
    elif case == "garbage header":
        answer = deliver(hook, body, header="t=abc,v1=nope")
    elif case == "non-ASCII header":
        # The SDK compares signatures with hmac.compare_digest, which raises on non-ASCII text.
        answer = deliver(hook, body, header=f"t={int(time.time())},v1=\xe9")
    else:
        header = generate_header(body, OLD_SECRET)
        answer = deliver(hook, body.replace(b"invoice.paid", b"invoice.void"), header=header)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert stored_events(hook) == []


def test_secret_roll_accepts_both_secrets(hook):
    for secret, suffix in ((OLD_SECRET, "a"), (NEW_SECRET, "b")):
        payload = event(f"in_{suffix}", "invoice.created")
        assert deliver(hook, payload, secret=secret).status_code == 200
    assert len(stored_events(hook)) == 2


def test_signed_but_malformed_json_is_400(hook):
    answer = deliver(hook, b"{not json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_json"
    shapeless = deliver(hook, {"id": "evt_1", "type": "invoice.paid"})
    assert shapeless.status_code == 400 and shapeless.json()["error"]["code"] == "bad_event"
    assert stored_events(hook) == []


def test_oversized_body_is_413(hook):
    body = b'{"pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    answer = deliver(hook, body)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    assert stored_events(hook) == []


def test_duplicate_is_200_and_changes_nothing(hook):
    sent = hook.send().json()
    paid = event(sent["id"], "invoice.paid", status="paid", amount_paid=2000)
    assert deliver(hook, paid).json()["outcome"] == "applied"
    before = hook.invoice(sent["id"])
    again = deliver(hook, paid)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert hook.invoice(sent["id"]) == before
    assert len(stored_events(hook)) == 1


def test_failed_after_paid_leaves_it_paid(hook):
    sent = hook.send().json()
    now = int(time.time())
    deliver(hook, event(sent["id"], "invoice.paid", now, status="paid", amount_paid=2000))
    late = deliver(hook, event(sent["id"], "invoice.payment_failed", now - 5, status="open"))
    assert late.status_code == 200 and late.json()["outcome"] == "unchanged"
    shown = hook.invoice(sent["id"])
    assert shown["status"] == "paid" and shown["payment"] == "succeeded"


def test_finalized_after_void_leaves_it_void(hook):
    sent = hook.send().json()
    now = int(time.time())
    deliver(hook, event(sent["id"], "invoice.voided", now, status="void"))
    deliver(hook, event(sent["id"], "invoice.finalized", now - 10, status="open"))
    deliver(hook, event(sent["id"], "invoice.paid", now + 1, status="paid"))
    assert hook.invoice(sent["id"])["status"] == "void"


def test_older_payment_attempt_never_overwrites_a_newer_one(hook):
    sent = hook.send().json()
    now = int(time.time())
    deliver(hook, event(sent["id"], "invoice.payment_failed", now, status="open"))
    # The processing event is older than the failure: the failure stands.
    older = processing(payment_intent_of(hook, sent["id"]), now - 30)
    deliver(hook, older)
    assert hook.invoice(sent["id"])["payment"] == "failed"
    newer = {**older, "id": "evt_processing_newer", "created": now + 30}
    deliver(hook, newer)
    assert hook.invoice(sent["id"])["payment"] == "processing"


def test_a_retry_in_the_failures_own_second_shows_processing(hook):
    sent = hook.send().json()
    now = int(time.time())
    intent = payment_intent_of(hook, sent["id"])
    deliver(hook, event(sent["id"], "invoice.payment_failed", now, status="open"))
    assert deliver(hook, processing(intent, now)).json()["outcome"] == "applied"
    assert hook.invoice(sent["id"])["payment"] == "processing"
    # And a failure of that attempt, heard of within the same second, is the latest again.
    failed_again = {**event(sent["id"], "invoice.payment_failed", now, status="open"),
                    "id": "evt_failed_again"}  # fmt: skip
    assert deliver(hook, failed_again).json()["outcome"] == "applied"
    assert hook.invoice(sent["id"])["payment"] == "failed"


def test_a_redelivered_failure_in_the_retrys_second_changes_nothing(hook):
    # On PostgreSQL the event's row and its change are one statement: the change must still
    # wait on the row going in, or this old failure would be the latest again.
    sent = hook.send().json()
    now = int(time.time())
    intent = payment_intent_of(hook, sent["id"])
    failed = event(sent["id"], "invoice.payment_failed", now, status="open")
    deliver(hook, failed)
    deliver(hook, processing(intent, now))
    assert deliver(hook, failed).json()["outcome"] == "duplicate"
    assert hook.invoice(sent["id"])["payment"] == "processing"


def test_after_an_event_the_next_unit_of_work_is_still_one_transaction(hook):
    # The event's statement commits by itself on PostgreSQL; the pool must not hand that on.
    sent = hook.send().json()
    deliver(hook, event(sent["id"], "invoice.paid", status="paid", amount_paid=2000))
    engine = hook.live.app.extensions["db"]
    assert engine.pool.checkedin() == 1  # the connection the event used is the next one out
    with pytest.raises(RuntimeError), engine.begin() as connection:
        connection.exec_driver_sql("UPDATE invoices SET number = 'CHANGED'")
        raise RuntimeError("the unit of work fails after its UPDATE")
    assert hook.invoice(sent["id"])["number"] != "CHANGED"


def test_processing_found_through_invoice_payments(hook):
    sent = hook.send().json()
    intent = payment_intent_of(hook, sent["id"])
    # Forget the local link, so the server must ask Stripe which invoice this pays.
    with hook.live.app.extensions["db"].begin() as connection:
        connection.exec_driver_sql("UPDATE invoices SET payment_intent = NULL")
    answer = deliver(hook, processing(intent, int(time.time())))
    assert answer.json()["outcome"] == "applied"
    assert hook.invoice(sent["id"])["payment"] == "processing"


def test_unknown_invoice_and_unknown_type_are_stored_and_200(hook):
    stranger = deliver(hook, event("in_from_stripe_trigger", "invoice.paid", status="paid"))
    assert stranger.status_code == 200 and stranger.json()["outcome"] == "unchanged"
    odd = deliver(hook, event("in_y", "customer.subscription.created"))
    assert odd.status_code == 200 and odd.json()["outcome"] == "ignored"
    assert len(stored_events(hook)) == 2
    assert hook.get("/invoices").json()["data"] == []
