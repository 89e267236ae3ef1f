"""Chasing invoices in the browser: the receivables summary, overdue badges, the status filter,
reminders, confirmations before final actions, the detail view and the outbox."""

import re

import requests
from playwright.sync_api import expect

from tests.browser import (
    ISO_DAY,
    badge,
    make_overdue,
    needs_chromium,
    open_demo,
    row,
    send_by_api,
    send_from_form,
)

pytestmark = needs_chromium


def status_of(site, invoice_id):
    """The invoice's status as the server has it."""
    return requests.get(f"{site.url}/invoices/{invoice_id}", timeout=10).json()["status"]


def test_summary_badges_filter_and_remind(site, watched):
    late = send_by_api(site, "late@example.com", quantity=3)
    very_late = send_by_api(site, "very-late@example.com", quantity=2)
    send_by_api(site, "current@example.com", quantity=1)
    make_overdue(site, late, 10)
    make_overdue(site, very_late, 40)
    page = watched.page
    open_demo(page, site)

    # The summary: what is owed, aged; $10.00 per item.
    usd = page.locator(".aging[data-currency='usd']")
    expect(usd.locator("[data-bucket='total'] dd")).to_have_text("$60.00")
    expect(usd.locator("[data-bucket='current'] dd")).to_have_text("$10.00")
    expect(usd.locator("[data-bucket='overdue_1_30'] dd")).to_have_text("$30.00")
    expect(usd.locator("[data-bucket='overdue_31_60'] dd")).to_have_text("$20.00")
    expect(usd.locator("[data-bucket='overdue_over_90'] dd")).to_have_text("$0.00")
    expect(usd.locator("h3")).to_contain_text("3 open invoices")

    # The rows: due dates in ISO form, and how late the late ones are.
    expect(row(page, late["number"]).locator(".badge-overdue")).to_have_text("11 days overdue")
    expect(row(page, very_late["number"]).locator(".badge-overdue")).to_have_text("41 days overdue")
    assert ISO_DAY.match(row(page, late["number"]).locator(".c-due").inner_text())
    # Every row's actions and badges fit on one line: no row is a wrapped line taller.
    heights = [r.bounding_box()["height"] for r in page.locator("#invoices tr").all()]
    assert max(heights) - min(heights) < 8, heights

    page.select_option("#filter-status", "overdue")
    expect(page.locator("#invoices tr")).to_have_count(2)
    page.select_option("#filter-status", "open")
    expect(page.locator("#invoices tr")).to_have_count(3)

    # Remind: Stripe sends the invoice again; the record counts it.
    row(page, late["number"]).get_by_role("button", name=f"Remind {late['number']}").click()
    expect(page.locator("#list-message")).to_have_text(
        f"Invoice {late['number']} was sent again to late@example.com."
    )
    shown = requests.get(f"{site.url}/invoices/{late['id']}", timeout=10).json()
    assert shown["reminder_count"] == 1


def test_final_actions_ask_first(site, watched):
    page = watched.page
    open_demo(page, site)
    number = send_from_form(page, email="void@example.com")
    invoice_id = page.get_attribute("#result-detail", "href").lstrip("#")
    menu = page.get_by_label(f"More for {number}")

    # Cancel: nothing happens, and the focus is back on the menu's button.
    menu.click()
    page.get_by_role("button", name=f"Void {number}").click()
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text(f"Void invoice {number}?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label(f"More for {number}")).to_be_focused()
    assert status_of(site, invoice_id) == "open"
    expect(badge(page, number)).to_have_text("open")
    # Escape cancels too.
    menu.click()
    page.get_by_role("button", name=f"Mark uncollectible {number}").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert status_of(site, invoice_id) == "open"

    # Confirm: voided.
    menu.click()
    page.get_by_role("button", name=f"Void {number}").click()
    dialog.get_by_role("button", name="Void invoice").click()
    expect(badge(page, number)).to_have_text("void")
    assert status_of(site, invoice_id) == "void"
    expect(page.locator("#list-message")).to_have_text(f"Invoice {number} is void.")
    expect(row(page, number).get_by_role("button", name=re.compile("^Remind"))).to_have_count(0)
    # The panel of the sent invoice followed each step.
    expect(page.locator("#result-status")).to_have_text("void")

    # Confirm on another: marked uncollectible; it can still be voided, not reminded.
    other = send_by_api(site, "bad-debt@example.com")
    page.get_by_label(f"More for {other['number']}").click()
    page.get_by_role("button", name=f"Mark uncollectible {other['number']}").click()
    expect(dialog.locator("h2")).to_have_text(f"Mark invoice {other['number']} uncollectible?")
    dialog.get_by_role("button", name="Mark uncollectible").click()
    expect(badge(page, other["number"])).to_have_text("uncollectible")
    assert status_of(site, other["id"]) == "uncollectible"
    page.get_by_label(f"More for {other['number']}").click()
    expect(page.get_by_role("button", name=f"Void {other['number']}")).to_be_visible()
    expect(page.get_by_role("button", name=f"Remind {other['number']}")).to_have_count(0)


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
    assert page.evaluate("location.hash") == ""
    # A row's number opens it again, and the focus comes back to that link.
    page.get_by_role("link", name=f"Details of {late['number']}").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("link", name=f"Details of {late['number']}")).to_be_focused()
    # An unknown id says so in the dialog.
    watched.expect_failures("/invoices/in_nope")
    page.evaluate("location.hash = '#in_nope'")
    expect(dialog.locator(".error")).to_contain_text("in_nope")


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


def test_the_outbox_lists_what_stripe_would_have_sent(site, watched):
    page = watched.page
    open_demo(page, site)
    number = send_from_form(page, email="mail@example.com")
    outbox = page.locator("#outbox li")
    expect(outbox).to_have_count(1)
    page.get_by_role("button", name=f"Remind {number}").click()
    expect(outbox).to_have_count(2)
    newest = outbox.first
    expect(newest.locator(".badge")).to_have_text("reminder")
    expect(newest).to_contain_text("to mail@example.com")
    expect(newest.locator(".email-subject")).to_contain_text(number)
    expect(newest.get_by_role("link", name=number)).to_have_attribute(
        "href", page.get_attribute("#result-detail", "href")
    )
    expect(outbox.nth(1).locator(".badge")).to_have_text("invoice")
    # Paid: the receipt comes last, and the "Invoice sent" panel says paid.
    invoice_id = page.get_attribute("#result-detail", "href").lstrip("#")
    paid = requests.post(
        f"{site.url}/invoices/{invoice_id}/pay/test", json={"outcome": "succeed"}, timeout=10
    )
    assert paid.status_code == 200
    expect(outbox).to_have_count(3)
    expect(outbox.first.locator(".badge")).to_have_text("receipt")
    expect(page.locator("#result-status")).to_have_text("paid")
