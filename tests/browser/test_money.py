"""static/money.js in a real headless Chromium (Debian's), over HTTP: credit an invoice from
its detail view (with Stripe's preview first), a refused amount, voiding a credit note,
crediting a paid invoice (settled outside Stripe), marking an invoice paid outside Stripe,
and all of it on a 390 px phone."""

import re

import requests
from playwright.sync_api import expect

from tests.helpers.browser import Watched, badge, needs_chromium, open_demo, row, send_by_api

pytestmark = needs_chromium
PHONE = 390


def fits(page):
    """Nothing wider than the window: no sideways scrolling."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url}: {scroll} px wide in a {inner} px window"


def invoice_of(site, invoice_id):
    """The invoice as the server has it, with its credit notes."""
    return requests.get(f"{site.url}/invoices/{invoice_id}", timeout=10).json()


def open_detail(page, site, invoice):
    """The demo page with the invoice's detail view open."""
    open_demo(page, site)
    page.get_by_role("link", name=f"Details of {invoice['number']}").click()
    dialog = page.locator("#detail")
    expect(dialog.locator("h2")).to_have_text(f"Invoice {invoice['number']}")
    return dialog


def test_credit_an_open_invoice_after_its_preview_then_void_it(site, watched):
    sent = send_by_api(site, "credit@example.com", quantity=2)
    number, owed = sent["number"], sent["amount_due"]
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Credit {number}").click()
    credit = page.locator("#credit")
    expect(credit).to_be_visible()
    expect(credit.locator("h2")).to_have_text(f"Credit invoice {number}")
    expect(page.get_by_label("Amount")).to_be_focused()
    expect(credit.locator("#credit-paid")).to_be_hidden()

    # The preview comes as the amount is typed, and nothing is made by it.
    page.get_by_label("Amount").fill("5.25")
    preview = credit.locator("#credit-preview")
    left = f"${(owed - 525) / 100:,.2f}"
    expect(preview).to_have_text(f"Stripe would lower the amount owed by $5.25, to {left}.")
    assert invoice_of(site, sent["id"])["credit_notes"] == []
    credit.get_by_label("Reason").select_option("order_change")
    credit.get_by_label("Memo").fill("One item came late")
    credit.get_by_role("button", name="Issue credit note").click()
    expect(credit).to_be_hidden()

    # The detail view: less owed, what was credited, the credit note; the list follows.
    facts = detail.locator("dl.facts")
    expect(facts).to_contain_text(re.compile(r"Credited\s*\$5\.25"))
    expect(facts).to_contain_text(re.compile(rf"Remaining\s*{re.escape(left)}"))
    note = detail.locator(".credit-notes li")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("$5.25")
    expect(note).to_contain_text("before payment · Order change")
    expect(note).to_contain_text("One item came late")
    expect(note.locator(".badge")).to_have_text("issued")
    cn = invoice_of(site, sent["id"])["credit_notes"][0]
    assert cn["amount"] == 525 and cn["reason"] == "order_change" and cn["status"] == "issued"
    pdf = note.get_by_role("link", name=f"PDF of credit note {cn['number']}")
    expect(pdf).to_have_attribute("href", cn["pdf"])
    expect(detail.locator(".timeline")).to_contain_text("Credit note issued")
    expect(detail.locator(".detail-amount .badge-credited")).to_have_text("credited")
    page.keyboard.press("Escape")
    expect(detail).to_be_hidden()
    expect(row(page, number).locator(".badge-credited")).to_have_text("credited")
    expect(badge(page, number)).to_have_text("open")

    # Void it: asked first, then what it credited is owed again.
    page.get_by_role("link", name=f"Details of {number}").click()
    detail.get_by_role("button", name=f"Void credit note {cn['number']}").click()
    confirm = page.locator("#confirm")
    expect(confirm.locator("h2")).to_have_text(f"Void credit note {cn['number']}?")
    confirm.get_by_role("button", name="Void credit note").click()
    expect(note.locator(".badge")).to_have_text("void")
    expect(detail.get_by_role("button", name=f"Void credit note {cn['number']}")).to_have_count(0)
    expect(facts).not_to_contain_text("Credited")
    assert invoice_of(site, sent["id"])["credit_notes"][0]["status"] == "void"
    expect(row(page, number).locator(".badge-credited")).to_have_count(0)


def test_a_refused_amount_is_shown_by_its_field_and_makes_nothing(site, watched):
    sent = send_by_api(site, "too-much@example.com")
    watched.expect_failures("/credit-notes")
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Credit {sent['number']}").click()
    amount = page.get_by_label("Amount")
    # Not an amount at all: said on the page, nothing asked.
    amount.fill("12.345")
    expect(page.locator("#credit-amount-error")).to_contain_text("at most 2 decimals")
    # More than the invoice: Stripe's refusal, by the field, in the preview and on issuing.
    too_much = f"{sent['amount_due'] / 100 + 1:.2f}"
    amount.fill(too_much)
    error = page.locator("#credit-amount-error")
    expect(error).not_to_be_empty()
    message = error.inner_text()
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#credit-preview")).to_be_empty()
    page.get_by_role("button", name="Issue credit note").click()
    expect(error).to_have_text(message)
    expect(amount).to_be_focused()
    expect(page.locator("#credit")).to_be_visible()
    assert invoice_of(site, sent["id"])["credit_notes"] == []
    # Changing the field clears it; Cancel makes nothing either.
    amount.fill("1")
    expect(error).to_be_empty()
    expect(page.locator("#credit-preview")).to_contain_text("$1.00")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#credit")).to_be_hidden()
    expect(detail.get_by_role("button", name=f"Credit {sent['number']}")).to_be_focused()
    assert invoice_of(site, sent["id"])["credit_notes"] == []


