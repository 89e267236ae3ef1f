"""One error shape for every failure: `{"error": {"message", "field", "code"}}` on the JSON
routes, and the same message on an HTML page for the browser's pages (the `pages` blueprint),
so that a browser never shows raw JSON and an API client never gets HTML."""

import stripe
from flask import current_app, g, render_template, request
from sqlalchemy.exc import DBAPIError, ProgrammingError
from werkzeug.exceptions import HTTPException, InternalServerError

from invoicing.errors import ApiError, SendNotRecordedError, stripe_message
from invoicing.web import logs

# Codes for the HTTP errors Flask raises itself.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def error_body(message, field=None, code="invalid"):
    """The error JSON."""
    return {"error": {"message": message, "field": field, "code": code}}


_TITLES = {
    400: "That request was not right",
    401: "Please sign in",
    404: "Not found",
    409: "Not possible now",
    413: "Too large",
    502: "Stripe could not be reached",
    503: "The database is unavailable",
}


def _answer(status, message, field=None, code="invalid", headers=None):
    # The request's log line says why it failed (logs.py), e.g. reason=invalid_signature.
    g.setdefault("log_fields", {})["reason"] = code
    if request.blueprint == "pages":
        page = render_template(
            "error.html",
            status=status,
            title=_TITLES.get(status, "Something went wrong"),
            message=message,
        )
        return page, status, {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    return error_body(message, field, code), status, headers or {}


def _api_error(error):
    if isinstance(error, SendNotRecordedError):
        current_app.logger.error("invoice sent but not recorded invoice=%s", error.invoice_id)
    return _answer(error.status, error.message, error.field, error.code)


def _http_error(error):
    code = _HTTP_CODES.get(error.code, "http_error")
    # Keep what the error's own answer says beyond its body (`Allow` on a 405, say).
    kept = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return _answer(error.code, error.description, code=code, headers=kept)


def _stripe_error(error):
    # Stripe refused or failed: 502 with Stripe's own words, never our internals; the log
    # names what could not be reached.
    current_app.logger.warning(
        "stripe error: %s code=%s status=%s request=%s api=%s",
        type(error).__name__,
        logs.field(error.code),
        error.http_status,
        logs.field(error.request_id),
        current_app.config["STRIPE_API_BASE"] or "https://api.stripe.com",
    )
    message = stripe_message(error)
    return _answer(502, message, code=error.code or "stripe_error")


def _database_error(error):
    # Down, full, or refusing the write: the client may try again (nothing half-made stays).
    reason = logs.field(str(error.orig).splitlines()[0] if str(error.orig) else "")
    current_app.logger.error("database unavailable: %s: %s", type(error.orig).__name__, reason)
    return _answer(503, "The database is unavailable; try again.", code="database_unavailable")


def _internal_error(error):
    original = getattr(error, "original_exception", None) or error
    current_app.logger.exception("unhandled error", exc_info=original)
    return _answer(500, "Internal error.", code="internal_error")


def init_app(app):
    """Answer every error in the one shape: the server's own (ApiError and its kinds),
    Stripe's, the database's, and Flask's."""
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(stripe.StripeError, _stripe_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(ProgrammingError, _internal_error)  # a bug, not an outage
    app.register_error_handler(InternalServerError, _internal_error)
    app.register_error_handler(HTTPException, _http_error)
