"""Cross-cutting hardening suite, third round: the server-side findings of an adversarial run
(stale local status, a deleted Stripe customer, clock skew, emulator mode's endpoints, one record
per Stripe account, and what a newcomer trips on), one regression test each."""

import json
import logging
import os
import subprocess
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor

import pytest

from invoicing import ownership
from invoicing.record import database, invoices, migrate, settings
from invoicing.record import sends as record_sends
from invoicing.record.database import make_engine
from invoicing.sending import send
from stripe_emulator import Emulator, serve
from tests.helpers import ROOT, clean_env, sdk_client, served
from tests.helpers.serving import LiveServer


def test_remind_reads_stripe_first_and_never_emails_a_paid_invoice(sqlite_hook, emulator):
    sent = sqlite_hook.send("paid-elsewhere@example.com").json()
    # Paid at Stripe; the webhook that would say so never reaches this server (hook fixture).
    emulator.simulate_payment(sent["id"], "succeed")
    emails = len(emulator.outbox(invoice=sent["id"]))
    answer = sqlite_hook.post(f"/invoices/{sent['id']}/remind")
    assert answer.status_code == 409 and "paid" in answer.json()["error"]["message"]
    assert len(emulator.outbox(invoice=sent["id"])) == emails  # no email after the receipt
    assert sqlite_hook.invoice(sent["id"])["status"] == "paid"  # the record caught up


def test_parallel_sends_for_a_deleted_customer_make_one_successor(sqlite_api, client):
    email = "deleted-customer@example.com"
    first = sqlite_api.send(email).json()
    client.v1.customers.delete(first["customer"])
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: sqlite_api.send(email), range(10)))
    assert [a.status_code for a in answers] == [201] * 10
    made = client.v1.customers.list({"email": email, "limit": 100}).data
    assert len(made) == 1 and made[0].id != first["customer"]
    assert {a.json()["customer"] for a in answers} == {made[0].id}


def test_a_lost_draft_is_found_by_stripes_clock_when_the_local_one_is_ahead(
    sqlite_hook, emulator, client, monkeypatch
):
    # This server's clock runs 10 minutes ahead of Stripe's (the emulator keeps the real time).
    ahead = types.SimpleNamespace(time=lambda: time.time() + 600)
    monkeypatch.setattr(record_sends, "time", ahead)
    monkeypatch.setattr(send, "time", ahead)
    sqlite_hook.prices()
    emulator.fail("invoices.create", after=True)  # the draft is made; its answer is lost
    answer = sqlite_hook.send("skewed@example.com")
    assert answer.status_code == 502
    assert client.v1.invoices.list().data == []  # found by its metadata, and deleted


def _flask(tmp_path, *args, **settings):
    env = clean_env(tmp_path, RECONCILE_SECONDS="0", **settings)
    env.pop("PORT", None)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "server", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_commands_never_touch_webhook_endpoints_nor_probe_their_addresses(tmp_path):
    served = serve(Emulator())
    asked = []

    def answer(environ, start_response):
        asked.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']

    elsewhere = LiveServer(answer)
    try:
        stripe = sdk_client(served.emulator)
        # The live server's endpoint (its secret in another database), and one of an address
        # that an earlier release would have probed (GET /healthz) before removing it.
        live = stripe.v1.webhook_endpoints.create(
            {"url": "http://localhost:4343/webhook", "enabled_events": ["*"]}
        )
        stripe.v1.webhook_endpoints.create(
            {"url": f"{elsewhere.url}/webhook", "enabled_events": ["invoice.paid"],
             "metadata": {"invoicing_server": "true"}}
        )  # fmt: skip
        before = sorted(e.id for e in stripe.v1.webhook_endpoints.list().data)
        # The same DOMAIN as the live server, another database; then no DOMAIN nor PORT.
        same = _flask(tmp_path, "db", "upgrade", STRIPE_API_BASE=served.url,
                      DOMAIN="http://localhost:4343")  # fmt: skip
        bare = _flask(tmp_path, "sync", "--all", STRIPE_API_BASE=served.url)
        assert same.returncode == 0 and bare.returncode == 0, same.stderr + bare.stderr
        after = sorted(e.id for e in stripe.v1.webhook_endpoints.list().data)
        assert after == before and live.id in after
        assert asked == []
    finally:
        elsewhere.stop()
        served.stop()


