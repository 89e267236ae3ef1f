"""web/pages.py over HTTP: the pay page with real (test) keys, after a return from Stripe, for a
closed invoice, and when Stripe cannot be reached."""

import re

from invoicing import stripe_calls
from tests.helpers import TEST_KEYS, served


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


def test_closed_invoice_shows_its_state(sqlite_api, emulator):
    sent = sqlite_api.send().json()
    page = sqlite_api.get(f"/invoices/{sent['id']}/pay").text
    assert "Fail payment" in page
    sqlite_api.post(f"/invoices/{sent['id']}/void")
    closed = sqlite_api.get(f"/invoices/{sent['id']}/pay").text
    assert re.search(r'data-status="void"', closed) and "Fail payment" not in closed


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
