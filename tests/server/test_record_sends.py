"""record/sends.py on SQLite and PostgreSQL: a send recorded before its first Stripe call, owned
by the caller that started it until it has been left untouched for `abandoned_after` seconds,
then taken over by one caller only; and the drafts no send owns any more."""

import time

import pytest

from invoicing.record import invoices, sends, tables

ABANDONED_AFTER = 120
REQUEST = {
    "invoice": {"customer": "cus_1", "currency": "usd", "metadata": {"send": "send_1"}},
    "lines": [{"pricing": {"price": "price_1"}, "quantity": 2}],
    "record": {"email": "jo@example.com", "name": "Jo", "description": None, "lines": []},
}


def start(engine, send_id="send_1", key=None):
    with engine.begin() as db:
        return sends.start_send(db, send_id, "cus_1", REQUEST, key, ABANDONED_AFTER)


def untouched_for(engine, seconds, send_id="send_1"):
    """As if the send's process had done nothing for `seconds` (it died, say)."""
    with engine.begin() as db:
        db.execute(
            tables.sends.update()
            .where(tables.sends.c.id == send_id)
            .values(touched=int(time.time()) - seconds)
        )


def get(engine, send_id="send_1"):
    with engine.connect() as db:
        return sends.get_send(db, send_id)


def test_a_send_is_recorded_pending_and_owned_by_its_caller(engine):
    row, mine = start(engine, key="order-1")
    assert mine is True
    assert (row.state, row.customer, row.invoice_id, row.idempotency_key) == (
        "pending",
        "cus_1",
        None,
        "order-1",
    )
    assert row.request == REQUEST and row.created == row.touched


def test_a_live_send_started_again_is_not_owned_by_the_second_caller(engine):
    start(engine)
    row, mine = start(engine)
    assert mine is False and row.state == "pending"


def test_an_abandoned_send_is_taken_over_by_one_caller_only(engine):
    start(engine)
    untouched_for(engine, ABANDONED_AFTER - 5)
    assert start(engine)[1] is False  # not abandoned yet
    untouched_for(engine, ABANDONED_AFTER + 5)
    row, mine = start(engine)
    assert mine is True and row.touched >= int(time.time()) - 1
    # The take-over touched it: the next caller finds it alive again.
    assert start(engine)[1] is False
    with engine.begin() as db:
        assert sends.claim_send(db, "send_1", int(time.time()) - ABANDONED_AFTER) is False


@pytest.mark.parametrize("state", ["done", "rolled_back"])
def test_only_a_pending_send_can_be_claimed_or_is_stale(engine, state):
    start(engine)
    with engine.begin() as db:
        sends.touch_send(db, "send_1", state=state)
    untouched_for(engine, 3600)
    with engine.begin() as db:
        assert sends.claim_send(db, "send_1", int(time.time())) is False
        assert sends.stale_sends(db, int(time.time())) == []
    assert start(engine)[1] is False


def test_stale_sends_are_the_pending_ones_untouched_since_then_oldest_first(engine):
    for send_id, idle in (("send_old", 600), ("send_older", 900), ("send_alive", 0)):
        start(engine, send_id)
        untouched_for(engine, idle, send_id)
    with engine.connect() as db:
        assert sends.stale_sends(db, int(time.time()) - 300) == ["send_older", "send_old"]


def test_a_new_customer_is_written_into_the_request_the_send_replays(engine):
    start(engine)
    with engine.begin() as db:
        sends.touch_send(db, "send_1", customer="cus_2", invoice_id="in_1")
    row = get(engine)
    assert (row.customer, row.invoice_id, row.request["invoice"]["customer"]) == (
        "cus_2",
        "in_1",
        "cus_2",
    )
    assert row.request["lines"] == REQUEST["lines"] and row.request["record"] == REQUEST["record"]


def test_orphan_drafts_are_old_local_drafts_no_pending_send_works_on(engine):
    with engine.begin() as db:
        for invoice_id, status in (
            ("in_orphan", "draft"),
            ("in_owned", "draft"),
            ("in_open", "open"),
        ):
            invoices.record_invoice(
                db,
                {"id": invoice_id, "status": status, "customer": "cus_1",
                 "email": "jo@example.com", "amount_due": 2000, "amount_paid": 0,
                 "currency": "usd", "created": int(time.time()), "lines": []},
            )  # fmt: skip
    start(engine, "send_owner")
    with engine.begin() as db:
        sends.touch_send(db, "send_owner", invoice_id="in_owned")
        assert sends.orphan_drafts(db, int(time.time()) + 10) == ["in_orphan"]
        assert sends.orphan_drafts(db, int(time.time()) - 60) == []  # recorded too recently
