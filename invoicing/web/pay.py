"""The payment page's JSON: the status it polls (public), and in emulator mode the test
payments its buttons make and the outbox of emails Stripe would have sent."""

from flask import Blueprint, current_app

from invoicing import emulator_mode
from invoicing.errors import ApiError, NotFoundError, StateConflictError
from invoicing.record import database, invoices
from invoicing.web import guards
from invoicing.web.bodies import json_body

bp = Blueprint("pay", __name__)
bp.before_request(guards.require_json)


def _pay_status(invoice):
    return {"status": invoice.status, "payment": invoice.payment}


@bp.get("/invoices/<invoice_id>/pay/status")
@guards.public
def get_pay_status(invoice_id):
    """What the payment page polls: the status and payment, nothing more (it is public)."""
    with database.connect() as db:
        return _pay_status(invoices.require_invoice(db, invoice_id))


@bp.post("/invoices/<invoice_id>/pay/test")
@guards.public
def create_test_payment(invoice_id):
    """Emulator mode only: pay an open invoice as a customer would (succeed, fail, delayed)."""
    if current_app.config["MODE"] != "emulator":
        raise NotFoundError("Test payments exist only in emulator mode.")
    outcome = json_body().get("outcome")
    if outcome not in emulator_mode.OUTCOMES:
        choices = ", ".join(emulator_mode.OUTCOMES)
        raise ApiError(400, f"outcome must be one of {choices}.", field="outcome")
    with database.connect() as db:
        if invoices.require_invoice(db, invoice_id).status != "open":
            raise StateConflictError("Only an open invoice can be paid.")
    emulator_mode.test_payment(current_app.config, invoice_id, outcome)
    with database.connect() as db:
        return _pay_status(invoices.require_invoice(db, invoice_id))


@bp.get("/outbox")
def list_outbox():
    """Emulator mode only: the emails Stripe would have sent, newest first."""
    if current_app.config["MODE"] != "emulator":
        raise NotFoundError("The outbox exists only in emulator mode.")
    keys = ("id", "to", "subject", "text", "kind", "invoice", "hosted_invoice_url", "created")
    shown = emulator_mode.outbox(current_app.config)
    return {"data": [{k: email[k] for k in keys} for email in shown]}
