"""record/event_log.py on SQLite and PostgreSQL: an event stored once by its id, with the body
Stripe signed, and its change made in the same unit of work only when the event is new."""

import json

from invoicing.record import event_log, invoices

T = 1_760_000_000


def an_event(event_id="evt_1", type_="invoice.finalized", created=T):
    return {"id": event_id, "type": type_, "created": created}


def body(event, **extra):
    """The bytes Stripe signed for `event`."""
    return json.dumps({**event, "data": {"object": {"object": "invoice", **extra}}}).encode()


def store(engine, event, payload, change=None, invoice_id="in_1"):
    """Take an event in as the webhook does: one unit of work begun by begin_event."""
    with engine.connect() as db, event_log.begin_event(db):
        return event_log.store_event(db, event, invoice_id, payload, change)


def status(engine):
    with engine.connect() as db:
        return invoices.get_invoice(db, "in_1").status


def a_draft(engine):
    with engine.begin() as db:
        invoices.record_invoice(
            db,
            {"id": "in_1", "status": "draft", "customer": "cus_1", "email": "jo@example.com",
             "amount_due": 2000, "amount_paid": 0, "currency": "usd", "created": T, "lines": []},
        )  # fmt: skip


def test_an_event_is_stored_once_and_a_duplicate_changes_nothing(engine):
    a_draft(engine)
    event = an_event()
    signed = body(event, status="open")
    assert store(engine, event, signed, invoices.status_change("in_1", "open")) == (True, True)
    assert status(engine) == "open"
    # The same id again, whatever it carries: not stored, and its change not made.
    again = store(engine, event, body(event, status="void"), invoices.status_change("in_1", "void"))
    assert again == (False, False)
    assert status(engine) == "open"
    with engine.connect() as db:
        kept = event_log.get_event(db, "evt_1")
    assert kept.payload == signed.decode() and kept.type == "invoice.finalized"
    assert kept.invoice_id == "in_1" and kept.created == T


def test_a_new_event_whose_change_moves_nothing_is_stored_unchanged(engine):
    a_draft(engine)
    store(engine, an_event("evt_open"), b"{}", invoices.status_change("in_1", "open"))
    late = an_event("evt_draft", "invoice.updated", T - 60)
    assert store(engine, late, b"{}", invoices.status_change("in_1", "draft")) == (True, False)
    assert status(engine) == "open"


def test_an_event_without_a_change_or_a_known_invoice_is_still_stored(engine):
    assert store(engine, an_event("evt_other", "customer.created"), b"{}", None, None) == (
        True,
        False,
    )
    # A change for an invoice this record never had moves nothing.
    change = invoices.status_change("in_unknown", "paid")
    assert store(engine, an_event("evt_paid"), b"{}", change, "in_unknown") == (True, False)
    with engine.connect() as db:
        assert event_log.get_event(db, "evt_other").invoice_id is None
        assert event_log.get_event(db, "evt_paid").invoice_id == "in_unknown"


def test_the_events_of_an_invoice_come_oldest_first(engine):
    a_draft(engine)
    for event_id, created in (("evt_b", T + 5), ("evt_c", T + 9), ("evt_a", T + 5)):
        store(engine, an_event(event_id, "invoice.updated", created), b"{}")
    store(engine, an_event("evt_elsewhere", "invoice.updated", T), b"{}", None, "in_2")
    with engine.connect() as db:
        found = event_log.events_for(db, "in_1")
    assert [e["id"] for e in found] == ["evt_a", "evt_b", "evt_c"]
    assert found[0] == {"id": "evt_a", "type": "invoice.updated", "created": T + 5}
