"""The hosted invoice page (with test payment buttons) and the invoice PDF, and their routes."""

import datetime
from urllib.parse import urlsplit

from fpdf import FPDF
from jinja2 import Environment, PackageLoader
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from invoicing.currencies import format_code, format_money

from . import invoice_document as document


def day(timestamp):
    """A Unix time as `2026-11-23` (UTC), or a dash."""
    if not timestamp:
        return "—"
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).date().isoformat()


def billed_to(invoice):
    """Who the invoice is to: `Name <email>`, or the name or the email alone, or a dash."""
    name, email = invoice["customer_name"], invoice["customer_email"]
    if name and email:
        return f"{name} <{email}>"
    return name or email or "—"


_env = Environment(loader=PackageLoader("stripe_emulator"), autoescape=True)
_env.filters.update(money=format_money, day=day, billed_to=billed_to)
_PAGE = _env.get_template("hosted_invoice.html")


def page(invoice, lines, attempt, merchant=None, named=None):
    """The hosted invoice page as HTML, with the last payment `attempt` (see `last_attempt`),
    a link back to the `merchant`'s site if known, and the names of its discounts and tax
    rates (`invoice_document.labels`)."""
    named = named or {"discounts": {}, "rates": {}}
    return _PAGE.render(
        inv=invoice,
        lines=[(line, document.line_notes(line, named)) for line in lines],
        attempt=attempt or {},
        merchant=merchant,
        billed=document.billed(invoice),
        shipped=document.shipped(invoice),
        totals=document.totals(invoice, lines, named),
    )


def last_attempt(invoice, intent):
    """What the page says of the last payment attempt: `{"status": "processing"}`, or
    `{"status": "failed", "message": ...}` while the invoice is still owed; else None."""
    if intent is None:
        return None
    if intent["status"] == "processing":
        return {"status": "processing"}
    error = intent["last_payment_error"]
    if error and invoice["status"] in ("open", "uncollectible"):
        return {"status": "failed", "message": error.get("message") or "The payment failed."}
    return None


def _latin(text):
    # The PDF's core font covers Latin-1; a dash becomes `-`, anything else is shown as `?`.
    text = str(text or "").replace("—", "-")
    return text.encode("latin-1", "replace").decode("latin-1")


