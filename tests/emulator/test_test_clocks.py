"""test_clocks.py: test clocks made, read, listed, deleted and advanced; their customers' objects
and events stamped at the clock's time; and what advancing does to those customers' invoices
(due dates passed, automatic finalization, `invoice.will_be_due` and `invoice.overdue` when the
account's Automations are on)."""

import json

import pytest
import stripe
from werkzeug.test import Client

from stripe_emulator import Emulator
from tests.helpers import sdk_client, wait_for

DAY = 86400
# 14 November 2023: a frozen time far from the wall clock, so that a stamp shows which it is.
T0 = 1_700_000_000


def clock_events(client, since=0):
    """(type, created) of every event after the first `since`, oldest first."""
    listed = list(client.v1.events.list({"limit": 100}).auto_paging_iter())[::-1]
    return [(e.type, e.created) for e in listed[since:]]


def advanced(client, clock_id, frozen_time):
    """Advance a clock and wait until it is ready; the clock as it answered the advance."""
    answer = client.v1.test_helpers.test_clocks.advance(clock_id, {"frozen_time": frozen_time})
    wait_for(lambda: client.v1.test_helpers.test_clocks.retrieve(clock_id).status == "ready")
    return answer


@pytest.fixture
def clock(client):
    """A test clock frozen at T0."""
    return client.v1.test_helpers.test_clocks.create({"frozen_time": T0, "name": "Year end"})


@pytest.fixture
def clocked(client, clock):
    """A customer living at the clock's time."""
    return client.v1.customers.create({"email": "clocked@example.com", "test_clock": clock.id})


def sent_invoice(client, customer, price, days=30):
    """A send_invoice invoice of one $10.00 line, finalized and sent."""
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": days}
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price.id}}]})
    return client.v1.invoices.send_invoice(invoice.id)


def test_a_clock_is_made_read_listed_and_deleted_as_on_stripe(client, emulator):
    made = client.v1.test_helpers.test_clocks.create({"frozen_time": T0, "name": "Q4"})
    assert made.id.startswith("clock_") and made.object == "test_helpers.test_clock"
    assert (made.frozen_time, made.name, made.status, made.livemode) == (T0, "Q4", "ready", False)
    assert made.created == emulator.store.wall() and made.deletes_after == made.created + 7 * DAY
    assert made.to_dict()["status_details"] == {}
    other = client.v1.test_helpers.test_clocks.create({"frozen_time": T0 + DAY})
    assert other.name is None
    assert client.v1.test_helpers.test_clocks.retrieve(made.id).frozen_time == T0
    listed = client.v1.test_helpers.test_clocks.list({"limit": 1})
    assert [c.id for c in listed.data] == [other.id] and listed.has_more
    gone = client.v1.test_helpers.test_clocks.delete(made.id)
    assert gone.to_dict() == {"id": made.id, "object": "test_helpers.test_clock", "deleted": True}
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.test_helpers.test_clocks.retrieve(made.id)
    assert missing.value.http_status == 404 and f"No such test clock: '{made.id}'" in str(
        missing.value
    )
    types = [t for t, _ in clock_events(client)]
    assert types == ["test_helpers.test_clock.created"] * 2 + ["test_helpers.test_clock.deleted"]
    deleted_event = client.v1.events.list({"type": "test_helpers.test_clock.deleted"}).data[0]
    assert deleted_event.data.object.id == made.id and deleted_event.data.object.frozen_time == T0


def test_a_name_longer_than_stripe_allows_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.test_helpers.test_clocks.create({"frozen_time": T0, "name": "x" * 301})
    assert refused.value.param == "name"


def test_a_customer_on_a_clock_and_all_made_for_it_are_stamped_at_the_clock_time(
    client, emulator, clock, clocked, price
):
    assert (clocked.created, clocked.test_clock) == (T0, clock.id)
    since = len(clock_events(client))
    item = client.v1.invoice_items.create({"customer": clocked.id, "pricing": {"price": price.id}})
    assert (item.date, item.test_clock) == (T0, clock.id)
    invoice = sent_invoice(client, clocked, price, days=30)
    assert invoice.created == T0 and invoice.test_clock == clock.id
    assert invoice.status_transitions.finalized_at == T0
    # A send_invoice invoice's due date counts from the clock's time.
    assert invoice.due_date == T0 + 30 * DAY
    emulator.simulate_payment(invoice.id, "succeed", amount=500)
    charge = client.v1.charges.list({"customer": clocked.id}).data[0]
    assert charge.created == T0
    assert client.v1.payment_intents.retrieve(charge.payment_intent).created == T0
    note = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 300})
    assert note.created == T0
    refund = client.v1.refunds.create({"charge": charge.id, "amount": 100})
    assert refund.created == T0
    stamps = {created for _, created in clock_events(client, since)}
    assert stamps == {T0}, "every event about the clock's customer is at its time"
    # Nothing else moves: a customer without a clock lives at the wall clock.
    plain = client.v1.customers.create({"email": "plain@example.com"})
    assert plain.created == emulator.store.wall() and plain.test_clock is None


