"""The test controls refuse other sites' pages; the hosted page and PDF name the customer as
Stripe does and say how the last payment attempt went; the outbox's emails carry their text."""

import contextlib
import re
import zlib

import pytest
import requests
import stripe

from stripe_emulator import serve
from tests.helpers import wait_for
from tests.helpers.serving import LiveServer

CROSS_SITE = [
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "http://127.0.0.1:9", "Sec-Fetch-Site": "same-site"},  # another port
    {"Origin": "http://evil.example"},  # an older browser: Origin alone
    {"Origin": "null"},  # a sandboxed frame or a data: page
]


@contextlib.contextmanager
def served(emulator):
    """The emulator over HTTP and the SDK talking to it."""
    server = serve(emulator)
    try:
        client = stripe.StripeClient("sk_test_123456789", base_addresses={"api": server.url})
        yield server, client
    finally:
        server.stop()


def sent(client, name="Jo", email="jo@example.com", amount=23_500):
    """A sent invoice of one line for a new customer (no name if `name` is None)."""
    customer = client.v1.customers.create({"email": email, **({"name": name} if name else {})})
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": amount, "product_data": {"name": "Gold Special"}}
    )
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price.id}}]})
    return client.v1.invoices.send_invoice(invoice.id)


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_cross_site_post_to_a_control_is_refused(emulator, headers):
    with served(emulator) as (server, client):
        invoice = sent(client)
        paid = requests.post(
            f"{server.url}/_emulator/invoices/{invoice.id}/payments",
            data={"outcome": "succeed"},
            headers=headers,
            allow_redirects=False,
        )
        fault = requests.post(
            f"{server.url}/_emulator/faults", json={"operation": "invoices.pay"}, headers=headers
        )
        forget = requests.delete(f"{server.url}/_emulator/calls", headers=headers)
        assert client.v1.invoices.retrieve(invoice.id).status == "open"
    for refused in (paid, fault, forget):
        assert refused.status_code == 403
        error = refused.json()["error"]
        assert error["type"] == "invalid_request_error" and "another site" in error["message"]
    assert emulator.faults.shown()["faults"] == {} and emulator.calls


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a program: the server, a test, curl
        {"Sec-Fetch-Site": "same-origin"},  # the hosted page's own buttons
    ],
)
def test_the_emulators_own_pages_and_programs_may_pay(emulator, headers):
    with served(emulator) as (server, client):
        invoice = sent(client)
        answer = requests.post(
            f"{server.url}/_emulator/invoices/{invoice.id}/payments",
            json={"outcome": "fail"},  # as invoicing/emulator_mode.py posts it
            headers=headers,
        )
        assert answer.status_code == 200 and answer.json()["status"] == "open"
        own = {"Origin": server.url}
        form = requests.post(
            f"{server.url}/_emulator/invoices/{invoice.id}/payments",
            data={"outcome": "succeed"},
            headers={**headers, **own},
        )
        assert form.status_code == 200 and form.url == invoice.hosted_invoice_url
        assert client.v1.invoices.retrieve(invoice.id).status == "paid"


@pytest.mark.parametrize(
    ("name", "shown"),
    [(None, "jenny@example.com"), ("Jenny Rosen", "Jenny Rosen <jenny@example.com>")],
)
def test_billed_to_is_the_email_alone_without_a_name(emulator, name, shown):
    with served(emulator) as (_, client):
        invoice = sent(client, name=name, email="jenny@example.com")
        html = requests.get(invoice.hosted_invoice_url).text
        document = requests.get(invoice.invoice_pdf).content
    billed = re.search(r"<dt>Billed to</dt><dd>(.*?)</dd>", html).group(1)
    assert billed == shown.replace("<", "&lt;").replace(">", "&gt;")
    assert f"(Billed to: {shown})".encode() in _pdf_text(document)


