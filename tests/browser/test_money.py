"""static/money.js and static/credit.js in a real headless Chromium (Debian's), over HTTP:
credit an invoice from its detail view (with Stripe's preview first), by amount or by line, a
refused amount, voiding a credit note, refunding a paid invoice, crediting the customer's
balance, marking an invoice paid outside Stripe, a refund made in Stripe's Dashboard, and the
list's badges (crediting and refunding on a 390 px phone: test_money_phone.py)."""

import re

import requests
from playwright.sync_api import expect

from tests.helpers.browser import (
    PHONE,
    assert_fits,
    badge,
    invoice_of,
    needs_chromium,
    open_demo,
    open_detail,
    paid,
    row,
    send_by_api,
)

pytestmark = needs_chromium
AMOUNT = re.compile(r"^Amount \(")  # the dialog's amount, not a line's "or amount"


def test_credit_an_open_invoice_after_its_preview_then_void_it(site, watched):
    sent = send_by_api(site, "credit@example.com", quantity=2)
    number, owed = sent["number"], sent["amount_due"]
    page = watched.page
    detail = open_detail(page, site, sent)
    # Not paid: nothing to refund, and nothing paid to say where it goes.
    expect(detail.get_by_role("button", name=f"Refund {number}")).to_have_count(0)
    detail.get_by_role("button", name=f"Credit {number}").click()
    credit = page.locator("#credit")
    expect(credit.locator("h2")).to_have_text(f"Credit invoice {number}")
    expect(page.get_by_label(AMOUNT)).to_be_focused()
    expect(credit.locator("#credit-to")).to_be_hidden()

    # The preview comes as the amount is typed, and nothing is made by it.
    page.get_by_label(AMOUNT).fill("5.25")
    left = f"${(owed - 525) / 100:,.2f}"
    expect(credit.locator("#credit-preview")).to_have_text(
        f"A credit note of $5.25: Stripe would lower what is owed by $5.25 to {left}."
    )
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
    expect(note).to_contain_text("$5.25")
    expect(note).to_contain_text("before payment · Order change")
    expect(note).to_contain_text("One item came late")
    expect(note.locator(".badge")).to_have_text("issued")
    cn = invoice_of(site, sent["id"])["credit_notes"][0]
    assert cn["amount"] == 525 and cn["reason"] == "order_change" and cn["status"] == "issued"
    pdf = note.get_by_role("link", name=f"PDF of credit note {cn['number']}")
    expect(pdf).to_have_attribute("href", cn["pdf"])
    expect(detail.locator(".timeline")).to_contain_text("Credit note issued")
    page.keyboard.press("Escape")
    expect(row(page, number).locator(".badge-credited")).to_have_text("credited")
    expect(badge(page, number)).to_have_text("open")

    # Void it: asked first, then what it credited is owed again.
    page.get_by_role("link", name=f"Details of {number}").click()
    detail.get_by_role("button", name=f"Void credit note {cn['number']}").click()
    expect(page.locator("#confirm h2")).to_have_text(f"Void credit note {cn['number']}?")
    page.locator("#confirm").get_by_role("button", name="Void credit note").click()
    expect(note.locator(".badge")).to_have_text("void")
    expect(facts).not_to_contain_text("Credited")
    assert invoice_of(site, sent["id"])["credit_notes"][0]["status"] == "void"
    expect(row(page, number).locator(".badge-credited")).to_have_count(0)


def test_a_refused_amount_is_shown_by_its_field_and_makes_nothing(site, watched):
    sent = send_by_api(site, "too-much@example.com")
    watched.expect_failures("/credit-notes")
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Credit {sent['number']}").click()
    amount = page.get_by_label(AMOUNT)
    # Not an amount at all: said on the page, nothing asked.
    amount.fill("12.345")
    expect(page.locator("#credit-amount-error")).to_contain_text("at most 2 decimals")
    # More than the invoice: Stripe's refusal, by the field, in the preview and on issuing.
    amount.fill(f"{sent['amount_due'] / 100 + 1:.2f}")
    error = page.locator("#credit-amount-error")
    expect(error).not_to_be_empty()
    message = error.inner_text()
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#credit-preview")).to_be_empty()
    page.get_by_role("button", name="Issue credit note").click()
    expect(error).to_have_text(message)
    expect(amount).to_be_focused()
    assert invoice_of(site, sent["id"])["credit_notes"] == []
    # Changing the field clears it; Cancel makes nothing either.
    amount.fill("1")
    expect(error).to_be_empty()
    expect(page.locator("#credit-preview")).to_contain_text("$1.00")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#credit")).to_be_hidden()
    expect(detail.get_by_role("button", name=f"Credit {sent['number']}")).to_be_focused()
    assert invoice_of(site, sent["id"])["credit_notes"] == []