def test_test_keys_without_a_webhook_secret_warn_at_start_in_one_line(emulator, sqlite_url, caplog):
    keys = {"STRIPE_SECRET_KEY": "sk_test_51FakeSecretKeyForTests"}
    with caplog.at_level(logging.WARNING), served(emulator, sqlite_url, **keys):
        pass
    said = [r.getMessage() for r in caplog.records if "STRIPE_WEBHOOK_SECRET" in r.getMessage()]
    assert len(said) == 1 and "\n" not in said[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        with served(emulator, sqlite_url, **keys, STRIPE_WEBHOOK_SECRETS=["whsec_0123456789a"]):
            pass
    assert not [r for r in caplog.records if "STRIPE_WEBHOOK_SECRET" in r.getMessage()]


# The server's reconciliation thread until it has logged two failed passes, the first and a
# retry (at most 8 s), then a normal exit: each failure's line is written before it counts.
_TWO_FAILED_PASSES = """
import logging, threading, time
import server
failed = threading.Semaphore(0)
class Failures(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("reconciliation failed"):
            failed.release()
server.app.logger.addHandler(Failures())
server.reconciler.start(server.app)
deadline = time.monotonic() + 8
for _ in range(2):
    failed.acquire(timeout=max(0, deadline - time.monotonic()))
"""


def test_the_background_reconciliation_logs_an_unreachable_stripe_in_one_line(tmp_path):
    env = clean_env(
        tmp_path, RECONCILE_SECONDS="1", STRIPE_SECRET_KEY="sk_test_51FakeSecretKeyForTests",
        STRIPE_WEBHOOK_SECRET="whsec_0123456789abcdef", STRIPE_API_BASE="http://127.0.0.1:9",
    )  # fmt: skip
    # A record with an unfinished invoice, so that the pass asks Stripe.
    engine = make_engine(env["DATABASE_URL"])
    migrate.upgrade(engine)
    with database.begin(engine) as db:
        invoices.record_invoice(db, {"id": "in_waiting", "status": "open", "customer": "cus_x",
                                     "email": "w@example.com", "amount_due": 100,
                                     "amount_paid": 0, "currency": "usd", "lines": [],
                                     "created": int(time.time())})  # fmt: skip
    engine.dispose()
    ran = subprocess.run([sys.executable, "-c", _TWO_FAILED_PASSES], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    failed = [line for line in ran.stdout.splitlines() if "reconciliation failed" in line]
    assert failed, ran.stdout + ran.stderr
    assert all(line.endswith("Stripe could not be reached; try again.") for line in failed)
    assert "Traceback" not in ran.stderr and "\n\n" not in ran.stdout


def test_sync_of_an_unknown_invoice_exits_non_zero(tmp_path):
    synced = _flask(tmp_path, "sync", "in_nope", STRIPE_API_BASE="http://127.0.0.1:9",
                    STRIPE_WEBHOOK_SECRET="whsec_0123456789abcdef")  # fmt: skip
    assert synced.returncode == 1 and "in_nope: not a local invoice" in synced.stderr


def _note(url, **note):
    engine = make_engine(url)
    migrate.upgrade(engine)
    with database.begin(engine) as db:
        settings.set_setting(db, ownership.NOTE, json.dumps(note))
    engine.dispose()


@pytest.mark.parametrize(
    ("note", "says"),
    [({"mode": "emulator"}, "emulator mode"),
     ({"mode": "test", "account": "acct_1SomeoneElse0000", "key": "0" * 16}, "acct_1SomeoneElse")],
)  # fmt: skip
def test_a_record_of_another_account_or_mode_refuses_to_start_in_one_line(tmp_path, note, says):
    emulator = serve(Emulator())
    try:
        env = clean_env(tmp_path, STRIPE_SECRET_KEY="sk_test_51FakeSecretKeyForTests",
                        STRIPE_WEBHOOK_SECRET="whsec_0123456789abcdef",
                        STRIPE_API_BASE=emulator.url, RECONCILE_SECONDS="0")  # fmt: skip
        _note(env["DATABASE_URL"], **note)
        ran = subprocess.run([sys.executable, "-c", "import server"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)  # fmt: skip
        lines = ran.stderr.strip().splitlines()
        assert ran.returncode != 0 and len(lines) == 1, ran.stderr
        assert lines[0].startswith("Configuration error:") and says in lines[0]
    finally:
        emulator.stop()


def test_test_keys_note_the_account_then_start_without_asking_again(emulator, sqlite_url):
    keys = {"STRIPE_SECRET_KEY": "sk_test_51FakeSecretKeyForTests",
            "STRIPE_WEBHOOK_SECRETS": ["whsec_0123456789abcdef"]}  # fmt: skip
    with served(emulator, sqlite_url, **keys):
        pass
    assert emulator.calls.count("accounts.retrieve_current") == 1
    with served(emulator, sqlite_url, **keys) as again:
        assert again.get("/healthz").status_code == 200
    assert emulator.calls.count("accounts.retrieve_current") == 1
    engine = make_engine(sqlite_url)
    with database.connect(engine) as db:
        note = json.loads(settings.get_setting(db, ownership.NOTE))
    engine.dispose()
    assert note["mode"] == "test" and note["account"].startswith("acct_")


def test_emulator_mode_keeps_its_own_database_by_default(tmp_path):
    instance = str(tmp_path)
    assert database.default_path(instance, "emulator").endswith("emulator.db")
    assert database.default_path(instance, "test").endswith("invoicing.db")
    # A record an earlier release kept in invoicing.db in emulator mode keeps being used.
    shared = os.path.join(instance, "invoicing.db")
    engine = make_engine(f"sqlite:///{shared}")
    migrate.upgrade(engine)
    with database.begin(engine) as db:
        settings.set_setting(db, "emulator.url", "http://127.0.0.1:12111")
    engine.dispose()
    assert database.default_path(instance, "emulator") == shared


def test_the_customer_name_shows_in_the_list_detail_and_pay_page(sqlite_api):
    sent = sqlite_api.send("named@example.com", name="Jenny Rosen").json()
    assert sent["customer_name"] == "Jenny Rosen"
    listed = sqlite_api.get("/invoices").json()["data"][0]
    assert listed["customer_name"] == "Jenny Rosen"
    page = sqlite_api.get(f"/invoices/{sent['id']}/pay").text
    assert '<span id="customer-name">Jenny Rosen</span>' in page
    assert "Back to the invoices" in page


def test_the_public_pay_page_does_not_link_to_the_protected_list(emulator, sqlite_url):
    with served(emulator, sqlite_url, ADMIN_PASSWORD="s3cret") as api:
        api.http.auth = ("admin", "s3cret")
        sent = api.send("public@example.com").json()
        api.http.auth = None
        page = api.get(f"/invoices/{sent['id']}/pay")
    assert page.status_code == 200 and "Back to the invoices" not in page.text


@pytest.mark.parametrize(
    "loads",
    [f"runpy.run_path({os.path.join(ROOT, 'gunicorn.conf.py')!r})",
     "from invoicing import create_app; create_app()"],
)  # fmt: skip
def test_an_empty_web_concurrency_from_env_example_reaches_no_gunicorn(tmp_path, loads):
    # `cp .env.example .env` leaves WEB_CONCURRENCY empty; the benchmarks load the settings
    # or make the app, then start gunicorns, which read that variable as a number first.
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    script = (
        f"import runpy, subprocess, sys\n{loads}\n"
        f"checked = subprocess.run([{gunicorn!r}, '--check-config', 'server:app'])\n"
        "sys.exit(checked.returncode)\n"
    )
    env = clean_env(tmp_path, WEB_CONCURRENCY="", RECONCILE_SECONDS="0")
    ran = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
