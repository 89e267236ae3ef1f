"""A cross-cutting suite, resilience: proof under concurrency, disorder, duplicates, outages and
killed workers."""

import os
import random
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from invoicing.record import database, invoices, migrate
from tests.helpers import (
    HOOK_SECRET,
    clean_env,
    post_signed,
    rows,
    served,
    start_gunicorn,
    stop,
    wait_for,
    worker_pids,
)


def post_event(url, event, http=None):
    return post_signed(f"{url}/webhook", event, HOOK_SECRET, http)


def test_parallel_deliveries_of_one_event_apply_once(hook):
    sent = hook.send().json()
    event = {
        "id": "evt_parallel", "type": "invoice.paid", "created": int(time.time()),
        "data": {"object": {"id": sent["id"], "object": "invoice", "status": "paid",
                            "amount_paid": 2000}},
    }  # fmt: skip
    barrier = threading.Barrier(20)

    def deliver(_):
        barrier.wait()
        return post_event(hook.url, event)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(deliver, range(20)))
    assert [a.status_code for a in answers] == [200] * 20
    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes == ["applied"] + ["duplicate"] * 19
    assert rows(hook, "SELECT count(*) FROM events") == [(1,)]
    assert hook.invoice(sent["id"])["status"] == "paid"


# Five events per invoice, in the order Stripe made them, and the state they leave.
STORIES = {
    "paid": (["invoice.finalized", "invoice.sent", "invoice.payment_failed", "invoice.paid",
              "invoice.payment_succeeded"], "paid", "succeeded"),
    "void": (["invoice.finalized", "invoice.sent", "payment_intent.processing",
              "invoice.payment_failed", "invoice.voided"], "void", "failed"),
    "uncollectible": (["invoice.finalized", "invoice.sent", "invoice.payment_failed",
                       "payment_intent.processing", "invoice.marked_uncollectible"],
                      "uncollectible", "processing"),
    "failed": (["invoice.finalized", "invoice.sent", "payment_intent.processing",
                "invoice.payment_failed", "invoice.updated"], "open", "failed"),
    "processing": (["invoice.created", "invoice.finalized", "invoice.sent",
                    "invoice.payment_failed", "payment_intent.processing"], "open", "processing"),
}  # fmt: skip
STATUS_OF = {
    "invoice.paid": "paid", "invoice.payment_succeeded": "paid", "invoice.voided": "void",
    "invoice.marked_uncollectible": "uncollectible",
}  # fmt: skip


def story_events(invoice_id, intent_id, story, start):
    types, _, _ = STORIES[story]
    events = []
    for step, event_type in enumerate(types):
        if event_type.startswith("payment_intent."):
            obj = {"id": intent_id, "object": "payment_intent"}
        else:
            obj = {
                "id": invoice_id,
                "object": "invoice",
                "status": STATUS_OF.get(event_type, "open"),
            }
        events.append(
            {
                "id": f"evt_{invoice_id}_{step}",
                "type": event_type,
                "created": start + step,
                "data": {"object": obj},
            }
        )
    return events


def test_500_events_three_times_shuffled_end_true(hook):
    gold = hook.prices()["gold_special"]["id"]
    items = [{"price": gold, "quantity": 1}]
    invoices = [hook.send(f"story{i}@example.com", items).json()["id"] for i in range(100)]
    intents = dict(rows(hook, "SELECT id, payment_intent FROM invoices"))
    names = list(STORIES)
    plan = {invoice: names[i % len(names)] for i, invoice in enumerate(invoices)}
    start = int(time.time())
    events = [
        event
        for invoice, story in plan.items()
        for event in story_events(invoice, intents[invoice], story, start)
    ]
    assert len(events) == 500
    deliveries = events * 3
    random.Random(7).shuffle(deliveries)
    sessions = threading.local()

    def deliver(event):
        if not hasattr(sessions, "http"):
            sessions.http = requests.Session()
        return post_event(hook.url, event, sessions.http).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(deliver, deliveries))
    assert statuses == [200] * 1500
    for invoice, story in plan.items():
        _, status, payment = STORIES[story]
        shown = hook.invoice(invoice)
        assert (shown["status"], shown["payment"]) == (status, payment), (story, invoice)
    assert rows(hook, "SELECT count(*), count(DISTINCT id) FROM events") == [(500, 500)]


