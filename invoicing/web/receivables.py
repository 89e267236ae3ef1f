"""`GET /receivables`: what is owed per currency at a moment, aged by days past due."""

import re
import time

from flask import Blueprint, request

from invoicing import receivables
from invoicing.errors import ApiError
from invoicing.record import database

bp = Blueprint("receivables", __name__)
# A moment in Unix seconds, up to the year 33658.
_MOMENT = re.compile("[0-9]{1,12}")


def _moment(name):
    raw = request.args.get(name)
    if raw is None:
        return int(time.time())
    if not _MOMENT.fullmatch(raw):
        raise ApiError(400, f"{name} must be a Unix time in seconds.", field=name)
    return int(raw)


@bp.get("/receivables")
def get_receivables():
    """What is owed per currency at `?as_of=` (default now), aged by days past due."""
    as_of = _moment("as_of")
    # Without a moment: what the record holds now, from the sums the database keeps. With one
    # (even a later one, which an amount stamped ahead of this clock may precede): from each
    # amount's own time.
    now = "as_of" not in request.args
    with database.connect() as db:
        return {"as_of": as_of, "data": receivables.aging(db, as_of, now=now)}