def test_issuing_before_the_preview_shows_it_first(site, watched):
    sent = send_by_api(site, "hasty@example.com")
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Credit {sent['number']}").click()
    # Typed and sent at once, before the preview's pause is over: the preview, not a note.
    page.get_by_label(AMOUNT).fill("2")
    page.get_by_label(AMOUNT).press("Enter")
    preview = page.locator("#credit-preview")
    expect(preview).to_contain_text("lower what is owed by $2.00")
    expect(preview).to_contain_text("Check it, then confirm.")
    assert invoice_of(site, sent["id"])["credit_notes"] == []
    page.get_by_role("button", name="Issue credit note").click()
    expect(page.locator("#credit")).to_be_hidden()
    assert invoice_of(site, sent["id"])["credit_notes"][0]["amount"] == 200


def test_refund_a_paid_invoice_after_its_preview(site, watched):
    sent = paid(site, "refund@example.com", quantity=2)
    number = sent["number"]
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Refund {number}").click()
    credit = page.locator("#credit")
    expect(credit.locator("h2")).to_have_text(f"Refund invoice {number}")
    # Preset: all that is left to refund, to the card, with Stripe's preview at once.
    expect(page.get_by_label(AMOUNT)).to_have_value("20.00")
    expect(credit.get_by_label("Refunded to the customer's card")).to_be_checked()
    preview = credit.locator("#credit-preview")
    expect(preview).to_have_text(
        "A credit note of $20.00: Stripe would refund $20.00 to the customer's card."
    )
    page.get_by_label(AMOUNT).fill("7")
    expect(preview).to_contain_text("refund $7.00 to the customer's card")
    credit.get_by_role("button", name="Refund").click()
    expect(credit).to_be_hidden()

    refund = detail.locator(".refunds li")
    expect(refund).to_contain_text("$7.00")
    expect(refund.locator(".badge")).to_have_text("succeeded")
    cn = invoice_of(site, sent["id"])["credit_notes"][0]
    expect(refund).to_contain_text(f"by credit note {cn['number']}")
    expect(detail.locator(".credit-notes li")).to_contain_text("after payment · $7.00 refunded")
    expect(detail.locator("dl.facts")).to_contain_text(re.compile(r"Refunded\s*\$7\.00"))
    expect(row(page, number).locator(".badge-partly-refunded")).to_have_text("partly refunded")
    done = invoice_of(site, sent["id"])
    assert done["amount_refunded"] == 700 and done["refunds"][0]["credit_note"] == cn["id"]


def test_refund_a_part_paid_invoice_lowers_what_is_owed_first(site, watched):
    sent = send_by_api(site, "part-paid@example.com", quantity=3)
    emulator = site.app.config["STRIPE_API_BASE"]
    part = {"outcome": "succeed", "amount": 1000}
    answer = requests.post(f"{emulator}/_emulator/invoices/{sent['id']}/payments", json=part)
    assert answer.ok, answer.text
    page = watched.page
    detail = open_detail(page, site, sent)
    expect(detail.locator("dl.facts")).to_contain_text(re.compile(r"Remaining\s*\$20\.00"))
    detail.get_by_role("button", name=f"Refund {sent['number']}").click()
    credit = page.locator("#credit")
    # A refund of the $10.00 paid needs the $20.00 still owed credited first.
    expect(credit.locator("#credit-to-hint")).to_contain_text("lowers what is still owed ($20.00)")
    expect(page.get_by_label(AMOUNT)).to_have_value("30.00")
    expect(credit.locator("#credit-preview")).to_have_text(
        "A credit note of $30.00: Stripe would lower what is owed by $20.00 to $0.00 "
        "and refund $10.00 to the customer's card."
    )
    page.get_by_label(AMOUNT).fill("25")
    expect(credit.locator("#credit-preview")).to_contain_text("and refund $5.00 to the")
    credit.get_by_role("button", name="Refund").click()
    expect(credit).to_be_hidden()
    expect(detail.locator(".refunds li")).to_contain_text("$5.00")
    cn = invoice_of(site, sent["id"])["credit_notes"][0]
    assert (cn["type"], cn["pre_payment_amount"], cn["refund_amount"]) == ("mixed", 2000, 500)


