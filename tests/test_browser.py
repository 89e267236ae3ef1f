"""The demo page and the payment page in a real headless Chromium (Debian's), over HTTP: send
from the form, pay, and watch every view follow. The helpers here serve test_browser_*.py too."""

import contextlib
import os
import re
import shutil
import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from stripe_emulator import Emulator, serve
from tests.helpers import post_signed
from tools.serving import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason="Chromium is not installed: apt-get install -y chromium (scripts/test does it as root)",
)
pytestmark = needs_chromium
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
    from factory import create_app

    # Processing lasts longer than both pages' polling intervals, so each can show it.
    emulator_server = serve(Emulator(processing_seconds=4.0, webhook_first_retry=0.1))
    live = LiveServer()
    live.app = create_app(
        {
            "STRIPE_SECRET_KEY": "",
            "STRIPE_PUBLISHABLE_KEY": "",
            "STRIPE_WEBHOOK_SECRETS": [],
            "STRIPE_API_BASE": emulator_server.url,
            "DATABASE_URL": f"sqlite:///{database}",
            "DOMAIN": live.url,
            "DAYS_UNTIL_DUE": 30,
            # Nothing from the shell that runs the tests changes what the pages show.
            "AUTOMATIC_TAX": False,
            "ADMIN_USER": "admin",
            "ADMIN_PASSWORD": "",
            "TRUSTED_PROXIES": 0,
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


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module's tests."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(tmp_path):
    """The server and its emulator, fresh for each test."""
    with running_site(tmp_path / "invoicing.db") as live:
        yield live


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


@pytest.fixture
def watched(browser, tmp_path):
    """A desktop-sized page whose errors fail the test."""
    w = Watched(browser, tmp_path)
    yield w
    w.close()


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


def test_send_and_pay_on_the_pay_page(site, watched):
    page = watched.page
    open_demo(page, site)
    assert page.inner_text("#mode-banner") == "Emulator: no real money moves"
    page.fill("#qty-0", "3")
    assert re.search(r"\d", page.inner_text("#total"))
    number = send_from_form(page)
    expect(page.locator("#result-status")).to_have_text("open")
    expect(badge(page, number)).to_have_text("open")
    # Dates are ISO, in the panel and in the list.
    assert ISO_DAY.match(page.inner_text("#result-due"))
    assert ISO_DAY.match(row(page, number).locator(".c-due").inner_text())
    watched.shot("index")

    pay = open_pay_page(watched, site, page)
    assert pay.inner_text("#status") == "open"
    # The pay page shows what is owed, for what, by when, and the PDF.
    expect(pay.locator(".lines tbody tr")).to_have_count(1)
    assert pay.locator(".lines tbody td").first.inner_text() == "Gold Special"
    assert pay.inner_text(".detail-amount strong") == "$30.00"
    assert ISO_DAY.match(pay.inner_text("#due"))
    assert pay.inner_text("#due") == page.inner_text("#result-due")
    assert "/pdf" in pay.get_by_role("link", name="Download the PDF").get_attribute("href")
    watched.shot("pay", pay)
    pay.get_by_role("button", name="Pay", exact=True).click()
    expect(pay.locator("#status")).to_have_text("paid")
    expect(pay.locator("#state-message")).to_contain_text("paid")
    watched.shot("pay-paid", pay)
    # The demo page follows without a reload: the list, and the "Invoice sent" panel with it.
    expect(badge(page, number)).to_have_text("paid")
    expect(page.locator("#result-status")).to_have_text("paid")


def test_pay_on_the_hosted_invoice_page(site, watched):
    page = watched.page
    open_demo(page, site)
    number = send_from_form(page)
    with watched.context.expect_page() as opened:
        page.click("#result-hosted")
    hosted = watched.watch(opened.value)
    hosted.wait_for_load_state()
    assert number in hosted.inner_text("h1")
    watched.shot("hosted", hosted)
    hosted.get_by_role("button", name="Pay", exact=True).click()
    expect(hosted.locator("#status")).to_have_text("paid")
    expect(badge(page, number)).to_have_text("paid")
    expect(page.locator("#result-status")).to_have_text("paid")


def test_failed_then_delayed_payment_shows_each_state(site, watched):
    page = watched.page
    open_demo(page, site)
    number = send_from_form(page)
    pay = open_pay_page(watched, site, page)
    pay.get_by_role("button", name="Fail payment").click()
    expect(pay.locator("#status")).to_have_text("payment failed")
    expect(badge(page, number)).to_have_text("payment failed")
    expect(page.locator("#result-status")).to_have_text("payment failed")
    # At once, as a customer would retry: an attempt in the failure's own second is newer.
    pay.get_by_role("button", name="Pay with a delayed method").click()
    expect(pay.locator("#status")).to_have_text("processing")
    expect(badge(page, number)).to_have_text("processing")
    expect(pay.locator("#status")).to_have_text("paid")
    expect(badge(page, number)).to_have_text("paid")


def test_an_error_shows_at_its_field_and_goes_when_the_field_changes(site, watched):
    page = watched.page
    watched.expect_failures("/invoices")  # the 400s this test asks for
    open_demo(page, site)
    page.fill("#email", "not-an-email")
    page.click("#send")
    expect(page.locator("#email-error")).to_contain_text("email")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_be_focused()
    assert page.locator("#result").is_hidden()
    page.locator("#email").press_sequentially("x")
    expect(page.locator("#email-error")).to_be_empty()
    expect(page.locator("#email")).not_to_have_attribute("aria-invalid", "true")
    # A quantity's error, and the items' own, go when a quantity changes.
    page.fill("#email", "jo@example.com")
    page.fill("#qty-0", "0")
    page.click("#send")
    expect(page.locator("#items-error")).not_to_be_empty()
    page.fill("#qty-0", "2")
    expect(page.locator("#items-error")).to_be_empty()


def test_send_is_disabled_in_flight_and_the_form_is_reset_after(site, watched):
    page = watched.page
    open_demo(page, site)
    held = []
    page.route("**/invoices", lambda route: held.append(route))
    posts = []
    page.on("request", lambda r: r.method == "POST" and "/invoices" in r.url and posts.append(r))
    fill_form(page, email="once@example.com")
    page.fill("#qty-0", "4")
    page.click("#send")
    expect(page.locator("#send")).to_be_disabled()
    # Enter in a field while the send is in flight sends nothing more.
    page.locator("#email").press("Enter")
    expect(page.locator("#send")).to_have_text("Sending…")
    assert len(held) == 1 and len(posts) == 1
    held[0].continue_()
    expect(page.locator("#result-email")).to_have_text("once@example.com")
    expect(page.locator("#send")).to_be_enabled()
    # The form is back to its start: a second press cannot resend the same invoice by mistake.
    for field in ("#email", "#name", "#description", "#po_number"):
        expect(page.locator(field)).to_have_value("")
    expect(page.locator("#qty-0")).to_have_value("1")
    expect(page.locator("#days_until_due")).to_have_value("30")
    assert page.inner_text("#total") == "$10.00"
    page.unroute("**/invoices")
    assert len(posts) == 1
    listed = requests.get(f"{site.url}/invoices", timeout=10).json()["data"]
    assert [i["email"] for i in listed] == ["once@example.com"]