def test_customers_of_a_clock_are_listed_only_when_asked_for(client, clock, clocked, customer):
    assert [c.id for c in client.v1.customers.list().data] == [customer.id]
    assert [c.id for c in client.v1.customers.list({"test_clock": clock.id}).data] == [clocked.id]
    by_email = client.v1.customers.list({"email": "clocked@example.com", "test_clock": clock.id})
    assert [c.id for c in by_email.data] == [clocked.id]


def test_a_customer_on_a_clock_that_does_not_exist_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.create({"email": "a@example.com", "test_clock": "clock_missing"})
    assert refused.value.code == "resource_missing" and refused.value.param == "test_clock"


def test_an_existing_customer_can_be_attached_when_the_clock_is_made(client, customer):
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": T0, "customer": customer.id})
    assert client.v1.customers.retrieve(customer.id).test_clock == clock.id
    updated = client.v1.events.list({"type": "customer.updated"}).data[0]
    assert updated.created == T0
    assert updated.data.previous_attributes.to_dict() == {"test_clock": None}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.test_helpers.test_clocks.create({"frozen_time": T0, "customer": customer.id})
    assert refused.value.param == "customer"


def test_advancing_answers_advancing_then_the_clock_is_ready_at_the_new_time(client, clock):
    target = T0 + 90 * DAY
    answer = advanced(client, clock.id, target)
    assert answer.status == "advancing" and answer.frozen_time == T0
    assert answer.status_details.advancing.target_frozen_time == target
    ready = client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert (ready.status, ready.frozen_time, ready.to_dict()["status_details"]) == (
        "ready",
        target,
        {},
    )
    types = [t for t, _ in clock_events(client)]
    assert types[-2:] == ["test_helpers.test_clock.advancing", "test_helpers.test_clock.ready"]


@pytest.mark.parametrize(
    ("offset", "says"),
    [(0, "must be after"), (-DAY, "cannot go back"), (732 * DAY, "two years")],
)
def test_a_clock_refuses_to_go_back_stay_or_leap_past_two_years(client, clock, offset, says):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + offset})
    assert refused.value.param == "frozen_time" and says in str(refused.value)
    assert client.v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready"


def test_a_clock_that_is_advancing_cannot_advance_again(emulator, client, clock):
    emulator.processing_seconds = 5.0
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + DAY})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": T0 + 2 * DAY})
    assert "advancing" in str(refused.value)


def test_a_year_on_an_open_invoice_is_past_due_and_says_nothing_without_automations(
    client, clock, clocked, price
):
    invoice = sent_invoice(client, clocked, price)
    since = len(clock_events(client))
    advanced(client, clock.id, T0 + 365 * DAY)
    later = client.v1.invoices.retrieve(invoice.id)
    assert later.status == "open" and later.due_date < T0 + 365 * DAY
    assert [t for t, _ in clock_events(client, since)] == [
        "test_helpers.test_clock.advancing",
        "test_helpers.test_clock.ready",
    ]


def test_with_automations_an_open_invoice_is_announced_due_then_overdue_in_order(
    emulator, client, clock, clocked, price
):
    emulator.set_automations({"will_be_due": 3, "overdue": 2})
    invoice = sent_invoice(client, clocked, price, days=30)
    due = invoice.due_date
    since = len(clock_events(client))
    advanced(client, clock.id, T0 + 365 * DAY)
    events = clock_events(client, since)
    assert [t for t, _ in events] == [
        "test_helpers.test_clock.advancing",
        "invoice.will_be_due",
        "invoice.overdue",
        "test_helpers.test_clock.ready",
    ]
    assert events[1][1] == due - 3 * DAY and events[2][1] == due + 2 * DAY
    overdue = client.v1.events.list({"type": "invoice.overdue"}).data[0]
    assert overdue.data.object.id == invoice.id and overdue.data.object.status == "open"
    # Each is sent once: a later advance has nothing more to say about it.
    since = len(clock_events(client))
    advanced(client, clock.id, T0 + 400 * DAY)
    assert [t for t, _ in clock_events(client, since)][1:-1] == []


def test_a_paid_invoice_is_neither_due_nor_overdue(emulator, client, clock, clocked, price):
    emulator.set_automations(True)
    invoice = sent_invoice(client, clocked, price)
    client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
    advanced(client, clock.id, T0 + 365 * DAY)
    assert not client.v1.events.list({"type": "invoice.overdue"}).data
    assert not client.v1.events.list({"type": "invoice.will_be_due"}).data


