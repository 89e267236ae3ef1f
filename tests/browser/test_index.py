"""The demo page (templates/index.html, static/index.js) in a real headless Chromium (Debian's),
over HTTP: send from the form, pay, and watch every view follow; errors at their fields; and a
form that never submits itself, with the local list still loading when Stripe cannot be
reached."""

import re

import requests
from playwright.sync_api import expect

from invoicing import catalog, stripe_calls
from tests.helpers.browser import (
    ISO_DAY,
    Watched,
    badge,
    fill_form,
    needs_chromium,
    open_demo,
    open_pay_page,
    row,
    send_by_api,
    send_from_form,
)

pytestmark = needs_chromium
UNREACHABLE = "Stripe could not be reached, so the catalog cannot be shown."


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


def test_the_form_never_submits_itself_and_without_stripe_the_list_loads(site, browser, tmp_path):
    # Before the script runs, Send is disabled and the form would only POST (nothing in a URL).
    html = requests.get(site.url, timeout=10).text
    assert '<form id="invoice-form" method="post" action="/invoices" novalidate>' in html
    assert '<button type="submit" id="send" disabled>' in html
    watched = Watched(browser, tmp_path)
    watched.expect_failures("/prices", "/outbox", "/tax-rates", "/coupons")
    page = watched.page
    navigations = []
    page.on("request", lambda r: r.is_navigation_request() and navigations.append(r.url))
    # The catalog never answers: the submit handler is there all the same.
    page.route("**/prices", lambda route: None)
    page.goto(site.url)
    expect(page.locator("#send")).to_be_enabled()
    page.fill("#email", "secret.customer@example.com")
    page.click("#send")
    expect(page.locator("#form-error")).to_contain_text("catalog is not available")
    assert navigations == [f"{site.url}/"]
    page.unroute("**/prices")

    # Now Stripe cannot be reached at all.
    sent = send_by_api(site, "local@example.com")
    site.emulator.deliverer.wait_idle(timeout=10)
    site.app.extensions["stripe"] = stripe_calls.make_client(
        "sk_test_emulator", "http://127.0.0.1:9"
    )
    site.app.extensions["catalog"] = catalog.Catalog()
    # The outbox is the emulator's, which still answers here: its failure is played by the page.
    failure = {"error": {"message": "Stripe could not be reached; try again.", "field": None,
               "code": "stripe_error"}}  # fmt: skip
    page.route("**/outbox", lambda route: route.fulfill(status=502, json=failure))
    page.goto(site.url)
    # The catalog says why in one plain sentence; the local list and receivables still load.
    expect(page.locator("#catalog")).to_contain_text(UNREACHABLE)
    assert "127.0.0.1" not in page.inner_text("#catalog")
    expect(page.locator("#adjustments-error")).to_have_text(
        "The tax rates and coupons could not be loaded, so none can be chosen now."
    )
    expect(row(page, sent["number"])).to_have_count(1)
    expect(page.locator("[data-bucket='total'] dd")).to_have_text("$10.00")
    expect(page.locator("#outbox-note")).to_have_text(
        "The outbox is not available: Stripe could not be reached; try again."
    )

    # Send stays on the page: nothing goes in the URL, and the page says why.
    page.fill("#email", "secret.customer@example.com")
    page.fill("#po_number", "PO-SECRET")
    page.click("#send")
    expect(page.locator("#form-error")).to_have_text(
        "The catalog is not available, so no invoice can be sent yet."
    )
    page.locator("#email").press("Enter")
    assert navigations == [f"{site.url}/", f"{site.url}/"]
    assert page.url == f"{site.url}/"
    made = requests.get(
        f"{site.url}/invoices", params={"email": "secret.customer@example.com"}, timeout=10
    )
    assert made.json()["data"] == []
    watched.close()
