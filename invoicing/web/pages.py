"""The browser pages: the demo page and an invoice's payment page."""

import threading

import cachetools
import stripe
from flask import Blueprint, current_app, render_template, request

from invoicing import stripe_calls
from invoicing.errors import NotFoundError
from invoicing.record import database, invoices
from invoicing.web import guards
from invoicing.web.shapes import invoice_json

bp = Blueprint("pages", __name__)

_MODE_BANNER = {
    "emulator": "Emulator: no real money moves",
    "test": "Stripe test mode",
    "live": "LIVE",
}


@bp.app_context_processor
def frame_context():
    """What every page's frame shows (error pages too): the mode and its banner."""
    mode = current_app.config["MODE"]
    return {"mode": mode, "banner": _MODE_BANNER[mode]}


# The pay page is public: uncached, each view would cost a Stripe call, and one leaked link
# could spend the account's rate limit. An open invoice's client secret does not change.
PAY_SECRET_SECONDS = 60
_secrets = cachetools.TTLCache(maxsize=10_000, ttl=PAY_SECRET_SECONDS)


@cachetools.cached(_secrets, lock=threading.Lock())
def _client_secret(invoice_id):
    return stripe_calls.confirmation_secret(invoice_id)


@bp.get("/")
def show_index():
    """The demo page: pick products, send an invoice, watch the list."""
    return render_template("index.html")


@bp.get("/invoices/<invoice_id>/pay")
@guards.public
def show_pay_page(invoice_id):
    """Pay one invoice: the Payment Element with real keys, the emulator's test payments else."""
    with database.connect() as db:
        invoice = invoices.require_invoice(db, invoice_id)
    context = {"invoice": invoice_json(invoice), "client_secret": None}
    # The page is public; the list it would link back to asks for the admin's password then.
    context["public_only"] = bool(current_app.config["ADMIN_PASSWORD"])
    # Stripe sends the customer back here with these after a confirmation.
    context["returned"] = "redirect_status" in request.args
    real_keys = current_app.config["MODE"] != "emulator"
    if invoice.status == "open" and real_keys and not context["returned"]:
        try:
            context["client_secret"] = _client_secret(invoice_id)
        except stripe.InvalidRequestError as error:
            raise NotFoundError(error.user_message or "Unknown invoice.") from None
        context["publishable_key"] = current_app.config["STRIPE_PUBLISHABLE_KEY"]
        context["return_url"] = f"{current_app.config['DOMAIN']}/invoices/{invoice_id}/pay"
        guards.allow_stripe_js()
    return render_template("pay.html", **context)