def pdf(invoice, lines, named=None):
    """The invoice as a one-or-more-page PDF document (bytes)."""
    named = named or {"discounts": {}, "rates": {}}
    doc = FPDF()
    doc.set_title(f"Invoice {invoice['number'] or invoice['id']}")
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.cell(
        0, 10, _latin(f"Invoice {invoice['number'] or '(draft)'}"), new_x="LMARGIN", new_y="NEXT"
    )
    doc.set_font("Helvetica", size=11)
    details = [f"Billed to: {', '.join(document.billed(invoice))}"]
    shipped = document.shipped(invoice)
    details += [f"Ship to: {', '.join(shipped)}"] if shipped else []
    details += [
        f"Issued: {day(invoice['effective_at'])}    Due: {day(invoice['due_date'])}",
        f"Status: {invoice['status']}",
    ]
    details += [f"{f['name']}: {f['value']}" for f in invoice["custom_fields"] or []]
    if invoice["description"]:
        details.append(invoice["description"])
    for text in details:
        doc.cell(0, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    with doc.table(col_widths=(110, 25, 45), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        table.row(("Item", "Qty", "Amount"))
        for line in lines:
            amount = format_code(line["amount"], line["currency"])
            table.row((_latin(line["description"]), str(line["quantity"]), amount))
            for text, moved in document.line_notes(line, named):
                table.row((_latin(f"    {text}"), "", format_code(moved, line["currency"])))
        for label, amount in document.totals(invoice, lines, named):
            table.row((_latin(label), "", format_code(amount, invoice["currency"])))
    doc.ln(4)
    if invoice["footer"]:
        doc.multi_cell(0, 6, _latin(invoice["footer"]), new_x="LMARGIN", new_y="NEXT")
    doc.cell(0, 7, "Issued by the Stripe emulator: no real money moves.")
    return bytes(doc.output())


def credit_note_pdf(note, invoice):
    """The credit note as a PDF document (bytes): what it credits on which invoice."""
    doc = FPDF()
    doc.set_title(f"Credit note {note['number']}")
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.cell(0, 10, _latin(f"Credit note {note['number']}"), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=11)
    details = [
        f"Billed to: {billed_to(invoice)}",
        f"Invoice: {invoice['number']}    Issued: {day(note['created'])}",
        f"Status: {note['status']}"
        + (f" (voided {day(note['voided_at'])})" if note["voided_at"] else ""),
    ]
    details += [f"Reason: {note['reason'].replace('_', ' ')}"] if note["reason"] else []
    details += [note["memo"]] if note["memo"] else []
    for text in details:
        doc.cell(0, 7, _latin(text), new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    currency = note["currency"]
    with doc.table(col_widths=(110, 25, 45), text_align=("LEFT", "RIGHT", "RIGHT")) as table:
        table.row(("Item", "Qty", "Amount"))
        for line in note["_lines"]:
            quantity = "" if line["quantity"] is None else str(line["quantity"])
            table.row(
                (_latin(line["description"]), quantity, format_code(line["amount"], currency))
            )
        # The lines show gross amounts: their discounts and tax make up the total credited.
        if note["discount_amount"]:
            table.row(("Discounts", "", format_code(-note["discount_amount"], currency)))
        for tax in note["total_taxes"]:
            label = "Tax (included)" if tax["tax_behavior"] == "inclusive" else "Tax"
            table.row((label, "", format_code(tax["amount"], currency)))
        table.row(("Total credited", "", format_code(note["amount"], currency)))
    doc.ln(4)
    doc.cell(0, 7, "Issued by the Stripe emulator: no real money moves.")
    return bytes(doc.output())


def show_credit_note_pdf(emulator, request, note):
    """GET /credit_notes/<note>/pdf: the credit note PDF."""
    store = emulator.store
    with store.lock:
        obj = store.get("credit_note", note)
        shown, invoice = dict(obj), store.render(store.objects.peek(obj["invoice"]))
        document = credit_note_pdf(shown, invoice)
    return Response(
        document,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="CreditNote-{shown["number"]}.pdf"'},
    )


def _invoice(emulator, invoice_id):
    """The invoice as shown, its lines, its last payment attempt (see `last_attempt`), and
    the names of its discounts and tax rates."""
    store = emulator.store
    with store.lock:
        obj = store.get("invoice", invoice_id)
        intent = store.objects.get(obj["_payment_intent"])
        shown = store.render(obj)
        named = document.labels(store, obj)
        return shown, list(obj["_lines"]), last_attempt(obj, intent), named


def merchant_site(store):
    """The origin of the newest enabled webhook endpoint: the merchant's server, in emulator
    mode; None when there is none."""
    with store.lock:
        for endpoint_id in reversed(store.by_type["webhook_endpoint"]):
            endpoint = store.objects[endpoint_id]
            if endpoint["status"] == "enabled":
                parts = urlsplit(endpoint["url"])
                return f"{parts.scheme}://{parts.netloc}"
    return None


def show_page(emulator, request, invoice):
    """GET /i/<invoice>: the hosted invoice page."""
    shown, lines, attempt, named = _invoice(emulator, invoice)
    html = page(shown, lines, attempt, merchant_site(emulator.store), named)
    return Response(html, content_type="text/html; charset=utf-8")


def show_pdf(emulator, request, invoice):
    """GET /i/<invoice>/pdf: the invoice PDF."""
    shown, lines, _, named = _invoice(emulator, invoice)
    name = f"Invoice-{shown['number'] or shown['id']}.pdf"
    return Response(
        pdf(shown, lines, named),
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


RULES = [
    Rule("/i/<invoice>", methods=["GET"], endpoint=show_page),
    Rule("/i/<invoice>/pdf", methods=["GET"], endpoint=show_pdf),
    Rule("/credit_notes/<note>/pdf", methods=["GET"], endpoint=show_credit_note_pdf),
]
