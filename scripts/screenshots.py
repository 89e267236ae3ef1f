"""Make the README's screenshots in emulator mode: the demo page (desktop and a 390 px phone),
a paid invoice's detail view (with its refunds), the Refund… dialog with Stripe's preview, the
Credit… dialog line by line on a phone, the payment page, the list searched beside the
customers view once there are more than a page of each, and a complete invoice's detail view
(the customer's address and tax ID, a coupon, a tax rate, a memo and a footer).

.venv/bin/python scripts/screenshots.py    # writes docs/index.png, docs/index-phone.png,
                                           # docs/detail.png, docs/refund.png,
                                           # docs/credit-phone.png, docs/pay.png,
                                           # docs/lists.png and docs/complete.png
"""

import json
import logging
import os
import re
import sys
import tempfile
import time

import requests
from playwright.sync_api import expect, sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from invoicing import create_app  # noqa: E402 - after the path is set
from stripe_emulator import serve, sign  # noqa: E402
from tests.helpers.serving import LiveServer  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
DAY = 86400
# Who is billed, for what (the catalog's first price), and how long ago it fell due (None: not
# yet due).
# Some customers have a name (shown with their email), some not.
NAMES = {"ada@example.com": "Ada Lovelace", "grace@example.com": "Grace Hopper"}
CUSTOMERS = [
    ("ada@example.com", "3", 45),
    ("grace@example.com", "1", 12),
    ("jenny@example.com", "5", None),
    ("alan@example.com", "2", None),
]


# A reminder, a receipt and two credit notes beside the invoices.
OUTBOX = len(CUSTOMERS) + 4
# For the lists' screenshot, more customers than a page holds, with two invoices each.
MORE_CUSTOMERS = [
    "Margaret Hamilton", "Katherine Johnson", "Dorothy Vaughan", "Mary Jackson",
    "Barbara Liskov", "Frances Allen", "Radia Perlman", "Karen Jones", "Hedy Lamarr",
    "Annie Easley", "Joan Clarke", "Sophie Wilson",
]  # fmt: skip


def post_event(server, type_, invoice):
    """Post a signed event to the server, as Stripe would (here: to move a due date back)."""
    secret = server.app.config["STRIPE_WEBHOOK_SECRETS"][0]
    created = int(time.time())
    event = {"id": f"evt_screens_{invoice['id']}_{time.time_ns()}", "type": type_,
             "created": created, "data": {"object": invoice}}  # fmt: skip
    body = json.dumps(event).encode()
    headers = {"Stripe-Signature": sign(body, secret, created), "Content-Type": "application/json"}
    answer = requests.post(f"{server.url}/webhook", data=body, headers=headers, timeout=10)
    answer.raise_for_status()