def _pdf_text(document):
    """The PDF's page contents, uncompressed."""
    # A stream may end in a `\r` of its own: it is kept, and a decompressor stops at the end of
    # its data, whatever follows.
    streams = re.findall(rb"stream\r?\n(.*?)\nendstream", document, re.S)
    found = b""
    for stream in streams:
        with contextlib.suppress(zlib.error):
            found += zlib.decompressobj().decompress(stream)
    return found


def test_the_page_says_the_last_attempt_failed_then_that_one_is_processing(emulator):
    emulator.processing_seconds = 60
    with served(emulator) as (server, client):
        invoice = sent(client)
        url = f"{server.url}/_emulator/invoices/{invoice.id}/payments"
        before = requests.get(invoice.hosted_invoice_url).text
        requests.post(url, json={"outcome": "fail"}).raise_for_status()
        failed = requests.get(invoice.hosted_invoice_url).text
        requests.post(url, json={"outcome": "delayed"}).raise_for_status()
        processing = requests.get(invoice.hosted_invoice_url).text
    assert "attempt failed" not in before and "is processing" not in before
    assert "The last payment attempt failed: Your card was declined." in failed
    assert 'name="outcome"' in failed  # the customer can try again
    assert "A payment is processing." in processing and "attempt failed" not in processing


def _attacker(target):
    """A page on another site (localhost, where the emulator is 127.0.0.1) whose form posts
    itself to the emulator's payment control as soon as it loads."""
    html = (
        f'<form method="post" action="{target}"><input name="outcome" value="succeed">'
        "</form><script>document.forms[0].submit()</script>"
    ).encode()

    def page(_environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return [html]

    return LiveServer(page)


def test_in_chromium_the_buttons_work_and_another_site_cannot_pay(emulator, browser_page):
    page = browser_page
    emulator.processing_seconds = 1.0
    with served(emulator) as (server, client):
        invoice = sent(client)
        attacker = _attacker(f"{server.url}/_emulator/invoices/{invoice.id}/payments")
        try:
            page.goto(attacker.url.replace("127.0.0.1", "localhost"))
            wait_for(lambda: page.url.startswith(server.url))  # the form went, and was refused
            assert "another site" in page.content()
        finally:
            attacker.stop()
        assert client.v1.invoices.retrieve(invoice.id).status == "open"

        page.goto(invoice.hosted_invoice_url)
        page.get_by_role("button", name="Fail payment").click()
        assert "The last payment attempt failed" in page.inner_text("[role=alert]")
        assert page.inner_text("#status") == "open"
        page.get_by_role("button", name="Pay with a delayed method").click()
        assert page.inner_text("[role=status]") == "A payment is processing."
        wait_for(lambda: client.v1.invoices.retrieve(invoice.id).status == "paid", timeout=10)
        page.reload()
        assert page.inner_text("#status") == "paid"

        second = sent(client)
        page.goto(second.hosted_invoice_url)
        page.get_by_role("button", name="Pay", exact=True).click()
        assert page.inner_text("#status") == "paid"


def test_every_email_in_the_outbox_has_its_text(emulator):
    with served(emulator) as (server, client):
        invoice = sent(client)
        client.v1.invoices.send_invoice(invoice.id)  # a reminder
        requests.post(
            f"{server.url}/_emulator/invoices/{invoice.id}/payments", json={"outcome": "succeed"}
        ).raise_for_status()
        emails = requests.get(f"{server.url}/_emulator/outbox").json()["data"]
    receipt, reminder, first = emails
    assert [e["kind"] for e in emails] == ["receipt", "reminder", "invoice"]
    due = re.search(r"\d{4}-\d{2}-\d{2}", first["text"]).group(0)
    for email in emails:
        text = email["text"]
        assert "From: Emulated account" in text and "To: jo@example.com" in text
        assert f"Invoice number: {invoice.number}" in text
        assert invoice.hosted_invoice_url in text and invoice.invoice_pdf in text
    for email in (first, reminder):
        assert "Amount due: $235.00" in email["text"] and f"Due: {due}" in email["text"]
    assert f"This invoice is due on {due}." in reminder["text"]
    assert "Amount paid: $235.00" in receipt["text"] and "Paid on: " in receipt["text"]
