"""record/leases.py on SQLite and PostgreSQL: a lease has one holder at a time, even when many
processes ask at once; its holder renews it, and an expired one goes to the next taker."""

import threading
import time

from invoicing.record import leases, tables


def take(engine, holder, seconds=60, name="reconcile"):
    with engine.begin() as db:
        return leases.take_lease(db, name, holder, seconds)


def held(engine, name="reconcile"):
    with engine.connect() as db:
        return db.execute(tables.leases.select().where(tables.leases.c.name == name)).first()


def test_one_holder_at_a_time_and_the_holder_renews(engine):
    assert take(engine, "host-a:1", 60) is True
    assert take(engine, "host-b:7", 60) is False
    first = held(engine).expires
    assert take(engine, "host-a:1", 600) is True
    assert held(engine).holder == "host-a:1" and held(engine).expires >= first + 500
    # Another lease is another job: free.
    assert take(engine, "host-b:7", 60, name="remind") is True


def test_an_expired_lease_goes_to_the_next_taker(engine):
    assert take(engine, "host-a:1") is True
    with engine.begin() as db:
        db.execute(tables.leases.update().values(expires=int(time.time()) - 1))
    assert take(engine, "host-b:7") is True
    assert take(engine, "host-a:1") is False
    assert held(engine).holder == "host-b:7"


def test_takers_asking_at_once_get_one_holder(engine):
    count = 8
    ready = threading.Barrier(count)
    results = {}

    def ask(n):
        ready.wait()
        results[n] = take(engine, f"worker-{n}")

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [n for n, won in results.items() if won]
    assert len(results) == count and len(winners) == 1
    assert held(engine).holder == f"worker-{winners[0]}"
