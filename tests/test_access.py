"""Access control, proxies, idempotent sends, recovery commands and logs."""

import json
import logging
import time

import pytest
import requests

from tests.helpers import post_signed, served

PASSWORD = "correct horse battery staple"
SECRET = "whsec_access_secret_0123456789"


@pytest.fixture
def guarded(emulator, sqlite_url):
    with served(emulator, sqlite_url, ADMIN_PASSWORD=PASSWORD) as api:
        api.http.auth = ("admin", PASSWORD)
        yield api


PROTECTED = [
    ("GET", "/"),
    ("GET", "/config"),
    ("GET", "/prices"),
    ("GET", "/invoices"),
    ("POST", "/invoices"),
    ("GET", "/invoices/{id}"),
    ("POST", "/invoices/{id}/void"),
    ("POST", "/invoices/{id}/mark-uncollectible"),
    ("GET", "/nowhere"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "credentials", [None, ("admin", "wrong"), ("root", PASSWORD), ("admin", PASSWORD + "x")]
)
def test_protected_routes_refuse_without_the_right_credentials(guarded, method, path, credentials):
    sent = guarded.send().json()
    url = guarded.url + path.format(id=sent["id"])
    answer = requests.request(method, url, auth=credentials, json={}, timeout=10)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    assert guarded.get(f"/invoices/{sent['id']}").json()["status"] == "open"


def test_webhook_health_pay_page_and_static_stay_open(guarded):
    sent = guarded.send().json()
    for path in (
        "/healthz",
        f"/invoices/{sent['id']}/pay",
        f"/invoices/{sent['id']}/pay/status",
        "/static/style.css",
    ):
        assert requests.get(guarded.url + path, timeout=10).status_code == 200, path
    paid = requests.post(
        f"{guarded.url}/invoices/{sent['id']}/pay/test", json={"outcome": "succeed"}, timeout=10
    )
    assert paid.status_code == 200
    # /webhook answers on its own terms (a signature), not with a 401.
    unsigned = requests.post(f"{guarded.url}/webhook", data=b"{}", timeout=10)
    assert unsigned.status_code == 400


def test_a_live_key_needs_an_admin_password():
    from settings import ConfigError, from_environ

    with pytest.raises(ConfigError, match="ADMIN_PASSWORD"):
        from_environ({"STRIPE_SECRET_KEY": "sk_live_0123456789abcdef"})
    assert from_environ({"STRIPE_SECRET_KEY": "rk_live_0123456789abcdef", "ADMIN_PASSWORD": "x"})


def test_state_changes_accept_only_json(sqlite_api):
    sent = sqlite_api.send().json()
    for path in ("/invoices", f"/invoices/{sent['id']}/void", f"/invoices/{sent['id']}/pay/test"):
        form = requests.post(sqlite_api.url + path, data={"email": "x@example.com"}, timeout=10)
        assert form.status_code == 415, path
        plain = requests.post(
            sqlite_api.url + path, data="{}", headers={"Content-Type": "text/plain"}, timeout=10
        )
        assert plain.status_code == 415, path
    assert sqlite_api.invoice(sent["id"])["status"] == "open"


def test_trusted_proxies_give_the_client_address(emulator, sqlite_url, caplog):
    with served(emulator, sqlite_url, TRUSTED_PROXIES=1) as api, caplog.at_level(logging.INFO):
        api.get(
            "/healthz", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
        )
    line = next(r.getMessage() for r in caplog.records if "path=/healthz" in r.getMessage())
    assert "remote=203.0.113.9" in line


def test_without_trusted_proxies_forwarded_headers_are_ignored(sqlite_api, caplog):
    with caplog.at_level(logging.INFO):
        sqlite_api.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    line = next(r.getMessage() for r in caplog.records if "path=/healthz" in r.getMessage())
    assert "remote=127.0.0.1" in line


def test_idempotency_key_replays_the_first_invoice(sqlite_api, emulator, client):
    body_key = {"Idempotency-Key": "order-1001"}
    first = sqlite_api.send(headers=body_key)
    assert first.status_code == 201
    emulator.reset_calls()
    again = sqlite_api.send(headers=body_key)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert emulator.calls == []  # no second invoice, no second email
    # The key reached Stripe, one derived key per step of the first try.
    assert {"order-1001:1:create", "order-1001:1:lines", "order-1001:1:send"} <= set(
        emulator.idempotency_keys()
    )
    other = sqlite_api.send("someone-else@example.com", headers=body_key)
    assert other.status_code == 409 and other.json()["error"]["field"] == "Idempotency-Key"
    assert len(client.v1.invoices.list().data) == 1
    bad = sqlite_api.send(headers={"Idempotency-Key": "x" * 201})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "step",
    ["customers.create", "invoices.create", "invoices.add_lines", "invoices.send_invoice"],
)
def test_stripe_failure_at_each_step_then_a_retry_with_the_same_key(
    sqlite_api, emulator, client, step
):
    sqlite_api.prices()
    emulator.fail(step)
    headers = {"Idempotency-Key": f"retry-{step}"}
    failed = sqlite_api.send("fresh@example.com", headers=headers)
    assert failed.status_code == 502
    assert "injected" in failed.json()["error"]["message"]
    assert client.v1.invoices.list().data == []  # no orphan draft
    retried = sqlite_api.send("fresh@example.com", headers=headers)
    assert retried.status_code == 201, retried.text
    invoices = client.v1.invoices.list().data
    assert [i.id for i in invoices] == [retried.json()["id"]] and invoices[0].status == "open"
    assert len(sqlite_api.get("/invoices").json()["data"]) == 1


