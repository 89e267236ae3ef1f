"""static/actions.js in a real headless Chromium (Debian's), over HTTP: what can be done to an
invoice from its row, and a dialog that asks before the final actions (void, mark
uncollectible)."""

import re

import requests
from playwright.sync_api import expect

from tests.helpers.browser import (
    badge,
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
