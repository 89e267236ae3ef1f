"""What the emulator forgets, as Stripe does, by its own clock: events after 30 days, saved
`Idempotency-Key` answers after 24 hours; lazily, without scanning, and never brought back by the
state file."""

import time

import pytest
import stripe

from stripe_emulator import Emulator
from tests.helpers import sdk_client

DAY = 86400


class Clock:
    """The emulator's clock: real time plus an offset the test moves on."""

    def __init__(self):
        self.offset = 0

    def __call__(self):
        return time.time() + self.offset


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def timed(clock):
    """An emulator on `clock`, and a client."""
    emulator = Emulator(clock=clock)
    yield emulator, sdk_client(emulator)
    emulator.close()


def test_objects_and_answers_are_stamped_by_the_emulators_clock(timed, clock):
    clock.offset = 400 * DAY
    _, client = timed
    customer = client.v1.customers.create({"email": "later@example.com"})
    assert abs(customer.created - (time.time() + 400 * DAY)) < 5
    answer = client.raw_request("get", f"/v1/customers/{customer.id}")
    assert str(time.gmtime(customer.created).tm_year) in answer.headers["Date"]


def test_events_are_kept_30_days(timed, clock):
    emulator, client = timed
    old = client.v1.customers.create({"email": "old@example.com"})
    old_event = client.v1.events.list().data[0]
    clock.offset = 20 * DAY
    new = client.v1.customers.create({"email": "new@example.com"})
    clock.offset = 30 * DAY - 2  # the first event is a second short of 30 days old
    assert len(client.v1.events.list().data) == 2
    clock.offset = 30 * DAY + 1
    listed = client.v1.events.list().data
    assert [e.data.object.id for e in listed] == [new.id]
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.events.retrieve(old_event.id)
    assert gone.value.http_status == 404
    assert client.v1.customers.retrieve(old.id).email == "old@example.com"  # objects stay
    assert len(emulator.store.by_type["event"]) == 1


def test_idempotency_keys_are_kept_24_hours(timed, clock):
    emulator, client = timed
    first = client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "k1"})
    clock.offset = DAY - 2
    again = client.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "k1"})
    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "k1"})
    clock.offset = DAY + 1
    # Forgotten: the key may carry another request, which runs.
    other = client.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "k1"})
    assert other.id != first.id and other.email == "b@example.com"
    assert emulator.idempotency_keys() == ["k1"]


def test_many_expire_at_once_and_lists_still_page(timed, clock):
    emulator, client = timed
    for i in range(150):
        client.v1.customers.create({"email": f"old{i}@example.com"}, {"idempotency_key": f"o{i}"})
    clock.offset = 10 * DAY
    kept = [client.v1.customers.create({"email": f"new{i}@example.com"}).id for i in range(30)]
    clock.offset = 31 * DAY
    listed = client.v1.events.list({"limit": 7}).auto_paging_iter()
    assert [e.data.object.id for e in listed] == kept[::-1]
    assert emulator.idempotency_keys() == []
    assert len(list(client.v1.customers.list({"limit": 100}).auto_paging_iter())) == 180


def test_the_state_file_never_brings_back_what_expired(tmp_path, clock):
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path), clock=clock)
    client = sdk_client(emulator)
    old = client.v1.customers.create({"email": "old@example.com"}, {"idempotency_key": "old-key"})
    old_event = client.v1.events.list().data[0].id
    clock.offset = 31 * DAY
    client.v1.customers.create({"email": "new@example.com"}, {"idempotency_key": "new-key"})
    emulator.close()
    assert old_event not in path.read_text()

    again = Emulator(state_file=str(path), clock=clock)
    try:
        client = sdk_client(again)
        assert [e.data.object.email for e in client.v1.events.list().data] == ["new@example.com"]
        assert again.idempotency_keys() == ["new-key"]
        assert client.v1.customers.retrieve(old.id).email == "old@example.com"
    finally:
        again.close()


def test_what_expires_while_the_emulator_is_down_is_dropped_on_load(tmp_path, clock):
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path), clock=clock)
    client = sdk_client(emulator)
    client.v1.customers.create({"email": "old@example.com"}, {"idempotency_key": "old-key"})
    old_event = client.v1.events.list().data[0].id
    emulator.close()
    assert old_event in path.read_text() and "old-key" in path.read_text()

    clock.offset = 31 * DAY  # the emulator is down meanwhile
    again = Emulator(state_file=str(path), clock=clock)
    try:
        assert again.idempotency_keys() == []
        assert list(again.store.by_type["event"]) == []
        text = path.read_text()  # rewritten without them
        assert old_event not in text and "old-key" not in text
    finally:
        again.close()
