"""A cross-cutting suite, convergence: the local record follows Stripe after missed webhooks,
failed databases and dead workers, by reconciliation (the command and the periodic run) and
crash-safe sends."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from invoicing import reconciler
from invoicing.errors import LeaseLostError
from invoicing.record import database, invoices, leases, sends, tables
from stripe_emulator import Emulator
from tests.helpers import (
    ROOT,
    catalog_price,
    deployed,
    reconcile,
    rows,
    sdk_client,
    served,
    wait_for,
    worker_pids,
)


def test_reconcile_applies_missed_events_and_is_safe_twice(hook, client):
    paid, voided, doubtful = (hook.send(f"{n}@example.com").json() for n in ("p", "v", "d"))
    client.v1.invoices.pay(paid["id"], {"paid_out_of_band": True})
    client.v1.invoices.void_invoice(voided["id"])
    client.v1.invoices.mark_uncollectible(doubtful["id"])
    assert {hook.invoice(i["id"])["status"] for i in (paid, voided, doubtful)} == {"open"}

    line = reconcile(hook)
    assert line.startswith("reconciled: ") and "0 sends repaired" in line
    assert hook.invoice(paid["id"])["status"] == "paid"
    assert hook.invoice(paid["id"])["payment"] == "succeeded"
    assert hook.invoice(voided["id"])["status"] == "void"
    assert hook.invoice(doubtful["id"])["status"] == "uncollectible"
    # Applied through the webhook's path: the events are stored, once, on their invoices.
    shown = [e["type"] for e in hook.invoice(paid["id"])["events"]]
    assert "invoice.paid" in shown and len(shown) == len(set(shown))
    stored = rows(hook, "SELECT count(*) FROM events")[0][0]

    again = reconcile(hook)
    assert again.startswith("reconciled: 0 of ") and " 0 of " in again
    assert rows(hook, "SELECT count(*) FROM events")[0][0] == stored


def test_reconcile_applies_one_seconds_events_in_the_order_they_happened(hook, emulator):
    sent = hook.send("retry@example.com").json()
    emulator.processing_seconds = 10  # the second attempt stays processing meanwhile
    time.sleep(1.01 - time.time() % 1)  # both attempts within one second
    emulator.simulate_payment(sent["id"], "fail")
    emulator.simulate_payment(sent["id"], "delayed")
    assert hook.invoice(sent["id"])["payment"] is None  # no webhook reached the server
    reconcile(hook)
    # Stripe lists newest first; within a second the attempt that came last is the latest.
    assert hook.invoice(sent["id"])["payment"] == "processing"


def test_reconcile_refreshes_invoices_when_its_cursor_is_older_than_stripes_events(hook, client):
    sent = hook.send("refresh@example.com").json()
    closed = hook.send("refresh@example.com").json()
    client.v1.invoices.void_invoice(closed["id"])
    client.v1.invoices.void_invoice(sent["id"])
    client.v1.invoices.mark_uncollectible(hook.send("refresh@example.com").json()["id"])
    # The last pass was 40 days ago: Stripe no longer has every event since.
    stale = int(time.time()) - 40 * 86400
    with hook.live.app.extensions["db"].begin() as connection:
        connection.execute(
            tables.settings.insert().values(key="reconcile.events_since", value=str(stale))
        )
    line = reconcile(hook)
    # The events first; then, as they may not tell all, the invoices still unfinished here.
    assert "of 1 invoices" in line, line
    assert hook.invoice(sent["id"])["status"] == "void"
    assert hook.invoice(closed["id"])["status"] == "void"


def test_a_pass_with_a_recent_cursor_costs_what_changed(api, emulator):
    for n in range(3):
        api.send(f"cheap{n}@example.com")
    runner = api.live.app.test_cli_runner()
    assert runner.invoke(args=["reconcile"]).exit_code == 0  # sets the cursor
    emulator.reset_calls()
    line = runner.invoke(args=["reconcile"]).output
    # One page of events, and no invoice list however many invoices there are.
    assert emulator.calls == ["events.list"], emulator.calls
    assert "1 Stripe calls" in line, line


def _abandon(api, client, send_id, state_at_stripe, key=None):
    """What a process killed mid-send leaves: a pending send, and a draft (or more) at Stripe."""
    gold = api.prices()["gold_special"]
    customer = client.v1.customers.create({"email": "dead@example.com"})
    params = {"customer": customer.id, "collection_method": "send_invoice",
              "days_until_due": 30, "auto_advance": False,
              "metadata": {"invoicing_send": send_id}}  # fmt: skip
    record = {"email": "dead@example.com", "description": None,
              "lines": [{"price": gold["id"], "description": "Gold Special", "quantity": 1,
                         "amount": 1000}]}  # fmt: skip
    invoice_id = None
    if state_at_stripe != "nothing":
        draft = client.v1.invoices.create(params)
        client.v1.invoices.add_lines(draft.id, {"lines": [{"pricing": {"price": gold["id"]}}]})
        invoice_id = draft.id
        if state_at_stripe == "sent":
            client.v1.invoices.send_invoice(draft.id)
    old = int(time.time()) - 3600
    with api.live.app.extensions["db"].begin() as db:
        db.execute(
            tables.sends.insert().values(
                id=send_id, state="pending", invoice_id=invoice_id, customer=customer.id,
                request={"invoice": params, "lines": [], "record": record},
                idempotency_key=key, created=old, touched=old,
            )
        )  # fmt: skip
        if invoice_id:
            invoices.record_invoice(
                db,
                {"id": invoice_id, "status": "draft", "customer": customer.id,
                 "email": "dead@example.com", "amount_due": 1000, "amount_paid": 0,
                 "currency": "usd", "created": old, "lines": record["lines"]},
            )  # fmt: skip
            stamp = {"recorded": old * 1_000_000, "changed": old * 1_000_000}
            db.execute(tables.invoices.update().values(**stamp))
        if key:
            db.execute(
                tables.idempotency_keys.insert().values(
                    key=key, request_hash="h", attempt=1, locked_at=old, created=old
                )
            )
    return invoice_id


@pytest.mark.parametrize("state_at_stripe", ["nothing", "draft", "sent"])
def test_reconcile_settles_sends_that_dead_processes_left(hook, client, state_at_stripe):
    invoice_id = _abandon(hook, client, "send_dead", state_at_stripe, key="order-dead")
    line = reconcile(hook)
    assert "1 sends repaired" in line
    (state,) = rows(hook, "SELECT state FROM sends WHERE id = 'send_dead'")[0]
    key = rows(hook, "SELECT invoice_id, locked_at, attempt FROM idempotency_keys")[0]
    at_stripe = {i.id: i.status for i in client.v1.invoices.list().data}
    local = {r[0]: r[1] for r in rows(hook, "SELECT id, status FROM invoices")}
    if state_at_stripe == "sent":
        # Past the point of no return: the invoice went out, so it is recorded here.
        assert state == "done" and at_stripe == {invoice_id: "open"}
        assert local == {invoice_id: "open"} and key == (invoice_id, 0, 1)
    else:
        # Nothing at Stripe and nothing here; the client's retry gets fresh Stripe keys.
        assert state == "rolled_back" and at_stripe == {} and local == {}
        assert key == (None, 0, 2)
    assert "0 sends repaired" in reconcile(hook)


def test_a_recent_pending_send_is_left_to_its_process(hook, client):
    _abandon(hook, client, "send_alive", "draft")
    with hook.live.app.extensions["db"].begin() as connection:
        connection.execute(tables.sends.update().values(touched=int(time.time())))
    assert "0 sends repaired" in reconcile(hook)
    assert [i.status for i in client.v1.invoices.list().data] == ["draft"]


def test_a_misspelt_column_is_refused_not_skipped(hook):
    # The send's statements are built once and take their columns from the values given.
    sent = hook.send().json()
    with database.begin(hook.live.app.extensions["db"]) as db:
        send_id = db.execute(tables.sends.select()).first().id
        with pytest.raises(TypeError, match="stat"):
            sends.touch_send(db, send_id, stat="done")
        fields = dict(invoices.get_invoice(db, sent["id"])._mapping)
        with pytest.raises(TypeError, match="numbr"):
            invoices.record_invoice(db, {**fields, "numbr": "INV-1"})


def test_reconcile_removes_drafts_no_send_owns(hook, client):
    # A draft row from before crash-safe sends, whose draft is still at Stripe.
    invoice_id = _abandon(hook, client, "send_old", "draft")
    with hook.live.app.extensions["db"].begin() as connection:
        connection.exec_driver_sql("DELETE FROM sends")
    assert "1 orphan drafts removed" in reconcile(hook)
    assert client.v1.invoices.list().data == []
    assert hook.get(f"/invoices/{invoice_id}").status_code == 404


def _failing_inserts(api):
    """A database that refuses to store invoices (as a full disk would), at the database."""
    engine = api.live.app.extensions["db"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "CREATE FUNCTION full_disk() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END; "
                "$$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER full_disk BEFORE INSERT ON invoices "
                "FOR EACH ROW EXECUTE FUNCTION full_disk()"
            )
        else:
            connection.exec_driver_sql(
                "CREATE TRIGGER full_disk BEFORE INSERT ON invoices "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )


def test_a_database_failure_after_the_draft_leaves_nothing(hook, client):
    hook.prices()
    _failing_inserts(hook)
    failed = hook.send("full@example.com", headers={"Idempotency-Key": "full-1"})
    assert failed.status_code == 503, failed.text
    assert failed.json()["error"]["code"] == "database_unavailable"
    assert client.v1.invoices.list().data == []  # the draft was deleted at Stripe
    assert rows(hook, "SELECT count(*) FROM invoices") == [(0,)]
    assert rows(hook, "SELECT state FROM sends") == [("rolled_back",)]
    engine = hook.live.app.extensions["db"]
    with engine.begin() as connection:
        on = " ON invoices" if engine.dialect.name == "postgresql" else ""
        connection.exec_driver_sql(f"DROP TRIGGER full_disk{on}")
    retried = hook.send("full@example.com", headers={"Idempotency-Key": "full-1"})
    assert retried.status_code == 201
    assert [i.status for i in client.v1.invoices.list().data] == ["open"]


@pytest.mark.parametrize("text", ["PO\x00123", "PO\ud800", "line\x1bfeed"])
def test_text_a_database_cannot_store_is_refused_before_stripe(hook, emulator, text):
    hook.prices()
    emulator.reset_calls()
    answer = hook.send("nul@example.com", description=text)
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "description"
    assert emulator.calls == [] and rows(hook, "SELECT count(*) FROM sends") == [(0,)]


def test_drafts_are_made_with_auto_advance_off(hook, emulator, client):
    sent = hook.send("manual@example.com").json()
    assert client.v1.invoices.retrieve(sent["id"]).auto_advance is False


@pytest.mark.parametrize(
    ("dies_in", "ends"), [("invoices.add_lines", None), ("invoices.send_invoice", "open")]
)
def test_a_worker_killed_mid_send_is_repaired(tmp_path, unused_port, dies_in, ends):
    emulator = Emulator(latency_ms=400)
    settings = {"WEB_CONCURRENCY": "2", "ABANDONED_SEND_SECONDS": "0"}
    with deployed(tmp_path, unused_port, emulator, **settings) as (url, env, master):
        body = {"email": "killed@example.com", "items": [{"price": catalog_price(url)}]}

        def post():
            try:
                requests.post(f"{url}/invoices", json=body, timeout=30)
            except requests.RequestException:
                pass  # the worker died under it

        sender = threading.Thread(target=post)
        sender.start()
        wait_for(lambda: dies_in in emulator.calls, timeout=20)
        for pid in worker_pids(master.pid):
            os.kill(pid, signal.SIGKILL)
        sender.join()
        # The emulator finishes the call the dead worker made: its effect shows at Stripe.
        wait_for(lambda: _took_effect(emulator, dies_in), timeout=20)
        emulator.deliverer.wait_idle()
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "server", "reconcile"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "1 sends repaired" in result.stdout
        at_stripe = [i.status for i in sdk_client(emulator).v1.invoices.list().data]
        listed = requests.get(f"{url}/invoices", timeout=10).json()["data"]
        if ends is None:
            assert at_stripe == [] and listed == []
        else:
            assert at_stripe == [ends] and [i["status"] for i in listed] == [ends]


def _took_effect(emulator, operation):
    """Whether the emulator's one invoice shows that `operation` on it has completed."""
    invoices = sdk_client(emulator).v1.invoices.list().data
    if not invoices:
        return False
    if operation == "invoices.add_lines":
        return bool(invoices[0].lines.data)
    return invoices[0].status == "open"


