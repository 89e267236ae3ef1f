"""The browser pages: the demo page and an invoice's payment page, with security headers."""

import stripe
from flask import Blueprint, current_app, g, render_template, request

import invoicing
import store
from errors import ApiError

bp = Blueprint("pages", __name__)

_MODE_BANNER = {
    "emulator": "Emulator: no real money moves",
    "test": "Stripe test mode",
    "live": "LIVE",
}
# Only this origin everywhere; the payment page with real keys adds Stripe.js and its frames.
_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_CSP_STRIPE = (
    "default-src 'self'; script-src 'self' https://js.stripe.com; "
    "frame-src https://js.stripe.com https://hooks.stripe.com; "
    "connect-src 'self' https://api.stripe.com; img-src 'self' data: https://*.stripe.com; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@bp.after_app_request
def add_security_headers(response):
    """Every response: a strict CSP, no sniffing, no framing, a short referrer."""
    stripe_js = g.get("uses_stripe_js", False)
    response.headers.setdefault("Content-Security-Policy", _CSP_STRIPE if stripe_js else _CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


def _banner():
    mode = current_app.config["MODE"]
    return {"mode": mode, "banner": _MODE_BANNER[mode]}


@bp.get("/")
def show_index():
    """The demo page: pick products, send an invoice, watch the list."""
    return render_template("index.html", **_banner())


@bp.get("/invoices/<invoice_id>/pay")
def show_pay_page(invoice_id):
    """Pay one invoice: the Payment Element with real keys, the emulator's test payments else."""
    invoice = store.get_invoice(store.get_session(), invoice_id)
    if invoice is None:
        raise ApiError(404, f"No invoice {invoice_id!r}.", code="not_found")
    context = {**_banner(), "invoice": store.invoice_json(invoice), "client_secret": None}
    # Stripe sends the customer back here with these after a confirmation.
    context["returned"] = "redirect_status" in request.args
    real_keys = current_app.config["MODE"] != "emulator"
    if invoice.status == "open" and real_keys and not context["returned"]:
        context["client_secret"] = _client_secret(invoice_id)
        context["publishable_key"] = current_app.config["STRIPE_PUBLISHABLE_KEY"]
        context["return_url"] = f"{current_app.config['DOMAIN']}/invoices/{invoice_id}/pay"
        g.uses_stripe_js = True
    return render_template("pay.html", **context)


def _client_secret(invoice_id):
    # The invoice is finalized already (send_invoice), so retrieve it with the secret expanded.
    try:
        found = invoicing.client().v1.invoices.retrieve(
            invoice_id, {"expand": ["confirmation_secret"]}
        )
    except stripe.InvalidRequestError as error:
        raise ApiError(404, error.user_message or "Unknown invoice.", code="not_found") from None
    return found.confirmation_secret.client_secret if found.confirmation_secret else None
