"""hosted.py and invoice_document.py: a complete invoice's hosted page and PDF show who it is
billed and shipped to (address, tax ID), each line's discounts and taxes, the totals, the memo
and the footer."""

import re
import zlib

from werkzeug.test import Client


def _complete_invoice(client):
    customer = client.v1.customers.create(
        {
            "name": "Acme Ltd",
            "email": "ap@acme.example",
            "address": {"line1": "1 Main St", "city": "London", "postal_code": "N1 1AA"},
            "tax_id_data": [{"type": "gb_vat", "value": "GB123456789"}],
        }
    )
    vat = client.v1.tax_rates.create(
        {"display_name": "VAT", "percentage": 20, "inclusive": False, "jurisdiction": "UK"}
    )
    coupon = client.v1.coupons.create({"percent_off": 10, "name": "Spring"})
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "currency": "gbp",
            "description": "Thanks for your order",
            "footer": "Acme Ltd, registered in England no. 123",
            "discounts": [{"coupon": coupon.id}],
            "default_tax_rates": [vat.id],
            "shipping_details": {"name": "Acme Depot", "address": {"line1": "2 Dock Rd"}},
        }
    )
    client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"amount": 10000, "description": "Consulting"}]}
    )
    return client.v1.invoices.finalize_invoice(invoice.id)


def _pdf_text(document):
    """The text drawn by a PDF's content streams (fpdf compresses them with zlib)."""
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            texts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            texts.append(stream.decode("latin-1"))
    # A PDF string escapes its parentheses.
    return "".join(texts).replace("\\(", "(").replace("\\)", ")")


def test_the_hosted_page_shows_the_complete_invoice(client, emulator):
    invoice = _complete_invoice(client)
    html = Client(emulator).get(f"/i/{invoice.id}").get_data(as_text=True)
    for text in (
        "1 Main St",
        "N1 1AA London",
        "GB VAT GB123456789",
        "Acme Depot",
        "2 Dock Rd",
        "Spring (10% off)",
        "-£10.00",
        "VAT UK 20%",
        "£18.00",
        "Subtotal",
        "£108.00",
        "Thanks for your order",
        "Acme Ltd, registered in England no. 123",
    ):
        assert text in html, text


def test_the_pdf_shows_the_complete_invoice(client, emulator):
    invoice = _complete_invoice(client)
    answer = Client(emulator).get(f"/i/{invoice.id}/pdf")
    assert answer.headers["Content-Type"] == "application/pdf"
    text = _pdf_text(answer.get_data())
    for shown in (
        "GB VAT GB123456789",
        "1 Main St",
        "Ship to: Acme Depot",
        "Spring (10% off)",
        "-10.00 GBP",
        "VAT UK 20%",
        "18.00 GBP",
        "108.00 GBP",
        "Thanks for your order",
        "registered in England",
    ):
        assert shown in text, shown
