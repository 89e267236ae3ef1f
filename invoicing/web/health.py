"""`GET /healthz`: the database answers and takes a write."""

from flask import Blueprint

from invoicing.record import database, settings
from invoicing.web import guards

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@guards.public
def healthz():
    """200 when the database answers and accepts a write (a full disk reads fine)."""
    with database.begin() as db:
        settings.ping(db)
    return {"ok": True}
