"""static/detail.js in a real headless Chromium (Debian's), over HTTP: one invoice in a dialog,
opened by its URL hash, and a malformed hash that leaves the page working."""

import re

import requests
from playwright.sync_api import expect

from tests.helpers.browser import (
    badge,
    make_overdue,
    needs_chromium,
    send_by_api,
)

pytestmark = needs_chromium


def test_the_detail_view_opens_from_its_hash(site, watched):
    late = send_by_api(site, "detail@example.com", quantity=2)
    make_overdue(site, late, 3)
    page = watched.page
    page.goto(f"{site.url}/#{late['id']}")
    dialog = page.locator("#detail")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text(f"Invoice {late['number']}")
    expect(dialog.locator(".lines tbody tr")).to_have_count(1)
    expect(dialog.locator(".lines tbody tr td").nth(1)).to_have_text("2")
    expect(dialog.locator(".badge-overdue")).to_have_text("4 days overdue")
    facts = dialog.locator("dl.facts").inner_text()
    assert re.search(r"Due\s+\d{4}-\d{2}-\d{2} \(4 days overdue\)", facts)
    assert re.search(r"Reminders\s+None sent", facts)
    expect(dialog.locator(".timeline li").filter(has_text="invoice.finalized")).not_to_have_count(0)
    links = dialog.locator(".links a")
    expect(links).to_have_text(["Hosted invoice page", "PDF", "Pay page"])
    assert links.nth(2).get_attribute("href") == f"/invoices/{late['id']}/pay"

    # It follows the invoice while open: a reminder shows up.
    dialog.get_by_role("button", name=f"Remind {late['number']}").click()
    expect(dialog.locator("dl.facts")).to_contain_text("1 sent, the last at")
    # Escape closes it and the hash goes; the list is there behind it.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # (The dialog's close event, which clears the hash, comes a moment after it is hidden.)
    page.wait_for_function("location.hash === ''")
    # A row's number opens it again, and the focus comes back to that link.
    page.get_by_role("link", name=f"Details of {late['number']}").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("link", name=f"Details of {late['number']}")).to_be_focused()
    # An unknown id says so in the dialog.
    watched.expect_failures("/invoices/in_nope")
    page.evaluate("location.hash = '#in_nope'")
    expect(dialog.locator(".error")).to_contain_text("in_nope")


def test_an_invoice_asked_for_as_the_view_closes_opens(site, watched):
    # The view's close event comes a moment after it closes: an invoice asked for by its hash
    # in between opens all the same, its hash kept and its answer shown, whichever comes first.
    sent = send_by_api(site, "closing@example.com")
    other = send_by_api(site, "next@example.com")
    page = watched.page
    dialog = page.locator("#detail")
    watched.expect_failures("/invoices/in_nope")
    for asked, shows in (("in_nope", "in_nope"), (other["id"], f"Invoice {other['number']}")):
        page.goto(f"{site.url}/#{sent['id']}")
        expect(dialog.locator("h2")).to_have_text(f"Invoice {sent['number']}")
        page.evaluate(
            f"document.getElementById('detail-close').click(); location.hash = '#{asked}'"
        )
        expect(dialog).to_be_visible()
        expect(dialog.locator(".error" if asked == "in_nope" else "h2")).to_contain_text(shows)
        assert page.evaluate("location.hash") == f"#{asked}"
        page.goto("about:blank")


def test_a_malformed_hash_leaves_the_page_working(site, watched):
    sent = send_by_api(site, "hash@example.com")
    page = watched.page
    thrown = []
    page.on("pageerror", lambda error: thrown.append(str(error)))
    dialog = page.locator("#detail")
    # A stray `%` cannot be URI-decoded: the page loads its catalog and list all the same.
    for junk in ("%", "%E0%A4%A", "in_%"):
        page.goto("about:blank")
        page.goto(f"{site.url}/#{junk}")
        expect(page.locator("input.quantity").first).to_be_visible()
        expect(page.locator("#catalog")).not_to_contain_text("Loading the catalog")
        expect(badge(page, sent["number"])).to_have_text("open")
        expect(dialog).to_be_hidden()
    # A change of the hash to one does not throw either, and closes the open dialog.
    page.evaluate(f"location.hash = '#{sent['id']}'")
    expect(dialog).to_be_visible()
    page.evaluate("location.hash = '#%'")
    expect(dialog).to_be_hidden()
    assert thrown == []


def test_an_invoice_paid_outside_stripe_says_so_in_the_list_and_the_detail(site, watched):
    sent = send_by_api(site, "cheque@example.com")
    marked = requests.post(
        f"{site.url}/invoices/{sent['id']}/mark-paid", json={"memo": "Cheque 0042"}, timeout=30
    )
    assert marked.status_code == 200, marked.text
    page = watched.page
    page.goto(f"{site.url}/#{sent['id']}")
    dialog = page.locator("#detail")
    expect(dialog.locator(".badge-off-stripe")).to_have_text("paid outside Stripe")
    expect(dialog.locator("dl.facts")).to_contain_text("$10.00 · Cheque 0042")
    page.keyboard.press("Escape")
    expect(badge(page, sent["number"])).to_have_text("paid")
    row_badges = page.locator("#invoices tr .badge-off-stripe")
    expect(row_badges).to_have_count(1)