def test_a_crashed_try_is_taken_over_with_its_own_stripe_keys(sqlite_api, emulator):
    import store

    with store.Session(sqlite_api.live.app.extensions["db"]) as session:
        assert store.claim_key(session, "crash-1", "h") == ("run", 1)
        # Its worker dies: the key stays locked, then goes stale.
        with pytest.raises(store.KeyConflictError):
            store.claim_key(session, "crash-1", "h")
        session.execute(
            store.update(store.IdempotencyKey).values(locked_at=int(time.time()) - 3600)
        )
        session.commit()
        assert store.claim_key(session, "crash-1", "h") == ("run", 1)  # same Stripe keys
        store.release_key(session, "crash-1")  # a clean failure: fresh keys next time
        assert store.claim_key(session, "crash-1", "h") == ("run", 2)


def test_replay_and_sync_commands(emulator, sqlite_url, client):
    with served(emulator, sqlite_url, STRIPE_WEBHOOK_SECRETS=[SECRET]) as api:
        live = api.live
        runner = live.app.test_cli_runner()
        sent = api.send().json()
        # A paid event stored but (say) applied by an older release: replay applies it.
        event = {
            "id": "evt_replay_1", "object": "event", "type": "invoice.paid",
            "created": int(time.time()), "data": {"object": {"id": sent["id"], "object": "invoice",
            "status": "paid", "amount_paid": 2000}},
        }  # fmt: skip
        payload = json.dumps(event).encode()
        with live.app.extensions["db"].begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO events (id, type, created, received, invoice_id, payload) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                ("evt_replay_1", "invoice.paid", event["created"], 0, sent["id"], payload.decode()),
            )
        assert api.invoice(sent["id"])["status"] == "open"
        first = runner.invoke(args=["events", "replay", "evt_replay_1"])
        assert first.exit_code == 0 and "applied" in first.output
        assert api.invoice(sent["id"])["status"] == "paid"
        second = runner.invoke(args=["events", "replay", "evt_replay_1"])
        assert second.exit_code == 0 and "unchanged" in second.output
        assert runner.invoke(args=["events", "replay", "evt_nope"]).exit_code != 0

        # Missed webhooks: Stripe voided one; sync brings the record up to date.
        other = api.send("sync@example.com").json()
        client.v1.invoices.void_invoice(other["id"])
        assert api.invoice(other["id"])["status"] == "open"
        synced = runner.invoke(args=["sync", "--all"])
        assert synced.exit_code == 0 and f"{other['id']}: void (updated)" in synced.output
        assert api.invoice(other["id"])["status"] == "void"
        again = runner.invoke(args=["sync", other["id"]])
        assert again.exit_code == 0 and "already current" in again.output
        assert runner.invoke(args=["sync"]).exit_code != 0


def test_one_log_line_per_request_and_event_without_secrets(emulator, sqlite_url, caplog):
    with served(emulator, sqlite_url, STRIPE_WEBHOOK_SECRETS=[SECRET]) as api:
        event = {"id": "evt_log", "type": "invoice.paid", "created": 1,
                 "data": {"object": {"id": "in_x", "object": "invoice",
                                     "customer_email": "p@x.io"}}}  # fmt: skip
        with caplog.at_level(logging.INFO):
            post_signed(f"{api.url}/webhook", event, SECRET)
            api.get("/invoices", params={"email": "p@x.io"})
        messages = [r.getMessage() for r in caplog.records if r.name == "factory"]
        assert len(messages) == 2 and all(m.startswith("request ") for m in messages)
        # The webhook's one line names the request and its event.
        assert "method=POST path=/webhook status=200" in messages[0]
        assert messages[0].endswith(
            "event=evt_log type=invoice.paid invoice=in_x outcome=unchanged"
        )
        everything = "\n".join(messages)
        for secret in (SECRET, "p@x.io", "v1=", "customer_email"):
            assert secret not in everything