def test_the_server_reconciles_by_itself(tmp_path, unused_port):
    emulator = Emulator()
    settings = {"WEB_CONCURRENCY": "3", "RECONCILE_SECONDS": "1"}
    with deployed(tmp_path, unused_port, emulator, **settings) as (url, env, _):
        body = {"email": "alone@example.com", "items": [{"price": catalog_price(url)}]}
        sent = requests.post(f"{url}/invoices", json=body, timeout=30).json()
        sdk_client(emulator).v1.invoices.pay(sent["id"], {"paid_out_of_band": True})

        def paid():
            shown = requests.get(f"{url}/invoices/{sent['id']}", timeout=10).json()
            return shown["status"] == "paid"

        wait_for(paid, timeout=20)
        engine = database.make_engine(env["DATABASE_URL"])
        with engine.connect() as connection:
            leases = connection.exec_driver_sql("SELECT name FROM leases").all()
        engine.dispose()
        assert leases == [("reconcile",)]  # one holder for every worker


def test_dropped_deliveries_are_repaired_by_reconcile(emulator, database_url):
    with served(emulator, database_url) as api:
        sent = api.send("dropped@example.com").json()
        emulator.drop_deliveries("invoice.*", times=10)
        emulator.drop_deliveries("payment_intent.*", times=10)
        emulator.simulate_payment(sent["id"], "succeed")
        emulator.deliverer.wait_idle()
        dropped = [d for d in emulator.deliverer.log if d["status"] == "dropped"]
        assert {d["type"] for d in dropped} >= {"invoice.paid"}
        assert api.invoice(sent["id"])["status"] == "open"
        line = reconcile(api)
        assert api.invoice(sent["id"])["status"] == "paid"
        assert not line.startswith("reconciled: 0 of")
        assert "invoice.paid" in [e["type"] for e in api.invoice(sent["id"])["events"]]


