"""emulator_mode.py, as people run it: PORT honoured by every entry point, the emulator's webhooks
reaching the server that runs, and other processes (commands, a second server) sharing its
emulator without breaking its webhook endpoint."""

import os
import subprocess
import sys

import requests

from invoicing import emulator_mode
from tests.helpers import (
    ROOT,
    catalog_price,
    clean_env,
    sdk_client,
    served,
    wait_for,
    worker_pids,
)
from tests.helpers.serving import free_port


def _healthy(url):
    try:
        return requests.get(f"{url}/healthz", timeout=2).ok
    except requests.ConnectionError:
        return False


def _start(args, env):
    process = subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return process


def _serve(args, env, port):
    process = _start(args, env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(url), timeout=30)
    except BaseException:
        process.kill()
        raise
    return process, url


def _stop(process):
    process.terminate()
    process.wait(timeout=30)


def _paid_after_a_test_payment(url):
    """Send an invoice and pay it on its pay page: True once the webhook made it paid here."""
    body = {"email": "port@example.com", "items": [{"price": catalog_price(url)}]}
    sent = requests.post(f"{url}/invoices", json=body, timeout=30).json()
    paid = requests.post(
        f"{url}/invoices/{sent['id']}/pay/test", json={"outcome": "succeed"}, timeout=30
    )
    assert paid.status_code == 200
    wait_for(
        lambda: requests.get(f"{url}/invoices/{sent['id']}", timeout=10).json()["status"] == "paid",
        timeout=15,
    )
    return sent


def _endpoints(env):
    """The webhook endpoints registered at the emulator the server noted, by URL."""
    from invoicing.record.database import make_engine

    engine = make_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        base = connection.exec_driver_sql(
            "SELECT value FROM settings WHERE key = 'emulator.url'"
        ).scalar()
    engine.dispose()
    listed = requests.get(
        f"{base}/v1/webhook_endpoints", auth=("sk_test_emulator", ""), timeout=10
    ).json()
    return sorted(e["url"] for e in listed["data"])


def test_port_commands_and_a_second_server_share_one_emulator(tmp_path):
    first_port, second_port = free_port(), free_port()
    env = clean_env(tmp_path, PORT=str(first_port), RECONCILE_SECONDS="0")
    first, first_url = _serve(["server.py"], env, first_port)
    try:
        sent = _paid_after_a_test_payment(first_url)
        # A command while the server runs: it uses the running emulator (no port clash), and
        # leaves the server's endpoint and secret alone.
        synced = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "server", "sync", sent["id"]],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert synced.returncode == 0, synced.stderr
        assert f"{sent['id']}: paid (already current)" in synced.stdout
        assert _paid_after_a_test_payment(first_url)
        # A second server on another port, same database: same emulator, its own endpoint.
        second_env = {**env, "PORT": str(second_port)}
        second, second_url = _serve(["server.py"], second_env, second_port)
        try:
            assert _paid_after_a_test_payment(second_url)
            assert _paid_after_a_test_payment(first_url)
            # The sample tax rates and discount, seeded once however many servers start.
            rates = requests.get(f"{second_url}/tax-rates", timeout=10).json()["data"]
            assert sorted((r["display_name"], r["inclusive"]) for r in rates) == [
                ("GST", True),
                ("VAT", False),
            ]
            (coupon,) = requests.get(f"{second_url}/coupons", timeout=10).json()["data"]
            assert (
                coupon["percent_off"] == 10 and coupon["promotion_codes"][0]["code"] == "WELCOME10"
            )
            assert _endpoints(env) == sorted(
                [
                    f"http://localhost:{first_port}/webhook",
                    f"http://localhost:{second_port}/webhook",
                ]
            )
        finally:
            _stop(second)
        # The second is gone. A command never makes, replaces or removes an endpoint, nor asks
        # an endpoint's address anything: both stay, and the first server still gets its own.
        listed = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "server", "db", "upgrade"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        assert _endpoints(env) == sorted(
            [f"http://localhost:{first_port}/webhook", f"http://localhost:{second_port}/webhook"]
        )
        assert _paid_after_a_test_payment(first_url)
    finally:
        _stop(first)


def test_flask_run_port_is_where_the_webhooks_go(tmp_path):
    port = free_port()
    env = clean_env(tmp_path, RECONCILE_SECONDS="0")
    process, url = _serve(["-m", "flask", "--app", "server", "run", "--port", str(port)], env, port)
    try:
        assert _paid_after_a_test_payment(url)
    finally:
        _stop(process)


def test_gunicorn_bound_elsewhere_gets_its_webhooks(tmp_path):
    port = free_port()
    env = clean_env(tmp_path, WEB_CONCURRENCY="2", RECONCILE_SECONDS="0")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "server:app", "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(url), timeout=30)
        wait_for(lambda: len(worker_pids(process.pid)) == 2, timeout=30)
        assert _paid_after_a_test_payment(url)
    finally:
        _stop(process)


def test_an_endpoint_made_by_an_older_release_gets_the_events_handled_now(emulator, sqlite_url):
    client = sdk_client(emulator)
    with served(emulator, sqlite_url) as api:
        (endpoint,) = client.v1.webhook_endpoints.list().data
        older = ["invoice.paid", "invoice.finalized"]
        client.v1.webhook_endpoints.update(endpoint.id, {"enabled_events": older})
        app = api.live.app
        # What a restart on the same address does: find its endpoint, and bring it up to date.
        secret = emulator_mode.webhook_secret(
            app.extensions["stripe"], app.config["DOMAIN"], app.extensions["db"]
        )
    assert secret in app.config["STRIPE_WEBHOOK_SECRETS"]
    (again,) = client.v1.webhook_endpoints.list().data
    assert again.id == endpoint.id
    assert sorted(again.enabled_events) == sorted(emulator_mode.ENABLED_EVENTS)
    assert "refund.created" in again.enabled_events
