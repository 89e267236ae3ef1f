"""static/money.js and static/credit.js on a 390 px phone in a real headless Chromium: crediting
and refunding from an invoice's detail view, with every dialog, never scrolling sideways."""

import re

import requests
from playwright.sync_api import expect

from tests.helpers.browser import (
    LONG_EMAIL,
    PHONE,
    Watched,
    assert_fits,
    needs_chromium,
    open_detail,
    paid,
    row,
    send_by_api,
)

pytestmark = needs_chromium


def test_crediting_on_a_phone_does_not_scroll_sideways(site, browser, tmp_path):
    sent = send_by_api(site, LONG_EMAIL, quantity=250)
    phone = Watched(browser, tmp_path, width=PHONE)
    page = phone.page
    detail = open_detail(page, site, sent)
    assert_fits(page)
    # The keyboard reaches the Credit… button and opens the dialog with it.
    credit_button = detail.get_by_role("button", name=f"Credit {sent['number']}")
    credit_button.focus()
    page.keyboard.press("Enter")
    credit = page.locator("#credit")
    expect(credit).to_be_visible()
    page.keyboard.type("1,234.56")
    expect(credit.locator("#credit-preview")).to_contain_text("$1,234.56")
    assert_fits(page)
    credit.get_by_label("Line by line").check()
    expect(credit.locator(".credit-line-inputs input")).to_have_count(2)
    assert_fits(page)
    credit.get_by_label("An amount").check()
    expect(credit.locator("#credit-preview")).to_contain_text("$1,234.56")
    credit.get_by_label("Memo").fill("A long memo " * 20)
    page.get_by_role("button", name="Issue credit note").focus()
    page.keyboard.press("Enter")
    expect(credit).to_be_hidden()
    expect(detail.locator(".credit-notes li")).to_have_count(1)
    assert_fits(page)
    phone.shot("credited-phone")
    # The void confirmation and the mark-paid dialog fit too.
    detail.get_by_role("button", name=re.compile("^Void credit note")).click()
    expect(page.locator("#confirm")).to_be_visible()
    assert_fits(page)
    page.keyboard.press("Escape")
    detail.get_by_role("button", name=f"Mark paid {sent['number']}").click()
    expect(page.locator("#mark-paid")).to_be_visible()
    assert_fits(page)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(row(page, sent["number"]).locator(".badge-credited")).to_be_visible()
    assert_fits(page)
    phone.close()


def test_refunding_on_a_phone_does_not_scroll_sideways(site, browser, tmp_path):
    sent = paid(site, "refund-phone@example.com", quantity=3)
    requests.post(f"{site.url}/invoices/{sent['id']}/credit-notes", json={"amount": 500})
    phone = Watched(browser, tmp_path, width=PHONE)
    page = phone.page
    detail = open_detail(page, site, sent)
    expect(detail.locator(".refunds li")).to_have_count(1)
    assert_fits(page)
    detail.get_by_role("button", name=f"Refund {sent['number']}").click()
    credit = page.locator("#credit")
    expect(credit.locator("#credit-preview")).to_contain_text("refund $25.00")
    assert_fits(page)
    credit.get_by_label("Line by line").check()
    assert_fits(page)
    phone.shot("refund-phone")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(row(page, sent["number"]).locator(".badge-partly-refunded")).to_be_visible()
    assert_fits(page)
    phone.close()
