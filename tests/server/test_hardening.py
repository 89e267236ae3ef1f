"""A cross-cutting suite, hardening: hostile and odd input across the server. Log lines that
cannot be forged, a 4xx (never a 500) for odd input, signed webhook fields checked,
configuration and outages reported in one true line without a secret, and the Stripe calls the
public pay page costs."""

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests

from invoicing import catalog, stripe_calls
from tests.helpers import HOOK_SECRET, ROOT, TEST_KEYS, clean_env, post_signed, served, wait_for

PASSWORD = "correct horse battery staple"


def lines_for(caplog, fragment):
    return [r.getMessage() for r in caplog.records if fragment in r.getMessage()]


def test_a_forged_log_line_stays_one_escaped_line(emulator, sqlite_url, caplog):
    forged = "/admin%0A2026-11-25%2000:00:00,000%20INFO%20factory%20request%20method=POST"
    with served(emulator, sqlite_url, ADMIN_PASSWORD=PASSWORD) as api:
        with caplog.at_level(logging.INFO):
            answer = requests.get(api.url + forged + "%20path=/invoices/in_X/void", timeout=10)
    assert answer.status_code == 401
    (line,) = lines_for(caplog, "path=/admin")
    assert "\n" not in line and "\r" not in line
    assert "path=/admin%0A2026-11-25%2000:00:00,000%20INFO" in line
    assert line.count(" method=") == 1 and line.count(" path=") == 1


@pytest.mark.parametrize("since", ["9223372036854775808", "99999999999999999999", "²", "١٢", "-1"])
def test_a_cursor_out_of_range_or_not_ascii_digits_is_a_400(sqlite_hook, since):
    answer = sqlite_hook.get("/invoices", params={"since": since})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "since"


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("email", {"email": "jo\ud800@example.com"}),
        ("name", {"name": "Jo \ud800"}),
        ("description", {"description": "Thanks\udfff"}),
        ("custom_fields[0].value", {"custom_fields": [{"name": "PO", "value": "\ud800"}]}),
        ("custom_fields[0].name", {"custom_fields": [{"name": "P\x00O", "value": "1"}]}),
        ("name", {"name": "Jo\nRosen"}),
    ],
)
def test_lone_surrogates_and_control_characters_are_a_400(sqlite_hook, emulator, field, body):
    gold = sqlite_hook.prices()["gold_special"]["id"]
    full = {"email": "jo@example.com", "items": [{"price": gold}], **body}
    emulator.reset_calls()
    answer = sqlite_hook.http.post(
        f"{sqlite_hook.url}/invoices",
        data=json.dumps(full),  # ensure_ascii: a lone surrogate travels as \\ud800
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json()["error"]["field"] == field
    assert emulator.calls == []


def test_deeply_nested_json_is_a_400_on_every_route(emulator, sqlite_url):
    nested = "[" * 100_000 + "]" * 100_000
    with served(emulator, sqlite_url, ADMIN_PASSWORD=PASSWORD) as api:
        api.http.auth = ("admin", PASSWORD)
        sent = api.send().json()
        headers = {"Content-Type": "application/json"}
        for path, auth in (
            ("/invoices", api.http.auth),
            (f"/invoices/{sent['id']}/pay/test", None),
        ):
            answer = requests.post(
                api.url + path, data=nested, headers=headers, auth=auth, timeout=10
            )
            assert answer.status_code == 400, path
        signed = post_signed(f"{api.url}/webhook", nested.encode(), "whsec_unused_0000000000")
        assert signed.status_code == 400


def test_deeply_nested_signed_webhook_is_a_400(sqlite_hook):
    nested = ("[" * 100_000 + "]" * 100_000).encode()
    assert post_signed(f"{sqlite_hook.url}/webhook", nested, HOOK_SECRET).status_code == 400


def test_a_signed_event_cannot_set_a_script_link_or_a_negative_amount(sqlite_hook):
    sent = sqlite_hook.send().json()
    evil = {"id": sent["id"], "object": "invoice", "status": "open",
            "hosted_invoice_url": "javascript:alert(document.cookie)",
            "invoice_pdf": "https://example.com/\x00x", "amount_paid": -5, "amount_due": True,
            "number": "X\nY"}  # fmt: skip
    event = {"id": "evt_evil", "type": "invoice.finalized", "created": int(time.time()),
             "data": {"object": evil}}  # fmt: skip
    assert post_signed(f"{sqlite_hook.url}/webhook", event, HOOK_SECRET).status_code == 200
    shown = sqlite_hook.invoice(sent["id"])
    for key in ("hosted_invoice_url", "invoice_pdf", "amount_paid", "amount_due", "number"):
        assert shown[key] == sent[key], key


@pytest.mark.parametrize("created", [True, -1, 2**63, "1", 1.5])
def test_an_event_created_at_an_odd_time_is_a_400(sqlite_hook, created):
    event = {"id": "evt_odd", "type": "invoice.paid", "created": created,
             "data": {"object": {"id": "in_x", "object": "invoice"}}}  # fmt: skip
    assert post_signed(f"{sqlite_hook.url}/webhook", event, HOOK_SECRET).status_code == 400


def test_a_chunked_body_over_the_limit_is_a_413(sqlite_hook):
    host, port = sqlite_hook.url.removeprefix("http://").split(":")
    for path in ("/invoices", "/webhook"):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
            )
            chunk = b"a" * 65536
            try:
                for _ in range(20):
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server may answer and close before reading it all
            status = sock.recv(200).split(b"\r\n")[0]
        assert b" 413 " in status, (path, status)


def test_the_pay_page_costs_one_stripe_call_per_minute_not_per_view(emulator, sqlite_url):
    with served(emulator, sqlite_url, **TEST_KEYS) as api:
        sent = api.send().json()
        emulator.reset_calls()
        for _ in range(50):
            assert requests.get(f"{api.url}/invoices/{sent['id']}/pay", timeout=10).ok
        assert emulator.calls == ["invoices.retrieve"]


