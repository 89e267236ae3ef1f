"""A cross-cutting suite, deployment: start-up as users run it, with configuration errors, the
CLI, and gunicorn with 3 workers."""

import os
import subprocess
import sys

import pytest
import requests

from invoicing import emulator_mode
from tests.helpers import ROOT, clean_env, start_gunicorn, stop, wait_for


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("STRIPE_SECRET_KEY", "sk_nonsense", "STRIPE_SECRET_KEY"),
        ("DATABASE_URL", "not a url", "DATABASE_URL"),
        ("DAYS_UNTIL_DUE", "soon", "DAYS_UNTIL_DUE"),
        ("DOMAIN", "localhost:4242", "DOMAIN"),
        ("STRIPE_WEBHOOK_SECRET", "secret", "STRIPE_WEBHOOK_SECRET"),
        ("EMULATOR_PROCESSING_SECONDS", "later", "EMULATOR_PROCESSING_SECONDS"),
        ("AUTOMATIC_TAX", "maybe", "AUTOMATIC_TAX"),
        ("STRIPE_TEST_CLOCK", "tomorrow", "STRIPE_TEST_CLOCK"),
    ],
)
def test_bad_configuration_stops_with_one_line(tmp_path, setting, value, says):
    env = clean_env(tmp_path, **{setting: value})
    result = subprocess.run(
        [sys.executable, "-c", "import server"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error:") and says in lines[0]


def test_a_broken_emulator_state_file_stops_with_one_line(tmp_path):
    broken = tmp_path / "emulator-state.json"
    broken.write_text("{not json")
    env = clean_env(tmp_path, EMULATOR_STATE_FILE=str(broken))
    result = subprocess.run(
        [sys.executable, "-c", "import server"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1
    assert lines[0].startswith("Configuration error: EMULATOR_STATE_FILE: ")


def test_emulator_state_is_kept_beside_the_default_record_only():
    config = {"EMULATOR_STATE_FILE": "", "DATABASE_URL": None}
    assert emulator_mode.state_file(config) == os.path.join(ROOT, "instance", "emulator-state.json")
    config["DATABASE_URL"] = "postgresql+psycopg://db/invoicing"
    assert emulator_mode.state_file(config) is None
    config["EMULATOR_STATE_FILE"] = "/var/lib/invoicing/emulator.json"
    assert emulator_mode.state_file(config) == "/var/lib/invoicing/emulator.json"


def test_a_env_file_beside_a_test_server_is_not_read(tmp_path):
    # A developer's `.env` must not configure the servers the tests start.
    (tmp_path / ".env").write_text("ADMIN_PASSWORD=x\n")
    env = clean_env(
        tmp_path, PYTHONPATH=ROOT, RECONCILE_SECONDS="0",
        STRIPE_WEBHOOK_SECRET="whsec_0123456789abcdef", STRIPE_API_BASE="http://127.0.0.1:9",
    )  # fmt: skip
    env.pop("ADMIN_PASSWORD", None)
    # Run as `python -c`, python-dotenv looks for `.env` from the working directory.
    shown = "from invoicing import create_app; print(repr(create_app().config['ADMIN_PASSWORD']))"
    result = subprocess.run(
        [sys.executable, "-c", shown],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "''"


def test_cli_init_db_and_seed_catalog_refuses_live(tmp_path):
    env = clean_env(tmp_path, FLASK_APP="server")
    flask = [sys.executable, "-m", "flask", "--app", "server"]
    init = subprocess.run([*flask, "init-db"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert init.returncode == 0 and "Database ready" in init.stdout
    seeded = subprocess.run(
        [*flask, "seed-catalog"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert seeded.returncode == 0 and "Sample catalog ready" in seeded.stdout
    # With a live key nothing is created: no call is made (this API base answers nothing). A
    # record of its own: the one above belongs to emulator mode.
    live = clean_env(
        tmp_path, FLASK_APP="server", STRIPE_SECRET_KEY="sk_live_0123456789abcdef",
        ADMIN_PASSWORD="x", STRIPE_API_BASE="http://127.0.0.1:9",
        DATABASE_URL=f"sqlite:///{tmp_path / 'live.db'}",
    )  # fmt: skip
    refused = subprocess.run(
        [*flask, "seed-catalog"], cwd=ROOT, env=live, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0 and "Sample catalog ready" not in refused.stdout
    lines = refused.stderr.strip().splitlines()
    assert lines == ["Error: Refusing to create sample products with a live key."], refused.stderr


def gold_price(url):
    prices = requests.get(f"{url}/prices", timeout=10).json()["data"]
    return next(p for p in prices if p["product"] == "Gold Special")


def test_gunicorn_with_three_workers_serves_a_full_flow(tmp_path, unused_port):
    url = f"http://127.0.0.1:{unused_port}"
    env = clean_env(
        tmp_path, PORT=str(unused_port), DOMAIN=url, WEB_CONCURRENCY="3",
        EMULATOR_PROCESSING_SECONDS="0.2",
    )  # fmt: skip
    process = start_gunicorn(env, unused_port)
    try:
        # Every worker sees the same Stripe state: the same catalog ids from each.
        catalogs = {
            tuple(sorted(p["id"] for p in requests.get(f"{url}/prices", timeout=10).json()["data"]))
            for _ in range(12)
        }
        assert len(catalogs) == 1
        gold = gold_price(url)
        sent = requests.post(
            f"{url}/invoices",
            json={"email": "gunicorn@example.com", "items": [{"price": gold["id"], "quantity": 1}]},
            timeout=30,
        )
        assert sent.status_code == 201, sent.text
        invoice = sent.json()
        hosted = invoice["hosted_invoice_url"].rsplit("/i/", 1)[0]
        paid = requests.post(
            f"{hosted}/_emulator/invoices/{invoice['id']}/payments", json={"outcome": "succeed"}
        )
        assert paid.ok
        wait_for(lambda: requests.get(f"{url}/invoices/{invoice['id']}").json()["status"] == "paid")
    finally:
        stop(process)


def test_a_restarted_server_still_finds_its_invoices_at_the_emulator(tmp_path, unused_port):
    url = f"http://127.0.0.1:{unused_port}"
    env = clean_env(
        tmp_path, PORT=str(unused_port), DOMAIN=url, WEB_CONCURRENCY="2",
        EMULATOR_STATE_FILE=str(tmp_path / "emulator-state.json"),
    )  # fmt: skip
    process = start_gunicorn(env, unused_port)
    try:
        gold = gold_price(url)["id"]
        sent = requests.post(
            f"{url}/invoices",
            json={"email": "again@example.com", "items": [{"price": gold}]},
            timeout=30,
        )
        assert sent.status_code == 201, sent.text
        invoice = sent.json()
    finally:
        stop(process)

    process = start_gunicorn(env, unused_port)
    try:
        # The emulator came back on the same port, so the invoice's links still work.
        assert requests.get(invoice["hosted_invoice_url"], timeout=10).status_code == 200
        voided = requests.post(f"{url}/invoices/{invoice['id']}/void", json={}, timeout=30)
        assert voided.status_code == 200, voided.text
        assert voided.json()["status"] == "void"
        # The catalog was found again, not made twice.
        assert gold_price(url)["id"] == gold
    finally:
        stop(process)
