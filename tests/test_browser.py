"""The demo page and the payment page in a real headless Chromium (Debian's), over HTTP."""

import os
import re
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from stripe_emulator import Emulator, serve
from tools.serving import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
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


@pytest.fixture(scope="module")
def browser():

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(tmp_path):
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
            "DATABASE_URL": f"sqlite:///{tmp_path / 'invoicing.db'}",
            "DOMAIN": live.url,
            "DAYS_UNTIL_DUE": 30,
        }
    )
    yield live
    emulator_server.emulator.deliverer.wait_idle(timeout=10)
    live.stop()
    emulator_server.stop()
    live.app.extensions["db"].dispose()


class Watched:
    """A page whose console errors and uncaught exceptions are collected."""

    def __init__(self, browser, tmp_path, width=1100):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.errors = []
        self.tmp_path = tmp_path
        self.watch(self.page)

    def watch(self, page):
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        return page

    def shot(self, name, page=None):
        (page or self.page).screenshot(path=str(self.tmp_path / f"{name}.png"), full_page=True)

    def close(self):
        self.context.close()
        assert self.errors == [], self.errors


@pytest.fixture
def watched(browser, tmp_path):
    w = Watched(browser, tmp_path)
    yield w
    w.close()


def open_demo(page, site):
    """The demo page, once its catalog has loaded."""
    page.goto(site.url)
    page.wait_for_selector("input.quantity")


def open_pay_page(watched, site, page):
    """The just-sent invoice's pay page, in a new tab."""
    pay = watched.watch(watched.context.new_page())
    pay.goto(site.url + page.get_attribute("#result-pay", "href"))
    return pay


def send_from_form(page, email="jo@example.com", po="PO-42"):
    page.fill("#email", email)
    page.fill("#name", "Jo Bloggs")
    page.fill("#description", "Thanks for your business")
    page.fill("#po_number", po)
    page.click("#send")
    page.wait_for_selector("#result:not([hidden])")
    return page.inner_text("#result-number")


def badge(page, number):
    return page.locator("tr", has=page.get_by_role("link", name=number)).locator(".badge")


def test_send_and_pay_on_the_pay_page(site, watched):
    page = watched.page
    open_demo(page, site)
    assert page.inner_text("#mode-banner") == "Emulator: no real money moves"
    page.fill("#qty-0", "3")
    total = page.inner_text("#total")
    assert re.search(r"\d", total)
    number = send_from_form(page)
    assert page.inner_text("#result-status") == "open"
    expect(badge(page, number)).to_have_text("open")
    watched.shot("index")

    pay = open_pay_page(watched, site, page)
    assert pay.inner_text("#status") == "open"
    watched.shot("pay", pay)
    pay.get_by_role("button", name="Pay", exact=True).click()
    expect(pay.locator("#status")).to_have_text("paid")
    expect(pay.locator("#state-message")).to_contain_text("paid")
    watched.shot("pay-paid", pay)
    # The demo page follows without a reload.
    expect(badge(page, number)).to_have_text("paid")


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


def test_failed_then_delayed_payment_shows_each_state(site, watched):
    page = watched.page
    open_demo(page, site)
    number = send_from_form(page)
    pay = open_pay_page(watched, site, page)
    pay.get_by_role("button", name="Fail payment").click()
    expect(pay.locator("#status")).to_have_text("payment failed")
    expect(badge(page, number)).to_have_text("payment failed")
    pay.get_by_role("button", name="Pay with a delayed method").click()
    expect(pay.locator("#status")).to_have_text("processing")
    expect(badge(page, number)).to_have_text("processing")
    expect(pay.locator("#status")).to_have_text("paid")
    expect(badge(page, number)).to_have_text("paid")


def test_bad_email_is_shown_next_to_the_field(site, watched):
    page = watched.page
    open_demo(page, site)
    page.fill("#email", "not-an-email")
    page.click("#send")
    expect(page.locator("#email-error")).to_contain_text("email")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#result").is_hidden()
    # The failed request is the page's own 400, which Chromium logs; nothing else.
    watched.errors = [e for e in watched.errors if "400" not in e]


def test_void_an_open_invoice_and_filter(site, watched):
    page = watched.page
    open_demo(page, site)
    number = send_from_form(page, email="void@example.com")
    send_from_form(page, email="other@example.com")
    page.get_by_role("button", name=f"Void {number}").click()
    expect(badge(page, number)).to_have_text("void")
    page.fill("#filter-email", "void@example.com")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#invoices tr")).to_have_count(1)


def test_phone_width_and_headers(site, browser, tmp_path):
    narrow = Watched(browser, tmp_path, width=375)
    response = narrow.page.goto(site.url)
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]
    narrow.page.wait_for_selector("input.quantity")
    scroll = narrow.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 375
    narrow.page.keyboard.press("Tab")
    focused = narrow.page.evaluate("document.activeElement.tagName")
    assert focused in ("INPUT", "BUTTON", "A")
    narrow.shot("index-phone")
    html = narrow.page.content()
    assert "sk_test" not in html and "whsec_" not in html
    narrow.close()