def test_an_unreachable_stripe_is_one_plain_sentence_and_a_log_naming_it(
    emulator, sqlite_url, caplog
):
    with served(emulator, sqlite_url) as api:
        gold = api.prices()["gold_special"]["id"]
        api.live.app.extensions["stripe"] = stripe_calls.make_client(
            "sk_test_emulator", "http://127.0.0.1:9"
        )
        api.live.app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
        with caplog.at_level(logging.INFO):
            answer = api.post("/invoices", {"email": "x@example.com", "items": [{"price": gold}]})
    assert answer.status_code == 502
    assert answer.json()["error"]["message"] == "Stripe could not be reached; try again."
    (logged,) = lines_for(caplog, "stripe error")
    assert "APIConnectionError" in logged and "api=http://127.0.0.1:9" in logged


def test_health_fails_when_the_database_refuses_writes(sqlite_hook):
    assert sqlite_hook.get("/healthz").status_code == 200
    with sqlite_hook.live.app.extensions["db"].begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER full BEFORE UPDATE ON settings "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    answer = sqlite_hook.get("/healthz")
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "database_unavailable"


def _start(tmp_path, args, **env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean_env(tmp_path, **env),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path):
    url = "postgresql+psycopg://invoicing:hunter2secret@127.0.0.1:9/ledger"
    result = _start(tmp_path, ["-c", "import server"], DATABASE_URL=url)
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert "127.0.0.1:9/ledger" in lines[0] and "hunter2secret" not in lines[0]


def test_seed_catalog_with_stripe_out_of_reach_is_one_line(tmp_path):
    result = _start(
        tmp_path, ["-m", "flask", "--app", "server", "seed-catalog"],
        STRIPE_SECRET_KEY="sk_test_0123456789abcdef", STRIPE_API_BASE="http://127.0.0.1:9",
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and lines == ["Error: Stripe could not be reached; try again."]


def test_a_webhook_secret_without_a_key_still_uses_the_emulator(tmp_path):
    from invoicing import create_app

    app = create_app(
        {"STRIPE_SECRET_KEY": "", "STRIPE_API_BASE": "", "STRIPE_WEBHOOK_SECRETS": [HOOK_SECRET],
         "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "EMULATOR_STATE_FILE": ""}
    )  # fmt: skip
    assert app.config["STRIPE_API_BASE"].startswith("http://127.0.0.1:")
    # The given secret stays; the emulator's endpoint's is added, so its deliveries verify.
    given, registered = app.config["STRIPE_WEBHOOK_SECRETS"]
    assert given == HOOK_SECRET and registered.startswith("whsec_")


def test_the_example_env_file_starts_gunicorn(tmp_path, unused_port):
    # `cp .env.example .env`, beside gunicorn.conf.py, then `gunicorn server:app`: every empty
    # variable (WEB_CONCURRENCY=, DOMAIN=, ...) means its default.
    shutil.copy(f"{ROOT}/.env.example", tmp_path / ".env")
    shutil.copy(f"{ROOT}/gunicorn.conf.py", tmp_path / "gunicorn.conf.py")
    # The copy of gunicorn.conf.py imports the server's package from the repository.
    env = clean_env(tmp_path, PORT=str(unused_port), RECONCILE_SECONDS="0", PYTHONPATH=ROOT)
    del env["PYTHON_DOTENV_DISABLED"]  # reading `.env` is what this test is about
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "-c", str(tmp_path / "gunicorn.conf.py"), "--chdir", ROOT, "server:app"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{unused_port}/config"), timeout=30)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors


@pytest.mark.parametrize("name", ["GUNICORN_THREADS", "PORT"])
def test_a_bad_gunicorn_setting_stops_it_with_one_line(tmp_path, name):
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    run = subprocess.run(
        [gunicorn, "--check-config", "server:app"], cwd=ROOT, capture_output=True, text=True,
        env=clean_env(tmp_path, **{name: "many"}), timeout=60,
    )  # fmt: skip
    assert run.returncode != 0
    assert run.stderr.strip() == f"Configuration error: {name} must be a whole number, got 'many'"


def _answers(url):
    try:
        return requests.get(url, timeout=2).ok
    except requests.ConnectionError:
        return False


@pytest.mark.parametrize(
    ("currency", "unit_amount", "quantity", "says"),
    [
        ("usd", 25_000, 10_000, "more than Stripe accepts ($999,999.99)"),
        ("usd", 10, 1, "less than Stripe accepts ($0.50)"),
        ("jpy", 49, 1, "less than Stripe accepts (¥50)"),
        ("eur", 0, 3, "less than Stripe accepts (€0.50)"),
    ],
)
def test_totals_beyond_stripes_limits_are_refused_before_any_call(
    sqlite_hook, emulator, client, currency, unit_amount, quantity, says
):
    price = client.v1.prices.create(
        {"currency": currency, "unit_amount": unit_amount, "product_data": {"name": "Item"}}
    )
    sqlite_hook.live.app.extensions["catalog"] = catalog.Catalog()  # one that sees the new price
    emulator.reset_calls()
    items = [{"price": price.id, "quantity": quantity}] * (250 if unit_amount > 1000 else 1)
    answer = sqlite_hook.post("/invoices", {"email": "cap@example.com", "items": items})
    assert answer.status_code == 400 and answer.json()["error"]["field"] == "items"
    assert says in answer.json()["error"]["message"]
    catalog_calls = ("prices.", "tax_rates.", "coupons.", "promotion_codes.")
    assert [c for c in emulator.calls if not c.startswith(catalog_calls)] == []
