"""The browser pages: the demo page and the payment page."""

from flask import Blueprint, current_app

bp = Blueprint("pages", __name__)

_PLACEHOLDER = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Invoicing server</title><link rel="icon" href="data:,"></head><body>
<h1>Invoicing server</h1><p>Mode: {mode}. The API is up: see <a href="/prices">/prices</a>
and <a href="/invoices">/invoices</a>.</p></body></html>"""


@bp.get("/")
def show_index():
    """The demo page."""
    return _PLACEHOLDER.format(mode=current_app.config["MODE"])
