"""static/summary.js in a real headless Chromium (Debian's), over HTTP: the receivables aged by
days past due above the list, with the overdue badges, the status filter and a reminder that
follow; and the outbox of the emails Stripe would have sent."""

import requests
from playwright.sync_api import expect

from tests.helpers.browser import (
    ISO_DAY,
    make_overdue,
    needs_chromium,
    open_demo,
    row,
    send_by_api,
    send_from_form,
)

pytestmark = needs_chromium


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