def test_an_uncollectible_invoice_can_still_be_paid_then_not_voided(emulator, database_url):
    with served(emulator, database_url) as api:
        doubtful = api.send("doubtful@example.com").json()
        api.post(f"/invoices/{doubtful['id']}/mark-uncollectible")
        assert api.wait(doubtful["id"], status="uncollectible")
        emulator.simulate_payment(doubtful["id"], "succeed")  # paid on the hosted page later
        shown = api.wait(doubtful["id"], status="paid")
        assert shown["payment"] == "succeeded"
        late = api.post(f"/invoices/{doubtful['id']}/void")
        assert late.status_code == 409 and api.invoice(doubtful["id"])["status"] == "paid"

        written_off = api.send("written-off@example.com").json()
        api.post(f"/invoices/{written_off['id']}/mark-uncollectible")
        assert api.wait(written_off["id"], status="uncollectible")
        voided = api.post(f"/invoices/{written_off['id']}/void")
        assert voided.status_code == 200 and voided.json()["status"] == "void"
        assert api.wait(written_off["id"], status="void")


def test_a_lost_answer_to_the_send_still_ends_in_a_sent_invoice(hook, emulator, client):
    hook.prices()
    emulator.fail("invoices.send_invoice", after=True)
    answer = hook.send("lost@example.com")
    assert answer.status_code == 201, answer.text  # read back from Stripe: it was sent
    assert answer.json()["status"] == "open"
    assert [i.status for i in client.v1.invoices.list().data] == ["open"]
    assert rows(hook, "SELECT state FROM sends") == [("done",)]


