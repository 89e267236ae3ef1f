"""The pages on a 390 px phone, the HTML error page, and the demo page when Stripe cannot be
reached: the local list still loads, the catalog says why it is empty, and the form never
submits itself (no customer data in a URL)."""

import requests
from playwright.sync_api import expect

from invoicing import catalog, stripe_calls
from tests.browser import (
    Watched,
    make_overdue,
    needs_chromium,
    row,
    send_by_api,
)

pytestmark = needs_chromium
PHONE = 390
UNREACHABLE = "Stripe could not be reached, so the catalog cannot be shown."


def assert_fits(page):
    """Nothing wider than the window: no sideways scrolling."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url}: {scroll} px wide in a {inner} px window"


def test_no_page_scrolls_sideways_on_a_phone(site, browser, tmp_path):
    long_email = "accounts-payable.department.of.somewhere@subsidiary.example.com"
    late = send_by_api(site, long_email, quantity=250)
    paid = send_by_api(site, "paid@example.com")
    open_one = send_by_api(site, "open@example.com")
    make_overdue(site, late, 120)
    pay = {"outcome": "succeed"}
    requests.post(f"{site.url}/invoices/{paid['id']}/pay/test", json=pay, timeout=10)

    phone = Watched(browser, tmp_path, width=PHONE)
    page = phone.page
    response = page.goto(site.url)
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]
    page.wait_for_selector("input.quantity")
    expect(page.locator("#invoices tr")).to_have_count(3)
    expect(row(page, late["number"]).locator(".badge-overdue")).to_have_text("121 days overdue")
    expect(page.locator("[data-bucket='overdue_over_90'] dd")).to_have_text("$2,500.00")
    assert_fits(page)
    # With a row's menu open, and with each dialog open.
    page.get_by_label(f"More for {open_one['number']}").click()
    expect(page.get_by_role("button", name=f"Void {open_one['number']}")).to_be_visible()
    assert_fits(page)
    page.get_by_role("button", name=f"Void {open_one['number']}").click()
    expect(page.locator("#confirm")).to_be_visible()
    assert_fits(page)
    page.keyboard.press("Escape")
    page.get_by_role("link", name=f"Details of {late['number']}").click()
    expect(page.locator("#detail .timeline li").first).to_be_visible()
    assert_fits(page)
    page.keyboard.press("Escape")
    phone.shot("index-phone")
    # Nor at the widths between a phone and the list's table.
    for width in (800, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        assert_fits(page)
    page.set_viewport_size({"width": PHONE, "height": 900})
    # The keyboard reaches the page's controls.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") in ("INPUT", "BUTTON", "A", "SUMMARY")
    assert "sk_test" not in page.content() and "whsec_" not in page.content()

    page.goto(f"{site.url}/invoices/{late['id']}/pay")
    expect(page.locator("#status")).to_have_text("open")
    assert_fits(page)
    phone.shot("pay-phone")

    # An unknown invoice's pay page: an HTML page in the site's frame, not raw JSON.
    phone.expect_failures("/invoices/in_unknown/pay")
    answer = page.goto(f"{site.url}/invoices/in_unknown/pay")
    assert answer.status == 404
    assert answer.headers["content-type"].startswith("text/html")
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator("main")).to_contain_text("No invoice 'in_unknown'.")
    expect(page.locator("#mode-banner")).to_have_text("Emulator: no real money moves")
    assert_fits(page)
    page.get_by_role("link", name="Back to the invoices").click()
    page.wait_for_selector("input.quantity")
    phone.close()


def test_the_form_never_submits_itself_and_without_stripe_the_list_loads(site, browser, tmp_path):
    # Before the script runs, Send is disabled and the form would only POST (nothing in a URL).
    html = requests.get(site.url, timeout=10).text
    assert '<form id="invoice-form" method="post" action="/invoices" novalidate>' in html
    assert '<button type="submit" id="send" disabled>' in html
    watched = Watched(browser, tmp_path)
    watched.expect_failures("/prices", "/outbox")
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
