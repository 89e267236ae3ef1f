"""sending/idempotency.py: a client's `Idempotency-Key` on POST /invoices: replays, conflicts,
retries after failures and take-over after a crash."""

import time

import pytest


def test_idempotency_key_replays_the_first_invoice(sqlite_api, emulator, client):
    body_key = {"Idempotency-Key": "order-1001"}
    first = sqlite_api.send(headers=body_key)
    assert first.status_code == 201
    emulator.reset_calls()
    again = sqlite_api.send(headers=body_key)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert emulator.calls == []  # no second invoice, no second email
    # The key reached Stripe, one derived key per step of the first try.
    assert {"order-1001:1:create", "order-1001:1:lines", "order-1001:1:send"} <= set(
        emulator.idempotency_keys()
    )
    other = sqlite_api.send("someone-else@example.com", headers=body_key)
    assert other.status_code == 409 and other.json()["error"]["field"] == "Idempotency-Key"
    assert len(client.v1.invoices.list().data) == 1
    bad = sqlite_api.send(headers={"Idempotency-Key": "x" * 201})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "step",
    ["customers.create", "invoices.create", "invoices.add_lines", "invoices.send_invoice"],
)
def test_stripe_failure_at_each_step_then_a_retry_with_the_same_key(
    sqlite_api, emulator, client, step
):
    sqlite_api.prices()
    emulator.fail(step)
    headers = {"Idempotency-Key": f"retry-{step}"}
    failed = sqlite_api.send("fresh@example.com", headers=headers)
    assert failed.status_code == 502
    assert "injected" in failed.json()["error"]["message"]
    assert client.v1.invoices.list().data == []  # no orphan draft
    retried = sqlite_api.send("fresh@example.com", headers=headers)
    assert retried.status_code == 201, retried.text
    invoices = client.v1.invoices.list().data
    assert [i.id for i in invoices] == [retried.json()["id"]] and invoices[0].status == "open"
    assert len(sqlite_api.get("/invoices").json()["data"]) == 1


def test_a_crashed_try_is_taken_over_with_its_own_stripe_keys(sqlite_api, emulator):
    from invoicing.errors import StateConflictError
    from invoicing.record import database, tables
    from invoicing.sending import idempotency

    engine = sqlite_api.live.app.extensions["db"]
    with database.begin(engine) as db:
        assert idempotency.claim(db, "crash-1", "h") == ("run", 1)
    # Its worker dies: the key stays locked, then goes stale.
    with pytest.raises(StateConflictError), database.begin(engine) as db:
        idempotency.claim(db, "crash-1", "h")
    with database.begin(engine) as db:
        db.execute(tables.idempotency_keys.update().values(locked_at=int(time.time()) - 3600))
    with database.begin(engine) as db:
        assert idempotency.claim(db, "crash-1", "h") == ("run", 1)  # same Stripe keys
        idempotency.release(db, "crash-1")  # a clean failure: fresh keys next time
    with database.begin(engine) as db:
        assert idempotency.claim(db, "crash-1", "h") == ("run", 2)
