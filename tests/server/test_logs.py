"""web/logs.py: one log line per request, its fields, the client's address behind proxies, and no
secrets."""

import json
import logging

import requests

from tests.helpers import post_signed, served

SECRET = "whsec_logs_secret_0123456789"


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


def test_one_log_line_per_request_and_event_without_secrets(emulator, sqlite_url, caplog):
    with served(emulator, sqlite_url, STRIPE_WEBHOOK_SECRETS=[SECRET]) as api:
        event = {"id": "evt_log", "type": "invoice.paid", "created": 1,
                 "data": {"object": {"id": "in_x", "object": "invoice",
                                     "customer_email": "p@x.io"}}}  # fmt: skip
        with caplog.at_level(logging.INFO):
            post_signed(f"{api.url}/webhook", event, SECRET)
            api.get("/invoices", params={"email": "p@x.io"})
        messages = [r.getMessage() for r in caplog.records if r.name == "invoicing"]
        assert len(messages) == 2 and all(m.startswith("request ") for m in messages)
        # The webhook's one line names the request and its event.
        assert "method=POST path=/webhook status=200" in messages[0]
        assert messages[0].endswith(
            "event=evt_log type=invoice.paid invoice=in_x outcome=unchanged"
        )
        everything = "\n".join(messages)
        for secret in (SECRET, "p@x.io", "v1=", "customer_email"):
            assert secret not in everything


def test_a_refused_webhook_logs_why(hook, caplog):
    with caplog.at_level(logging.INFO):
        bad = requests.post(
            f"{hook.url}/webhook", data=json.dumps({"id": "evt_x"}),
            headers={"Stripe-Signature": "t=1,v1=00"}, timeout=10,
        )  # fmt: skip
    assert bad.status_code == 400
    line = next(r.getMessage() for r in caplog.records if "path=/webhook" in r.getMessage())
    assert line.endswith("reason=invalid_signature")
