"""errors.py: Stripe's error objects, as Stripe renders them."""

import requests

from stripe_emulator import serve


def test_errors_link_to_their_request_log_entry(emulator):
    server = serve(emulator)
    try:
        answer = requests.get(f"{server.url}/v1/invoices/in_missing", auth=("sk_test_12345678", ""))
    finally:
        server.stop()
    error = answer.json()["error"]
    assert error["code"] == "resource_missing"
    assert error["request_log_url"].endswith(answer.headers["Request-Id"])