def test_a_lost_answer_to_the_draft_leaves_nothing(hook, emulator, client):
    hook.prices()
    emulator.fail("invoices.create", after=True)
    answer = hook.send("lost-draft@example.com")
    assert answer.status_code == 502
    assert client.v1.invoices.list().data == []  # found by its metadata, and deleted
    assert rows(hook, "SELECT state FROM sends") == [("rolled_back",)]


def test_a_long_pass_renews_its_lease_and_stops_when_it_is_lost(hook):
    moment = [0.0]
    with hook.live.app.app_context():
        with database.begin() as db:
            assert leases.take_lease(db, reconciler.LEASE, "here", 40)
        tick = reconciler.renewing("here", 40, clock=lambda: moment[0])
        now = int(time.time())
        with database.begin() as db:  # as if the pass had run for most of the lease's term
            db.execute(tables.leases.update().values(expires=now + 1))
        tick(1)  # too soon after the start: nothing to renew
        assert rows(hook, "SELECT expires FROM leases") == [(now + 1,)]
        moment[0] = 11.0
        tick(2)
        assert rows(hook, "SELECT holder FROM leases")[0][0] == "here"
        assert rows(hook, "SELECT expires FROM leases")[0][0] >= now + 40
        with database.begin() as db:  # another process took it (this one had stalled)
            db.execute(tables.leases.update().values(holder="there", expires=now + 3600))
        moment[0] = 22.0
        with pytest.raises(LeaseLostError):
            tick(3)
        assert rows(hook, "SELECT holder FROM leases") == [("there",)]
