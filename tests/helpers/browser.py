"""What the browser tests share: Debian's Chromium driven by Playwright, the server with its
emulator over real HTTP, a page whose errors fail the test, and the steps a person takes on
the demo page. The fixtures that use them are in tests/conftest.py."""

import contextlib
import os
import re
import shutil
import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from stripe_emulator import Emulator, serve
from tests.helpers import SERVER_SETTINGS, post_signed
from tests.helpers.serving import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason="Chromium is not installed: apt-get install -y chromium (scripts/test does it as root)",
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DAY = 86400
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A phone's width in CSS pixels, and an email long enough to push a page wider than it.
PHONE = 390
LONG_EMAIL = "accounts-payable.department.of.somewhere@subsidiary.example.com"


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, driven by Playwright (no browser is downloaded)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@contextlib.contextmanager
def running_site(database):
    """The server in emulator mode, with the emulator over real HTTP (its hosted page too)."""
    from invoicing import create_app

    # Processing lasts longer than both pages' polling intervals, so each can show it.
    emulator_server = serve(Emulator(processing_seconds=4.0, webhook_first_retry=0.1))
    live = LiveServer()
    live.app = create_app(
        {
            **SERVER_SETTINGS,
            "STRIPE_API_BASE": emulator_server.url,
            "DATABASE_URL": f"sqlite:///{database}",
            "DOMAIN": live.url,
        }
    )
    live.emulator = emulator_server.emulator
    try:
        yield live
    finally:
        emulator_server.emulator.deliverer.wait_idle(timeout=10)
        live.stop()
        emulator_server.stop()
        live.app.extensions["db"].dispose()


class Watched:
    """A page whose console errors and uncaught exceptions are collected. A failed request
    makes Chromium log an error too: those the test expects are named by their path."""

    def __init__(self, browser, tmp_path, width=1100):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors = []
        self.expected_failures = []
        self.tmp_path = tmp_path
        self.watch(self.page)

    def watch(self, page):
        """Collect this page's errors too."""
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page

    def _console(self, message):
        if message.type != "error":
            return
        url = message.location.get("url", "")
        failed_load = message.text.startswith("Failed to load resource")
        if failed_load and any(path in url for path in self.expected_failures):
            return
        self.errors.append(f"{message.text} ({url})")

    def expect_failures(self, *paths):
        """Requests to these paths are meant to fail in this test."""
        self.expected_failures.extend(paths)

    def shot(self, name, page=None):
        """A full-page screenshot into the test's temporary directory."""
        (page or self.page).screenshot(path=str(self.tmp_path / f"{name}.png"), full_page=True)

    def close(self):
        """Close the page's context; fail on any error it collected."""
        self.context.close()
        assert self.errors == [], self.errors


def assert_fits(page):
    """Nothing wider than the window: no sideways scrolling."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url}: {scroll} px wide in a {inner} px window"


def open_demo(page, site):
    """The demo page, once its catalog has loaded."""
    page.goto(site.url)
    page.wait_for_selector("input.quantity")


def first_price(site):
    """The id of the catalog's first price."""
    return requests.get(f"{site.url}/prices", timeout=10).json()["data"][0]["id"]


def send_by_api(site, email, days_until_due=30, quantity=1):
    """Send an invoice over HTTP (quicker than the form, for what a test only needs to exist)."""
    body = {"email": email, "items": [{"price": first_price(site), "quantity": quantity}],
            "days_until_due": days_until_due}  # fmt: skip
    answer = requests.post(f"{site.url}/invoices", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()


def make_overdue(site, invoice, days):
    """Move an invoice's due date `days` (and a minute) into the past, by a signed event as
    Stripe's own would carry it; after the send's own events, which carry the real date."""
    assert site.emulator.deliverer.wait_idle(timeout=10)
    snapshot = {"id": invoice["id"], "object": "invoice", "status": "open",
                "due_date": int(time.time()) - days * DAY - 60}  # fmt: skip
    event = {"id": f"evt_overdue_{invoice['id']}", "type": "invoice.finalized",
             "created": int(time.time()), "data": {"object": snapshot}}  # fmt: skip
    secret = site.app.config["STRIPE_WEBHOOK_SECRETS"][0]
    assert post_signed(f"{site.url}/webhook", event, secret).status_code == 200


def fill_form(page, email="jo@example.com", po="PO-42"):
    """Fill the customer and terms fields; the quantities are left as they are."""
    page.fill("#email", email)
    page.fill("#name", "Jo Bloggs")
    page.fill("#description", "Thanks for your business")
    page.fill("#po_number", po)


def send_from_form(page, email="jo@example.com", po="PO-42"):
    """Fill and send the form; the new invoice's number from the "Invoice sent" panel."""
    fill_form(page, email, po)
    page.click("#send")
    expect(page.locator("#result-email")).to_have_text(email)
    return page.inner_text("#result-number")


def row(page, number):
    """The list's row (a card on a phone) of the invoice with this number."""
    return page.locator("#invoices tr", has=page.get_by_role("link", name=f"Details of {number}"))


def badge(page, number):
    """The status badge of the invoice with this number in the list."""
    return row(page, number).locator(".badge").first


def open_pay_page(watched, site, page):
    """The just-sent invoice's pay page, in a new tab."""
    pay = watched.watch(watched.context.new_page())
    pay.goto(site.url + page.get_attribute("#result-pay", "href"))
    return pay


def invoice_of(site, invoice_id):
    """The invoice as the server has it, with its credit notes and refunds."""
    return requests.get(f"{site.url}/invoices/{invoice_id}", timeout=10).json()


def paid(site, email, quantity=1, outcome="succeed"):
    """An invoice sent and paid by card (the emulator's test payment), once the record has it."""
    sent = send_by_api(site, email, quantity=quantity)
    pay = {"outcome": outcome}
    emulator = site.app.config["STRIPE_API_BASE"]
    answer = requests.post(f"{emulator}/_emulator/invoices/{sent['id']}/payments", json=pay)
    assert answer.ok, answer.text
    for _ in range(150):
        if invoice_of(site, sent["id"])["status"] == "paid":
            return sent
        time.sleep(0.1)
    raise AssertionError(f"{sent['id']} is not paid")


def open_detail(page, site, invoice):
    """The demo page with the invoice's detail view open."""
    open_demo(page, site)
    page.get_by_role("link", name=f"Details of {invoice['number']}").click()
    dialog = page.locator("#detail")
    expect(dialog.locator("h2")).to_have_text(f"Invoice {invoice['number']}")
    return dialog