def post(server, path, body=None):
    """POST JSON to the server; the answer's JSON."""
    answer = requests.post(f"{server.url}{path}", json=body or {}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def fill_the_page(page, server, emulator):
    """Send the invoices from the form, then let time pass for some and pay one."""
    page.goto(server.url)
    page.wait_for_selector("input.quantity")
    sent = {}
    for email, quantity, _ in CUSTOMERS:
        page.fill("#qty-0", quantity)
        page.fill("#email", email)
        page.fill("#name", NAMES.get(email, ""))
        page.fill("#po_number", "PO-1234")
        page.click("#send")
        expect(page.locator("#result-email")).to_have_text(email)
        sent[email] = page.get_attribute("#result-detail", "href").lstrip("#")
    post(server, f"/invoices/{sent['ada@example.com']}/remind")
    post(server, f"/invoices/{sent['alan@example.com']}/pay/test", {"outcome": "succeed"})
    # Part of Alan's paid invoice refunded (a credit note, its refund), and a credit to the
    # customer's balance: the list's badges and the detail view show them.
    expect(page.locator("#invoices .badge-paid")).to_have_count(1)
    refund = {"amount": 500, "reason": "product_unsatisfactory", "memo": "One seat unused"}
    to_balance = {"amount": 300, "credit_amount": 300}
    for note in (refund, to_balance):
        post(server, f"/invoices/{sent['alan@example.com']}/credit-notes", note)
    # Then time passes: the due dates move back (after the reminder, whose webhooks carry the
    # emulator's own due date).
    emulator.emulator.deliverer.wait_idle(timeout=10)
    for email, _, late in CUSTOMERS:
        if late:
            due = int(time.time()) - late * DAY
            snapshot = {"id": sent[email], "object": "invoice", "status": "open", "due_date": due}
            post_event(server, "invoice.finalized", snapshot)
    expect(page.locator("#invoices .badge-partly-refunded")).to_have_count(1)
    expect(page.locator("#invoices .badge-overdue")).to_have_count(2)
    expect(page.locator("#outbox li")).to_have_count(OUTBOX)
    expect(page.locator(".aging [data-bucket='overdue_31_60'] dd")).to_have_text("$30.00")
    return sent


def lists_shot(page, server, path):
    """More invoices than a page and more customers than a page, then the list searched for
    "ma" (the beginning of a word of a name), above the customers view with its Load more."""
    price = requests.get(f"{server.url}/prices", timeout=10).json()["data"][0]["id"]
    for quantity in (1, 2):
        for name in MORE_CUSTOMERS:
            email = f"{name.split()[0].lower()}@example.com"
            order = {"email": email, "name": name, "days_until_due": 30,
                     "items": [{"price": price, "quantity": quantity}]}  # fmt: skip
            post(server, "/invoices", order)
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(server.url)
    expect(page.get_by_role("button", name="Load more invoices")).to_be_visible()
    expect(page.get_by_role("button", name="Load more customers")).to_be_visible()
    page.fill("#filter-q", "ma")
    expect(page.locator("#invoices tr")).to_have_count(4)
    page.mouse.click(5, 5)
    # From the list's heading to the end of the customers view, in the page's coordinates.
    top, bottom = page.evaluate(
        """() => [
            document.getElementById("invoices-section").getBoundingClientRect().top,
            document.getElementById("customers-section").getBoundingClientRect().bottom,
        ].map((y) => y + window.scrollY)"""
    )
    clip = {"x": 0, "y": top - 8, "width": 1200, "height": bottom - top + 24}
    page.screenshot(path=path, clip=clip, full_page=True)


def complete_shot(page, server, path):
    """A complete invoice sent from the form, with emulator mode's sample VAT and coupon, then
    its detail view."""
    page.set_viewport_size({"width": 1200, "height": 1250})
    page.goto(server.url)
    page.wait_for_selector("input.quantity")
    form = page.locator("#invoice-form")
    page.fill("#qty-0", "2")
    page.fill("#qty-1", "1")
    form.get_by_label("VAT 20% (FR)").check()
    form.get_by_label("Coupon").select_option(label="Welcome, 10% off")
    page.fill("#email", "accounts@ada-sarl.example")
    page.fill("#name", "Ada SARL")
    page.locator("#customer-details summary").click()
    fields = {
        "#address_line1": "1 Rue de Rivoli", "#address_postal_code": "75001",
        "#address_city": "Paris", "#address_country": "FR", "#phone": "+33 1 23 45 67 89",
        "#tax_id_value": "FR12345678901", "#description": "Thank you for your order.",
        "#footer": "Payment within 30 days. Ada SARL, RCS Paris 123 456 789.",
    }  # fmt: skip
    for selector, value in fields.items():
        page.fill(selector, value)
    form.get_by_label("Tax ID type").select_option("eu_vat")
    page.click("#send")
    expect(page.locator("#result-email")).to_have_text("accounts@ada-sarl.example")
    page.click("#result-detail")
    expect(page.locator("#detail dl.facts")).to_contain_text("EU VAT FR12345678901")
    page.screenshot(path=path)


def main():
    """Start a server with its emulator, fill the page, save the screenshots."""
    emulator = serve()
    server = LiveServer()
    database = os.path.join(tempfile.mkdtemp(), "screens.db")
    server.app = create_app(
        {
            "STRIPE_SECRET_KEY": "",
            "STRIPE_WEBHOOK_SECRETS": [],
            "STRIPE_API_BASE": emulator.url,
            "DATABASE_URL": f"sqlite:///{database}",
            "DOMAIN": server.url,
        }
    )
    server.app.logger.setLevel(logging.WARNING)  # no line per request
    out = os.path.join(ROOT, "docs")
    os.makedirs(out, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        sent = fill_the_page(page, server, emulator)
        page.mouse.click(5, 5)  # the focus ring off the last button
        page.screenshot(path=os.path.join(out, "index.png"), full_page=True)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto(server.url)
        expect(phone.locator("#invoices tr")).to_have_count(len(CUSTOMERS))
        expect(phone.locator("#outbox li")).to_have_count(OUTBOX)
        expect(phone.locator(".aging")).to_have_count(1)
        phone.screenshot(path=os.path.join(out, "index-phone.png"), full_page=True)

        # The detail view of the paid invoice, with its credit notes, their refund and one made
        # in Stripe's Dashboard (by the emulator's control, after the list's screenshots).
        answer = requests.post(
            f"{emulator.url}/_emulator/invoices/{sent['alan@example.com']}/refunds",
            json={"amount": 200},
            timeout=10,
        )
        answer.raise_for_status()
        page.set_viewport_size({"width": 1200, "height": 1500})
        page.goto(f"{server.url}/#{sent['alan@example.com']}")
        expect(page.locator("#detail .refunds li")).to_have_count(2)
        expect(page.locator("#detail .credit-notes li")).to_have_count(2)
        page.screenshot(path=os.path.join(out, "detail.png"))
        page.set_viewport_size({"width": 1200, "height": 900})

        # Refund… on it: what is left to refund, with Stripe's preview.
        page.get_by_role("button", name=re.compile("^Refund ")).click()
        expect(page.locator("#credit-preview")).to_contain_text("refund")
        page.get_by_label("Reason").select_option("duplicate")
        page.screenshot(path=os.path.join(out, "refund.png"))

        # Credit… line by line, on a phone, for an open invoice.
        phone.goto(f"{server.url}/#{sent['jenny@example.com']}")
        phone.get_by_role("button", name=re.compile("^Credit ")).click()
        phone.get_by_label("Line by line").check()
        phone.locator(".credit-line-inputs input").first.fill("2")
        expect(phone.locator("#credit-preview")).to_contain_text("lower what is owed")
        phone.screenshot(path=os.path.join(out, "credit-phone.png"))

        pay = browser.new_page(viewport={"width": 800, "height": 600})
        pay.goto(f"{server.url}/invoices/{sent['grace@example.com']}/pay")
        expect(pay.locator("#status")).to_have_text("open")
        pay.screenshot(path=os.path.join(out, "pay.png"), full_page=True)

        lists_shot(page, server, os.path.join(out, "lists.png"))
        complete_shot(page, server, os.path.join(out, "complete.png"))
        browser.close()
    server.stop()
    emulator.stop()
    shots = (
        "index.png, index-phone.png, detail.png, refund.png, credit-phone.png, pay.png, "
        "lists.png and complete.png"
    )
    print(f"Wrote {out}/{shots}")


if __name__ == "__main__":
    main()
