"""The hosted invoice page (with test payment buttons) and the invoice PDF, and their routes."""

import datetime

from fpdf import FPDF
from jinja2 import Environment, PackageLoader
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

# Currencies whose amounts Stripe counts in whole units.
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())


def money(amount, currency):
    """`1000, "usd"` → `10.00 USD`."""
    if currency in ZERO_DECIMAL:
        return f"{amount:,} {currency.upper()}"
    return f"{amount / 100:,.2f} {currency.upper()}"


def day(timestamp):
    """A Unix time as `2026-11-23` (UTC), or a dash."""
    if not timestamp:
        return "—"
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).date().isoformat()


_env = Environment(loader=PackageLoader("stripe_emulator"), autoescape=True)
_env.filters.update(money=money, day=day)
_PAGE = _env.get_template("hosted_invoice.html")


def page(invoice, lines, processing):
    """The hosted invoice page as HTML."""
    return _PAGE.render(inv=invoice, lines=lines, processing=processing)


def _latin(text):
    # The PDF's core font covers Latin-1; anything else is shown as `?`.
    return str(text or "").encode("latin-1", "replace").decode("latin-1")


def pdf(invoice, lines):
    """The invoice as a one-or-more-page PDF document (bytes)."""
    doc = FPDF()
    doc.set_title(f"Invoice {invoice['number'] or invoice['id']}")
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.cell(
        0, 10, _latin(f"Invoice {invoice['number'] or '(draft)'}"), new_x="LMARGIN", new_y="NEXT"
    )
    doc.set_font("Helvetica", size=11)
    details = [
        f"Billed to: {invoice['customer_name'] or ''} <{invoice['customer_email'] or ''}>",
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
            amount = money(line["amount"], line["currency"])
            table.row((_latin(line["description"]), str(line["quantity"]), amount))
        table.row(("Amount due", "", money(invoice["amount_due"], invoice["currency"])))
    doc.ln(4)
    doc.cell(0, 7, "Issued by the Stripe emulator: no real money moves.")
    return bytes(doc.output())


def _invoice(emulator, invoice_id):
    """The invoice as shown, its lines, and whether a payment of it is processing."""
    store = emulator.store
    with store.lock:
        obj = store.get("invoice", invoice_id)
        intent = store.objects.get(obj["_payment_intent"])
        processing = bool(intent and intent["status"] == "processing")
        return store.render(obj), list(obj["_lines"]), processing


def show_page(emulator, request, invoice):
    """GET /i/<invoice>: the hosted invoice page."""
    shown, lines, processing = _invoice(emulator, invoice)
    return Response(page(shown, lines, processing), content_type="text/html; charset=utf-8")


def show_pdf(emulator, request, invoice):
    """GET /i/<invoice>/pdf: the invoice PDF."""
    shown, lines, _ = _invoice(emulator, invoice)
    name = f"Invoice-{shown['number'] or shown['id']}.pdf"
    return Response(
        pdf(shown, lines),
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


RULES = [
    Rule("/i/<invoice>", methods=["GET"], endpoint=show_page),
    Rule("/i/<invoice>/pdf", methods=["GET"], endpoint=show_pdf),
]