def test_a_draft_with_automatic_advancement_is_finalized_and_sent_an_hour_after_it_was_made(
    emulator, client, clock, clocked, price
):
    emulator.set_automations({"will_be_due": None, "overdue": 0})
    auto = client.v1.invoices.create(
        {
            "customer": clocked.id,
            "collection_method": "send_invoice",
            "days_until_due": 10,
            "auto_advance": True,
        }
    )
    client.v1.invoices.add_lines(auto.id, {"lines": [{"pricing": {"price": price.id}}]})
    manual = client.v1.invoices.create(
        {"customer": clocked.id, "collection_method": "send_invoice", "days_until_due": 10}
    )
    since = len(clock_events(client))
    advanced(client, clock.id, T0 + 30 * 60)
    assert client.v1.invoices.retrieve(auto.id).status == "draft"  # not yet an hour
    advanced(client, clock.id, T0 + 30 * DAY)
    finalized = client.v1.invoices.retrieve(auto.id)
    assert finalized.status == "open" and finalized.status_transitions.finalized_at == T0 + 3600
    assert finalized.due_date == T0 + 3600 + 10 * DAY
    assert client.v1.invoices.retrieve(manual.id).status == "draft"
    stamped = [(t, c) for t, c in clock_events(client, since) if not t.startswith("test_")]
    assert stamped == [
        ("payment_intent.created", T0 + 3600),
        ("invoice.finalized", T0 + 3600),
        ("invoice.sent", T0 + 3600),
        # Finalized in this advance, it fell due in it too.
        ("invoice.overdue", T0 + 3600 + 10 * DAY),
    ]
    assert [e["kind"] for e in emulator.outbox(auto.id)] == ["invoice"]


def test_deleting_a_clock_deletes_its_customers_at_its_time(client, clock, clocked, customer):
    client.v1.test_helpers.test_clocks.delete(clock.id)
    assert client.v1.customers.retrieve(clocked.id).deleted is True
    assert "deleted" not in client.v1.customers.retrieve(customer.id).to_dict()
    event = client.v1.events.list({"type": "customer.deleted"}).data[0]
    assert event.data.object.id == clocked.id and event.created == T0


def test_lists_filtered_by_creation_time_stay_right_beside_a_clock(client, clock, clocked):
    # Events at the clock's time (in the past) lie between events at the wall clock's.
    early = client.v1.customers.create({"email": "early@example.com"})
    client.v1.customers.update(clocked.id, {"name": "Clocked"})
    late = client.v1.customers.create({"email": "late@example.com"})
    recent = client.v1.events.list({"created": {"gte": early.created}, "limit": 100})
    ids = {e.data.object.id for e in recent.data}
    assert early.id in ids and late.id in ids and clocked.id not in ids
    past = client.v1.events.list({"created": {"lte": T0}})
    assert {e.type for e in past.data} == {"customer.created", "customer.updated"}


def test_the_automations_control_turns_them_on_and_off(emulator):
    def control(method, body=None):
        data = json.dumps(body) if body is not None else None
        answer = Client(emulator).open(
            "/_emulator/automations", method=method, data=data, content_type="application/json"
        )
        return answer.status_code, answer.get_json()

    assert control("GET") == (200, {"automations": None})
    on = {"automations": {"will_be_due": 7, "overdue": 5}}
    assert control("POST", {"overdue": 5}) == (200, on)
    assert emulator.store.automations == on["automations"]
    status, refused = control("POST", {"overdue": -1})
    assert status == 400 and "overdue" in refused["error"]["message"]
    status, refused = control("POST", {"weekly": 1})
    assert status == 400 and refused["error"]["param"] == "weekly"
    assert control("DELETE") == (200, {"automations": None})


def test_automations_given_at_start_are_checked():
    assert Emulator(automations=True).store.automations == {"will_be_due": 7, "overdue": 1}
    with pytest.raises(ValueError):
        Emulator(automations={"overdue": "soon"})


def test_a_state_file_keeps_clocks_and_the_wall_clock_does_not_jump_to_theirs(tmp_path):
    path = tmp_path / "state.jsonl"
    first = Emulator(state_file=str(path), processing_seconds=0.05)
    client = sdk_client(first)
    future = first.store.wall() + 200 * DAY
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": future})
    clocked = client.v1.customers.create({"email": "c@example.com", "test_clock": clock.id})
    first.close()
    second = Emulator(state_file=str(path), processing_seconds=0.05)
    try:
        client = sdk_client(second)
        plain = client.v1.customers.create({"email": "p@example.com"})
        assert plain.created < future, "the wall clock stays the wall clock's"
        assert client.v1.customers.retrieve(clocked.id).created == future
        item = client.v1.invoice_items.create(
            {"customer": clocked.id, "amount": 500, "currency": "usd"}
        )
        assert item.date == future
        advanced(client, clock.id, future + DAY)
        assert client.v1.test_helpers.test_clocks.retrieve(clock.id).frozen_time == future + DAY
    finally:
        second.close()


def test_events_at_a_clock_time_expire_by_the_wall_clock_as_all_events_do():
    now = [1_800_000_000.0]
    emulator = Emulator(clock=lambda: now[0])
    try:
        client = sdk_client(emulator)
        clock = client.v1.test_helpers.test_clocks.create({"frozen_time": T0})
        now[0] += 31 * DAY  # the clock's own event expires: the next one is the oldest
        client.v1.customers.create({"email": "old@example.com", "test_clock": clock.id})
        assert [e.type for e in client.v1.events.list().data] == ["customer.created"]
        # Stamped years before the wall clock, the event is still new: it is kept.
        assert client.v1.events.list({"type": "customer.created"}).data[0].created == T0
        now[0] += 31 * DAY
        assert not client.v1.events.list({"type": "customer.created"}).data
    finally:
        emulator.close()
