"""The pages over HTTP: the pay page with real keys, states, the test-payment route, headers."""

import re
import time

import pytest

from invoicing import stripe_calls
from invoicing.record import invoices
from invoicing.web import invoices as invoice_routes
from tests.helpers import serve_api, served

TEST_KEYS = {
    "STRIPE_SECRET_KEY": "sk_test_51FakeSecretKeyForTests",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_51FakePublishableKey",
    "STRIPE_WEBHOOK_SECRETS": ["whsec_test_secret_0123456789"],
}


@pytest.fixture
def test_mode(emulator, sqlite_url):
    """The server with (fake) test keys, its Stripe calls going to the emulator."""
    yield from serve_api(emulator, sqlite_url, **TEST_KEYS)


def test_pay_page_mounts_the_payment_element_with_real_keys(test_mode, client):
    assert test_mode.get("/config").json()["mode"] == "test"
    sent = test_mode.send().json()
    page = test_mode.get(f"/invoices/{sent['id']}/pay")
    assert page.status_code == 200
    html = page.text
    secret = client.v1.invoices.retrieve(
        sent["id"], {"expand": ["confirmation_secret"]}
    ).confirmation_secret.client_secret
    assert f'data-client-secret="{secret}"' in html
    assert 'data-publishable-key="pk_test_51FakePublishableKey"' in html
    assert f'data-return-url="{test_mode.url}/invoices/{sent["id"]}/pay"' in html
    assert '<script src="https://js.stripe.com/v3/"></script>' in html
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in csp and "frame-ancestors 'none'" in csp
    assert TEST_KEYS["STRIPE_SECRET_KEY"] not in html and "whsec_" not in html
    assert "Stripe test mode" in html


def test_return_from_stripe_shows_the_status_not_a_form(test_mode):
    sent = test_mode.send().json()
    page = test_mode.get(f"/invoices/{sent['id']}/pay?redirect_status=succeeded")
    assert "payment-form" not in page.text and "js.stripe.com" not in page.text
    assert "js.stripe.com" not in page.headers["Content-Security-Policy"]


def test_test_payments_only_in_emulator_mode(test_mode):
    sent = test_mode.send().json()
    refused = test_mode.post(f"/invoices/{sent['id']}/pay/test", {"outcome": "succeed"})
    assert refused.status_code == 404


def test_closed_invoice_shows_its_state(sqlite_api, emulator):
    sent = sqlite_api.send().json()
    page = sqlite_api.get(f"/invoices/{sent['id']}/pay").text
    assert "Fail payment" in page
    sqlite_api.post(f"/invoices/{sent['id']}/void")
    closed = sqlite_api.get(f"/invoices/{sent['id']}/pay").text
    assert re.search(r'data-status="void"', closed) and "Fail payment" not in closed


def test_test_payment_rules(sqlite_api):
    sent = sqlite_api.send().json()
    bad = sqlite_api.post(f"/invoices/{sent['id']}/pay/test", {"outcome": "steal"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "outcome"
    missing = sqlite_api.post("/invoices/in_nope/pay/test", {"outcome": "succeed"})
    assert missing.status_code == 404
    paid = sqlite_api.post(f"/invoices/{sent['id']}/pay/test", {"outcome": "succeed"})
    assert paid.status_code == 200
    sqlite_api.wait(sent["id"], status="paid")
    again = sqlite_api.post(f"/invoices/{sent['id']}/pay/test", {"outcome": "succeed"})
    assert again.status_code == 409


def test_browser_routes_answer_html_errors_and_json_routes_json(sqlite_api):
    page = sqlite_api.get("/invoices/in_nope/pay")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text and "No invoice &#39;in_nope&#39;." in page.text
    assert 'class="banner banner-emulator"' in page.text
    # The same lookup as JSON stays JSON; so does an unknown route.
    status = sqlite_api.get("/invoices/in_nope/pay/status")
    assert status.status_code == 404 and status.json()["error"]["code"] == "not_found"
    assert sqlite_api.get("/nowhere").json()["error"]["code"] == "not_found"


def test_the_pay_page_says_plainly_when_stripe_cannot_be_reached(emulator, sqlite_url):
    with served(emulator, sqlite_url, **TEST_KEYS) as api:
        sent = api.send().json()
        api.live.app.extensions["stripe"] = stripe_calls.make_client(
            TEST_KEYS["STRIPE_SECRET_KEY"], "http://127.0.0.1:9"
        )
        page = api.get(f"/invoices/{sent['id']}/pay")
    assert page.status_code == 502 and page.headers["Content-Type"].startswith("text/html")
    assert "Stripe could not be reached; try again." in page.text
    assert "127.0.0.1" not in page.text


def test_every_response_has_security_headers(sqlite_api):
    for path in ("/", "/prices", "/static/index.js", "/nowhere"):
        headers = sqlite_api.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_list_since_cursor_returns_only_changes(sqlite_api, emulator):
    first = sqlite_api.send("a@example.com").json()
    assert emulator.deliverer.wait_idle()  # the send's webhooks change the row too
    listed = sqlite_api.get("/invoices").json()
    assert [i["id"] for i in listed["data"]] == [first["id"]] and listed["cursor"] > 0
    recent = sqlite_api.get("/invoices", params={"since": listed["cursor"]}).json()
    assert [i["id"] for i in recent["data"]] == [first["id"]]  # within the overlap window
    later = listed["cursor"] + invoice_routes.CURSOR_OVERLAP + 1
    assert sqlite_api.get("/invoices", params={"since": later}).json()["data"] == []
    bad = sqlite_api.get("/invoices", params={"since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "since"


def test_a_burst_of_changes_larger_than_a_page_reaches_a_poller(sqlite_api):
    count = 150  # a page holds 100
    created = int(time.time()) - 100
    with sqlite_api.live.app.extensions["db"].begin() as db:
        for n in range(count):
            invoices.record_invoice(
                db,
                {"id": f"in_burst{n:04d}", "status": "open", "customer": "cus_burst",
                 "email": "burst@example.com", "amount_due": 100, "amount_paid": 0,
                 "currency": "usd", "created": created + n, "lines": []},
            )  # fmt: skip
    cursor = sqlite_api.get("/invoices").json()["cursor"]
    time.sleep(0.01)
    with sqlite_api.live.app.extensions["db"].begin() as db:
        for n in range(count):  # oldest first: the newest page alone would miss 50
            invoices.advance_status(db, f"in_burst{n:04d}", "void")
    seen, pages = {}, 0
    while pages < 5:
        page = sqlite_api.get("/invoices", params={"since": cursor}).json()
        pages += 1
        seen.update({i["id"]: i["status"] for i in page["data"]})
        cursor = page["cursor"]
        if not page.get("has_more"):
            break
    assert len(seen) == count and set(seen.values()) == {"void"}
    assert pages == 2
