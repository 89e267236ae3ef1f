"""`GET /exports/invoices.csv` and `GET /exports/credit-notes.csv`: the record's invoices (by
finalization) and credit notes (by creation) between `?from=` and `?to=`, one row per line
item, streamed as they are read (invoicing/exports/)."""

import itertools
import re

from flask import Blueprint, Response, current_app, request

from invoicing import exports
from invoicing.errors import ApiError

bp = Blueprint("exports", __name__)
# A moment in Unix seconds, up to the year 33658 (as GET /receivables takes one).
_MOMENT = re.compile("[0-9]{1,12}")


def _moment(name):
    raw = request.args.get(name)
    if raw is None:
        return None
    if not _MOMENT.fullmatch(raw):
        raise ApiError(400, f"{name} must be a Unix time in seconds.", field=name)
    return int(raw)


def _logged(pieces, logger, kind):
    """The pieces, with a failure after the answer has begun logged: the client sees the
    answer cut short (no last chunk), as the status can no longer say it."""
    try:
        yield from pieces
    except Exception:
        logger.exception("export of %s cut short", kind)
        raise


def _export(kind):
    start, end = _moment("from"), _moment("to")
    if start is not None and end is not None and end < start:
        raise ApiError(400, "to must not be before from.", field="to")
    pieces = exports.chunks(current_app.extensions["db"], kind, "csv", start, end)
    # The first piece is made here, where a database that cannot be read is still a 503.
    first = next(pieces)
    body = _logged(itertools.chain([first], pieces), current_app.logger, kind)
    disposition = f"attachment; filename={exports.filename(kind)}"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": disposition})


@bp.get("/exports/invoices.csv")
def export_invoices():
    """Invoices finalized in [`?from=`, `?to=`) (Unix seconds, both optional), drafts left
    out, oldest first: one CSV row per line item (docs/exports.md)."""
    return _export("invoices")


@bp.get("/exports/credit-notes.csv")
def export_credit_notes():
    """Credit notes created in [`?from=`, `?to=`), oldest first: one CSV row per line."""
    return _export("credit-notes")
