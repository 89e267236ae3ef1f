"""The server's own errors: one hierarchy under InvoicingError. Those a request can meet
(ApiError and its kinds) carry the status and the error shape's message, field and code; the
web layer answers them all in one place (web/errors.py)."""

import stripe


class InvoicingError(Exception):
    """Any failure of this server's own making (as opposed to a bug, Stripe's or the
    database's)."""


class ConfigError(InvoicingError):
    """A setting that stops the server from starting, with a one-line reason."""


class DatabaseUnreachableError(InvoicingError):
    """The database did not answer at start-up; the message names it (never the password)."""


class LeaseLostError(InvoicingError):
    """Another process took a lease during a job (this one stalled past its term)."""


class ApiError(InvoicingError):
    """A request that fails with `status` and the error JSON's message, field and code."""

    def __init__(self, status, message, *, field=None, code="invalid"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code


class NotFoundError(ApiError):
    """No such object (404)."""

    def __init__(self, message):
        super().__init__(404, message, code="not_found")


class StateConflictError(ApiError):
    """What was asked is not allowed in the object's current state (409)."""

    def __init__(self, message, *, code="invalid_state", field=None):
        super().__init__(409, message, field=field, code=code)


class SendNotRecordedError(ApiError):
    """Stripe sent the invoice, but the database refused to record it (503); reconciliation
    records it once the database is back."""

    def __init__(self, invoice_id):
        message = (
            f"Invoice {invoice_id} was sent, but the database could not record it yet; it "
            "will be recorded shortly. Do not send it again."
        )
        super().__init__(503, message, code="send_not_recorded")
        self.invoice_id = invoice_id


def stripe_message(error):
    """One plain sentence for a Stripe failure: Stripe's own words for what it refused, never
    the SDK's multi-line text about the connection (which names hosts and ports)."""
    if isinstance(error, stripe.APIConnectionError):
        return "Stripe could not be reached; try again."
    text = (error.user_message or "").strip()
    return text.splitlines()[0] if text else "Stripe could not complete the request."