def test_credit_a_paid_invoice_settled_outside_stripe(site, watched):
    sent = send_by_api(site, "paid-credit@example.com")
    pay = {"outcome": "succeed"}
    answer = requests.post(f"{site.url}/invoices/{sent['id']}/pay/test", json=pay, timeout=10)
    assert answer.ok, answer.text
    page = watched.page
    open_demo(page, site)
    expect(badge(page, sent["number"])).to_have_text("paid", timeout=15000)
    page.get_by_role("link", name=f"Details of {sent['number']}").click()
    detail = page.locator("#detail")
    expect(detail.get_by_role("button", name=f"Mark paid {sent['number']}")).to_have_count(0)
    detail.get_by_role("button", name=f"Credit {sent['number']}").click()
    credit = page.locator("#credit")
    expect(credit.locator("#credit-paid")).to_be_visible()
    expect(credit.locator("#credit-paid")).to_contain_text("settled outside Stripe")
    page.get_by_label("Amount").fill("3")
    expect(credit.locator("#credit-preview")).to_have_text(
        "Stripe would issue a credit note of $3.00, settled outside Stripe: "
        "no money moves through Stripe."
    )
    credit.get_by_label("Reason").select_option("product_unsatisfactory")
    credit.get_by_role("button", name="Issue credit note").click()
    expect(credit).to_be_hidden()
    note = detail.locator(".credit-notes li")
    about = "after payment · Product unsatisfactory · $3.00 settled outside Stripe"
    expect(note).to_contain_text(about)
    # The invoice is paid, so its credit note cannot be voided here.
    expect(note.get_by_role("button")).to_have_count(0)
    expect(detail.locator("dl.facts")).to_contain_text(re.compile(r"Credited\s*\$3\.00"))
    cn = invoice_of(site, sent["id"])["credit_notes"][0]
    assert cn["type"] == "post_payment" and cn["out_of_band_amount"] == 300
    expect(row(page, sent["number"]).locator(".badge-credited")).to_be_visible()


def test_mark_an_invoice_paid_with_a_memo(site, watched):
    sent = send_by_api(site, "transfer@example.com")
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Mark paid {sent['number']}").click()
    dialog = page.locator("#mark-paid")
    expect(dialog.locator("h2")).to_have_text(f"Mark invoice {sent['number']} paid?")
    # Cancel first: nothing changes.
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert invoice_of(site, sent["id"])["status"] == "open"
    detail.get_by_role("button", name=f"Mark paid {sent['number']}").click()
    dialog.get_by_label("Memo").fill("Bank transfer of 6 December")
    dialog.get_by_role("button", name="Mark paid").click()
    expect(dialog).to_be_hidden()
    expect(detail.locator("dl.facts")).to_contain_text("Bank transfer of 6 December")
    expect(detail.locator(".detail-amount .badge").first).to_have_text("paid")
    expect(detail.get_by_role("button", name=f"Mark paid {sent['number']}")).to_have_count(0)
    expect(detail.get_by_role("button", name=f"Credit {sent['number']}")).to_be_visible()
    expect(badge(page, sent["number"])).to_have_text("paid")
    expect(row(page, sent["number"]).locator(".badge-off-stripe")).to_be_visible()
    done = invoice_of(site, sent["id"])
    assert done["status"] == "paid"
    assert done["paid_off_stripe_memo"] == "Bank transfer of 6 December"


def test_crediting_on_a_phone_does_not_scroll_sideways(site, browser, tmp_path):
    long_email = "accounts-payable.department.of.somewhere@subsidiary.example.com"
    sent = send_by_api(site, long_email, quantity=250)
    phone = Watched(browser, tmp_path, width=PHONE)
    page = phone.page
    detail = open_detail(page, site, sent)
    fits(page)
    # The keyboard reaches the Credit… button and opens the dialog with it.
    credit_button = detail.get_by_role("button", name=f"Credit {sent['number']}")
    credit_button.focus()
    page.keyboard.press("Enter")
    credit = page.locator("#credit")
    expect(credit).to_be_visible()
    page.keyboard.type("1,234.56")
    expect(credit.locator("#credit-preview")).to_contain_text("$1,234.56")
    fits(page)
    page.keyboard.press("Tab")
    expect(credit.get_by_label("Reason")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("A long memo " * 20)
    page.get_by_role("button", name="Issue credit note").focus()
    page.keyboard.press("Enter")
    expect(credit).to_be_hidden()
    note = detail.locator(".credit-notes li")
    expect(note).to_have_count(1)
    fits(page)
    phone.shot("credited-phone")
    # The void confirmation and the mark-paid dialog fit too.
    detail.get_by_role("button", name=re.compile("^Void credit note")).click()
    expect(page.locator("#confirm")).to_be_visible()
    fits(page)
    page.keyboard.press("Escape")
    detail.get_by_role("button", name=f"Mark paid {sent['number']}").click()
    expect(page.locator("#mark-paid")).to_be_visible()
    fits(page)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(detail).to_be_hidden()
    expect(row(page, sent["number"]).locator(".badge-credited")).to_be_visible()
    fits(page)
    phone.close()