def test_credit_a_paid_invoice_to_the_customers_balance(site, watched):
    sent = paid(site, "balance@example.com")
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Credit {sent['number']}").click()
    credit = page.locator("#credit")
    credit.get_by_label("Credited to the customer's balance").check()
    page.get_by_label(AMOUNT).fill("3")
    expect(credit.locator("#credit-preview")).to_have_text(
        "A credit note of $3.00: Stripe would credit $3.00 to the customer's balance "
        "for their next invoice."
    )
    credit.get_by_role("button", name="Issue credit note").click()
    expect(credit).to_be_hidden()
    note = detail.locator(".credit-notes li")
    expect(note).to_contain_text("after payment · $3.00 to the customer's balance")
    expect(note.get_by_role("button")).to_have_count(0)  # paid: not voidable
    expect(detail.locator(".refunds")).to_have_count(0)
    customer = invoice_of(site, sent["id"])["customer"]
    assert requests.get(f"{site.url}/customers/{customer}", timeout=10).json()["balance"] == -300

    # The customer's next invoice uses it.
    following = send_by_api(site, "balance@example.com")
    page.keyboard.press("Escape")
    page.get_by_role("link", name=f"Details of {following['number']}").click()
    facts = detail.locator("dl.facts")
    expect(facts).to_contain_text(re.compile(r"Customer credit used\s*\$3\.00"))
    expect(detail.locator(".detail-amount strong")).to_have_text("$7.00")


def test_credit_by_line(site, watched):
    sent = send_by_api(site, "by-line@example.com", quantity=3)
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Credit {sent['number']}").click()
    credit = page.locator("#credit")
    credit.get_by_label("Line by line").check()
    expect(page.get_by_label(AMOUNT)).to_be_hidden()
    description = sent["lines"][0]["description"]
    quantity = credit.get_by_label(f"Quantity of {description}")
    quantity.fill("4")
    expect(credit.locator("#credit-line-0-quantity-error")).to_have_text(
        "Enter a whole quantity from 1 to 3."
    )
    quantity.fill("1")
    expect(credit.locator("#credit-preview")).to_have_text(
        "A credit note of $10.00: Stripe would lower what is owed by $10.00 to $20.00."
    )
    credit.get_by_role("button", name="Issue credit note").click()
    expect(credit).to_be_hidden()
    expect(detail.locator("dl.facts")).to_contain_text(re.compile(r"Credited\s*\$10\.00"))
    cn = invoice_of(site, sent["id"])["credit_notes"][0]
    assert cn["lines"][0]["quantity"] == 1 and cn["amount"] == 1000


