"""The browser pages: the demo page and an invoice's payment page, with security headers."""

import stripe
from flask import Blueprint, current_app, g, render_template, request

import emulation
import invoicing
import store
from api import found, json_body, require_json
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
    invoice = found(store.get_session(), invoice_id)
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


@bp.get("/invoices/<invoice_id>/pay/status")
def get_pay_status(invoice_id):
    """What the payment page polls: the status and payment, nothing more (it is public)."""
    invoice = found(store.get_session(), invoice_id)
    return {"status": invoice.status, "payment": invoice.payment}


@bp.post("/invoices/<invoice_id>/pay/test")
def post_test_payment(invoice_id):
    """Emulator mode only: pay an open invoice as a customer would (succeed, fail, delayed)."""
    if current_app.config["MODE"] != "emulator":
        raise ApiError(404, "Test payments exist only in emulator mode.", code="not_found")
    require_json()
    outcome = json_body().get("outcome")
    if outcome not in emulation.OUTCOMES:
        choices = ", ".join(emulation.OUTCOMES)
        raise ApiError(400, f"outcome must be one of {choices}.", field="outcome")
    session = store.get_session()
    if found(session, invoice_id).status != "open":
        raise ApiError(409, "Only an open invoice can be paid.", code="invalid_state")
    emulation.test_payment(current_app.config, invoice_id, outcome)
    invoice = store.get_invoice(session, invoice_id)
    return {"status": invoice.status, "payment": invoice.payment}
