"""idempotency.py: a repeated Idempotency-Key gets the first answer, as on Stripe."""

import threading

import pytest
import stripe


def test_idempotent_replay_returns_the_saved_answer(client):
    first = client.v1.customers.create({"email": "once@example.com"}, {"idempotency_key": "k1"})
    again = client.v1.customers.create({"email": "once@example.com"}, {"idempotency_key": "k1"})
    assert again.id == first.id
    assert len(client.v1.customers.list().data) == 1
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create({"email": "other@example.com"}, {"idempotency_key": "k1"})


def test_replay_is_the_first_answer_even_after_later_changes(client):
    params = {"email": "was@example.com", "metadata": {"tier": "gold"}}
    first = client.v1.customers.create(params, {"idempotency_key": "k2"})
    client.v1.customers.update(first.id, {"email": "now@example.com", "metadata": {"tier": ""}})
    again = client.v1.customers.create(params, {"idempotency_key": "k2"})
    assert again.id == first.id and again.email == "was@example.com"
    assert again.metadata.to_dict() == {"tier": "gold"}
    assert again.last_response.headers["Idempotent-Replayed"] == "true"


def test_idempotency_holds_under_concurrency(client):
    ids = []

    def create():
        ids.append(
            client.v1.customers.create({"email": "p@example.com"}, {"idempotency_key": "k"}).id
        )

    threads = [threading.Thread(target=create) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and len(client.v1.customers.list().data) == 1
