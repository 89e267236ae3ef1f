"""The Xero export: the columns of Xero's sales invoice import template (SalesInvoiceTemplate.csv,
Business > Invoices > Import), one row per line item, rows of one invoice sharing its
InvoiceNumber. Xero has no template of its own for sales credit notes: they go through the same
import, their amounts negative, and Xero makes a credit note of each whose total is negative.

Xero reads dates as dd/mm/yyyy; it works out Total and TaxAmount from the lines and TaxType, so
they are left empty, as are the address, item, discount, tracking and branding columns the
record has nothing for. Void invoices and credit notes are left out: they are nothing to book.
"""

from invoicing.exports.cells import amount, day, number, text, unit_amount
from invoicing.exports.columns import lines_of, whole

# Xero's headings, asterisks (its required columns) included, in its order.
HEADER = (
    "*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3",
    "POAddressLine4", "POCity", "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber",
    "Reference", "*InvoiceDate", "*DueDate", "Total", "InventoryItemCode", "*Description",
    "*Quantity", "*UnitAmount", "Discount", "*AccountCode", "*TaxType", "TaxAmount",
    "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2", "Currency",
    "BrandingTheme",
)  # fmt: skip

# Xero's default chart of accounts has its sales (revenue) account at 200; the tax rate is
# named as the organisation's tax rates name it, so it is the one to set (docs/exports.md).
ACCOUNT_CODE = "200"
TAX_TYPE = "Tax Exempt"
_ADDRESS = [""] * 8  # POAddressLine1..4, POCity, PORegion, POPostalCode, POCountry
_TRACKING = [""] * 4


def _quantity_and_unit(line_amount, quantity, currency, sign):
    """Xero's Quantity and UnitAmount: the line's, when its amount divides by its quantity;
    else one of the whole amount, so that Xero's line total is the record's to the cent."""
    unit = unit_amount(line_amount, quantity, currency)
    if unit:
        return number(quantity), amount(sign * (line_amount // quantity), currency)
    return "1", amount(sign * (line_amount or 0), currency)


def _row(head, description, line, currency, sign, options):
    # head: ContactName, EmailAddress, InvoiceNumber, Reference, InvoiceDate, DueDate.
    contact, email, number_, reference, date, due = head
    quantity, unit = _quantity_and_unit(
        whole(line.get("amount")), whole(line.get("quantity")), currency, sign
    )
    return [
        contact, email, *_ADDRESS, number_, reference, date, due, "", "", text(description),
        quantity, unit, "", text(options["account_code"]), text(options["tax_type"]), "",
        *_TRACKING, text(currency.upper()), "",
    ]  # fmt: skip


def invoice_rows(invoice, options):
    """The Xero rows of one invoice (a row of reading.batches)."""
    head = (
        text(invoice.customer_name or invoice.email), text(invoice.email),
        text(invoice.number or invoice.id), text(invoice.id), day(invoice.finalized_at),
        day(invoice.due_date if invoice.due_date is not None else invoice.finalized_at),
    )  # fmt: skip
    for line in lines_of(invoice):
        description = line.get("description") or f"Invoice {invoice.number or invoice.id}"
        if not line:  # no lines recorded: one line of the whole total
            line = {"amount": invoice.total if invoice.total is not None else invoice.amount_due}
        yield _row(head, description, line, invoice.currency, 1, options)


def credit_note_rows(note, options):
    """The Xero rows of one credit note (a row of reading.batches): negative amounts."""
    contact = note.customer_name or note.email or note.invoice_number or note.invoice_id
    head = (
        text(contact), text(note.email), text(note.number or note.id),
        text(note.invoice_number or note.invoice_id), day(note.created), day(note.created),
    )  # fmt: skip
    for line in lines_of(note):
        fallback = note.memo or f"Credit note for {note.invoice_number or note.invoice_id}"
        description = line.get("description") or fallback
        if not line:
            line = {"amount": note.amount}
        yield _row(head, description, line, note.currency, -1, options)