def test_mark_an_invoice_paid_with_a_memo(site, watched):
    sent = send_by_api(site, "transfer@example.com")
    page = watched.page
    detail = open_detail(page, site, sent)
    detail.get_by_role("button", name=f"Mark paid {sent['number']}").click()
    dialog = page.locator("#mark-paid")
    expect(dialog.locator("h2")).to_have_text(f"Mark invoice {sent['number']} paid?")
    # Cancel first: nothing changes.
    dialog.get_by_role("button", name="Cancel").click()
    assert invoice_of(site, sent["id"])["status"] == "open"
    detail.get_by_role("button", name=f"Mark paid {sent['number']}").click()
    dialog.get_by_label("Memo").fill("Bank transfer of 6 December")
    dialog.get_by_role("button", name="Mark paid").click()
    expect(dialog).to_be_hidden()
    expect(detail.locator("dl.facts")).to_contain_text("Bank transfer of 6 December")
    expect(detail.locator(".detail-amount .badge").first).to_have_text("paid")
    expect(detail.get_by_role("button", name=f"Mark paid {sent['number']}")).to_have_count(0)
    # Nothing went through Stripe, so there is nothing to refund; a credit goes elsewhere.
    expect(detail.get_by_role("button", name=f"Refund {sent['number']}")).to_have_count(0)
    detail.get_by_role("button", name=f"Credit {sent['number']}").click()
    credit = page.locator("#credit")
    expect(credit.get_by_label("Refunded to the customer's card")).to_be_disabled()
    expect(credit.get_by_label("Settled outside Stripe")).to_be_checked()
    page.keyboard.press("Escape")
    expect(badge(page, sent["number"])).to_have_text("paid")
    expect(row(page, sent["number"]).locator(".badge-off-stripe")).to_be_visible()
    assert invoice_of(site, sent["id"])["paid_off_stripe_memo"] == "Bank transfer of 6 December"


def test_the_list_badges_say_what_was_given_back(site, watched):
    refunded = paid(site, "all-back@example.com")
    part = paid(site, "part-back@example.com")
    for invoice, amount in ((refunded, refunded["amount_due"]), (part, 400)):
        body = {"amount": amount}
        answer = requests.post(f"{site.url}/invoices/{invoice['id']}/credit-notes", json=body)
        assert answer.status_code == 201, answer.text
    page = watched.page
    open_demo(page, site)
    for width in (1100, PHONE):
        page.set_viewport_size({"width": width, "height": 900})
        expect(row(page, refunded["number"]).locator(".badge")).to_have_text(
            ["paid", "refunded", "credited"]
        )
        expect(row(page, part["number"]).locator(".badge")).to_have_text(
            ["paid", "partly refunded", "credited"]
        )
        assert_fits(page)


def test_a_refund_made_in_stripe_reaches_the_page(site, watched):
    sent = paid(site, "dashboard@example.com")
    page = watched.page
    detail = open_detail(page, site, sent)
    emulator = site.app.config["STRIPE_API_BASE"]
    made = requests.post(
        f"{emulator}/_emulator/invoices/{sent['id']}/refunds", json={"amount": 500}, timeout=10
    )
    assert made.ok, made.text
    # By its webhooks and the list's polling, with no reload.
    refund = detail.locator(".refunds li")
    expect(refund).to_contain_text("$5.00", timeout=15000)
    expect(refund).to_contain_text("made in Stripe")
    expect(refund).to_contain_text("without a credit note")
    expect(detail.locator("dl.facts")).to_contain_text(re.compile(r"Refunded\s*\$5\.00"))
    expect(detail.locator(".timeline")).to_contain_text("Refund made")
    page.keyboard.press("Escape")
    expect(row(page, sent["number"]).locator(".badge-partly-refunded")).to_be_visible()
    # What is left to refund is what Refund… offers.
    page.get_by_role("link", name=f"Details of {sent['number']}").click()
    detail.get_by_role("button", name=f"Refund {sent['number']}").click()
    expect(page.get_by_label(AMOUNT)).to_have_value("5.00")


def test_a_failed_refund_says_why(site, watched):
    # Paid with Stripe's test card whose refunds fail a moment later (4000000000005126).
    sent = paid(site, "refund-fails@example.com", outcome="succeed_refunds_fail")
    answer = requests.post(f"{site.url}/invoices/{sent['id']}/credit-notes", json={"amount": 400})
    assert answer.status_code == 201, answer.text
    page = watched.page
    detail = open_detail(page, site, sent)
    refund = detail.locator(".refunds li")
    expect(refund.locator(".badge")).to_have_text("failed", timeout=15000)
    expect(refund).to_contain_text("Failed: the card has expired or was canceled.")
    # What failed is no longer refunded.
    expect(detail.locator("dl.facts")).not_to_contain_text("Refunded")
    expect(detail.get_by_role("button", name=f"Refund {sent['number']}")).to_be_visible()
