"""A cross-cutting suite over every page in a real headless Chromium (Debian's), on a 390 px
phone: no page scrolls sideways (the list, its menus and dialogs, the pay page, the HTML error
page), the security headers, and a keyboard that reaches the controls."""

import requests
from playwright.sync_api import expect

from tests.helpers.browser import (
    LONG_EMAIL,
    PHONE,
    Watched,
    assert_fits,
    make_overdue,
    needs_chromium,
    row,
    send_by_api,
)

pytestmark = needs_chromium


def test_no_page_scrolls_sideways_on_a_phone(site, browser, tmp_path):
    late = send_by_api(site, LONG_EMAIL, quantity=250)
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