def test_database_outage_during_a_webhook_then_redelivery(emulator, tmp_path):
    from tests.helpers.postgres import Postgres

    database = Postgres().start()
    try:
        with served(emulator, database.url(), STRIPE_WEBHOOK_SECRETS=[HOOK_SECRET]) as api:
            sent = api.send().json()
            event = {
                "id": "evt_outage", "type": "invoice.paid", "created": int(time.time()),
                "data": {"object": {"id": sent["id"], "object": "invoice", "status": "paid"}},
            }  # fmt: skip
            database.halt()
            during = post_event(api.url, event)
            assert during.status_code == 503
            assert during.json()["error"]["code"] == "database_unavailable"
            assert "Traceback" not in during.text
            assert api.get("/healthz").status_code == 503
            database.resume()
            wait_for(lambda: api.get("/healthz").status_code == 200)
            after = post_event(api.url, event)  # Stripe redelivers what was not 2xx
            assert after.status_code == 200 and after.json()["outcome"] == "applied"
            assert api.invoice(sent["id"])["status"] == "paid"
            assert [e["id"] for e in api.invoice(sent["id"])["events"]] == ["evt_outage"]
    finally:
        database.stop()


def test_a_postgres_that_cannot_start_leaves_no_folder():
    from tests.helpers.postgres import Postgres

    with socket.create_server(("127.0.0.1", 0)) as taken:
        database = Postgres()
        database.port = taken.getsockname()[1]  # its port is in use: the server cannot start
        with pytest.raises(subprocess.CalledProcessError):
            database.start()
    assert not os.path.exists(database.root)


def _prepare_database(path, count):
    """Invoices recorded as this server records them, for the gunicorn burst."""
    engine = database.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with database.begin(engine) as db:
        for i in range(count):
            invoices.record_invoice(
                db,
                {
                    "id": f"in_burst_{i}", "status": "open", "customer": "cus_burst",
                    "email": f"b{i}@example.com", "amount_due": 1000, "amount_paid": 0,
                    "currency": "usd", "created": 1, "lines": [],
                },
            )  # fmt: skip
    engine.dispose()


def test_killed_gunicorn_worker_loses_nothing(tmp_path, unused_port):
    path = tmp_path / "burst.db"
    count = 150
    _prepare_database(path, count)
    url = f"http://127.0.0.1:{unused_port}"
    env = clean_env(
        tmp_path, DATABASE_URL=f"sqlite:///{path}", STRIPE_WEBHOOK_SECRET=HOOK_SECRET, DOMAIN=url,
        WEB_CONCURRENCY="3", STRIPE_API_BASE="http://127.0.0.1:9",
    )  # fmt: skip
    master = start_gunicorn(env, unused_port)
    try:
        events = [
            {
                "id": f"evt_burst_{i}", "type": "invoice.paid", "created": 100 + i,
                "data": {"object": {"id": f"in_burst_{i}", "object": "invoice", "status": "paid"}},
            }
            for i in range(count)
        ]  # fmt: skip
        killed = threading.Event()

        def deliver(event):
            if event["id"] == "evt_burst_40":
                workers = worker_pids(master.pid)
                os.kill(workers[0], signal.SIGKILL)
                killed.set()
            try:
                return post_event(url, event).status_code
            except requests.RequestException:
                return None  # reset, cut mid-answer, timed out: Stripe redelivers, so do we

        with ThreadPoolExecutor(8) as pool:
            first = list(pool.map(deliver, events))
        assert killed.is_set()
        # Stripe redelivers every event not answered 2xx; a few rounds, bounded.
        pending = [e for e, status in zip(events, first, strict=True) if status != 200]
        for _ in range(10):
            if not pending:
                break
            time.sleep(0.5)
            pending = [e for e in pending if _safe_status(url, e) != 200]
        assert pending == []
        engine = database.make_engine(f"sqlite:///{path}")
        with engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT count(*), count(DISTINCT id) FROM events")
            assert stored.one() == (count, count)
            paid = connection.exec_driver_sql("SELECT count(*) FROM invoices WHERE status='paid'")
            assert paid.scalar() == count
        engine.dispose()
    finally:
        stop(master)


def _safe_status(url, event):
    try:
        return post_event(url, event).status_code
    except requests.RequestException:
        return None
