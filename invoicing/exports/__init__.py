"""Exports: the invoices and credit notes of the record as CSV, one row per line item, in the
plain columns (columns.py) or Xero's import template (xero.py), written as they are read in
batches (reading.py), so that memory stays flat however many there are (docs/exports.md).

`GET /exports/invoices.csv` and `GET /exports/credit-notes.csv` (web/exports.py) and
`flask --app server export` (cli.py) both write what `chunks` gives.
"""

import csv
import io

from invoicing.exports import columns, reading, xero

KINDS = ("invoices", "credit-notes")
FORMATS = ("csv", "xero")
# Characters of CSV text per piece handed on (a few hundred rows): small enough to keep memory
# low, large enough that each is one good write to the socket.
CHUNK = 64 * 1024

_PLAIN = {
    "invoices": (columns.INVOICE_HEADER, columns.invoice_rows),
    "credit-notes": (columns.CREDIT_NOTE_HEADER, columns.credit_note_rows),
}
_XERO = {"invoices": xero.invoice_rows, "credit-notes": xero.credit_note_rows}


def _layout(kind, fmt, xero_options):
    """The header and a function from one record to its rows."""
    if fmt == "csv":
        return _PLAIN[kind]
    options = {"account_code": xero.ACCOUNT_CODE, "tax_type": xero.TAX_TYPE}
    options.update(xero_options or {})
    make = _XERO[kind]
    return xero.HEADER, lambda record: make(record, options)


def chunks(engine, kind, fmt="csv", start=None, end=None, *, xero_options=None, on_batch=None):
    """The export as pieces of text of about CHUNK characters, the header in the first, none
    before the first batch is read (so that a database that cannot be read fails before
    anything is sent).

    `kind` is "invoices" (finalized in [start, end), drafts left out) or "credit-notes"
    (created in [start, end)); `fmt` "csv" or "xero" (void ones left out, `xero_options` may
    set "account_code" and "tax_type"); `on_batch(n)` is called as each batch of n records
    has been written."""
    header, rows_of = _layout(kind, fmt, xero_options)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: quoted where needed, CRLF line ends
    writer.writerow(header)
    for batch in reading.batches(engine, kind, start, end, issued_only=fmt == "xero"):
        for record in batch:
            writer.writerows(rows_of(record))
            if buffer.tell() >= CHUNK:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if on_batch is not None:
            on_batch(len(batch))
    if buffer.tell():
        yield buffer.getvalue()


def count(engine, kind, fmt="csv", start=None, end=None):
    """How many invoices or credit notes `chunks` would write."""
    return reading.count(engine, kind, start, end, issued_only=fmt == "xero")


def filename(kind, fmt="csv"):
    """The file name an export is offered as."""
    return f"{kind}.csv" if fmt == "csv" else f"{kind}-xero.csv"
