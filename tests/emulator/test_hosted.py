"""hosted.py: the hosted invoice page (the app's look, amounts with the currency's symbol, a link
back to the merchant, test payment buttons, no sideways scroll on a phone) and the invoice PDF."""

import re

import requests
import stripe

from stripe_emulator import serve


def sent(client, currency="usd", amount=23_500, quantity=2, description="Gold Special"):
    customer = client.v1.customers.create({"email": "jo@example.com", "name": "Jo"})
    price = client.v1.prices.create(
        {"currency": currency, "unit_amount": amount, "product_data": {"name": description}}
    )
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "currency": currency,
        }
    )
    client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": quantity}]}
    )
    return client.v1.invoices.send_invoice(invoice.id)


def test_amounts_dates_badge_buttons_and_link_back(emulator):
    server = serve(emulator)
    try:
        client = stripe.StripeClient("sk_test_123456789", base_addresses={"api": server.url})
        client.v1.webhook_endpoints.create(
            {"url": "http://old.example:4242/webhook", "enabled_events": ["*"]}
        )
        client.v1.webhook_endpoints.create(
            {"url": "http://127.0.0.1:5000/webhook", "enabled_events": ["invoice.paid"]}
        )
        invoice = sent(client)
        html = requests.get(invoice.hosted_invoice_url).text
        euro = requests.get(sent(client, "eur", 1999, 1).hosted_invoice_url).text
    finally:
        server.stop()
    assert "$470.00" in html and "USD" not in html and "€19.99" in euro
    due = re.search(r"\d{4}-\d{2}-\d{2}", html)
    assert due and invoice.due_date
    assert 'id="status"' in html and 'class="badge badge-open"' in html
    for outcome in ("succeed", "fail", "delayed", "succeed_refunds_fail"):
        assert f'name="outcome" value="{outcome}"' in html
    assert '<a href="http://127.0.0.1:5000">' in html and "old.example" not in html


def test_no_link_back_without_a_webhook_endpoint_and_no_buttons_once_paid(emulator):
    server = serve(emulator)
    try:
        client = stripe.StripeClient("sk_test_123456789", base_addresses={"api": server.url})
        invoice = sent(client)
        before = requests.get(invoice.hosted_invoice_url).text
        paid = requests.post(
            f"{server.url}/_emulator/invoices/{invoice.id}/payments", data={"outcome": "succeed"}
        ).text
    finally:
        server.stop()
    assert "Back to" not in before
    assert 'class="badge badge-paid" id="status">paid<' in paid
    assert 'name="outcome"' not in paid


def test_no_sideways_scroll_at_phone_width(emulator, browser_page):
    server = serve(emulator)
    try:
        client = stripe.StripeClient("sk_test_123456789", base_addresses={"api": server.url})
        long_name = "A very long product name without breaks " + "x" * 120
        invoice = sent(client, amount=9_999_999, quantity=10, description=long_name)
        browser_page.set_viewport_size({"width": 390, "height": 844})
        browser_page.goto(invoice.hosted_invoice_url)
        width = browser_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        browser_page.get_by_role("button", name="Pay", exact=True).click()
        assert browser_page.inner_text("#status") == "paid"
    finally:
        server.stop()


def test_hosted_page_and_pdf(emulator):
    server = serve(emulator)
    try:
        client = stripe.StripeClient("sk_test_123456789", base_addresses={"api": server.url})
        invoice = sent(client, amount=1000, quantity=3)
        assert invoice.hosted_invoice_url.startswith(server.url)
        page = requests.get(invoice.hosted_invoice_url)
        assert page.headers["Content-Type"].startswith("text/html")
        for text in (
            invoice.number,
            "$30.00",
            "Pay",
            "Fail payment",
            "Pay with a delayed method",
        ):
            assert text in page.text
        pdf = requests.get(invoice.invoice_pdf)
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
        paid = requests.post(
            f"{server.url}/_emulator/invoices/{invoice.id}/payments", data={"outcome": "succeed"}
        )
        assert paid.url == invoice.hosted_invoice_url and "paid" in paid.text
        assert "Fail payment" not in paid.text
        assert client.v1.invoices.retrieve(invoice.id).status == "paid"
    finally:
        server.stop()
