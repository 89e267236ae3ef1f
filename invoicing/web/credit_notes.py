"""The credit notes' JSON routes: preview and issue one for an invoice, void one."""

from flask import Blueprint, request

from invoicing.money import credit_notes
from invoicing.record import database, invoices
from invoicing.sending import idempotency
from invoicing.web import guards
from invoicing.web.bodies import json_body
from invoicing.web.shapes import credit_note_json

bp = Blueprint("credit_notes", __name__)
bp.before_request(guards.require_json)


def _invoice(invoice_id):
    with database.connect() as db:
        return invoices.require_invoice(db, invoice_id)


@bp.post("/invoices/<invoice_id>/credit-notes")
def create_credit_note(invoice_id):
    """Issue a credit note for a sent invoice; 201 with it. A repeated Idempotency-Key gets
    the same credit note again."""
    key = idempotency.checked_key(request.headers.get("Idempotency-Key"))
    params = credit_notes.parse(json_body())
    made, replayed = credit_notes.issue(_invoice(invoice_id), params, key)
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return credit_note_json(made), 201, headers


@bp.post("/invoices/<invoice_id>/credit-notes/preview")
def preview_credit_note(invoice_id):
    """The credit note that the same body would issue; nothing is made."""
    params = credit_notes.parse(json_body())
    return credit_note_json(credit_notes.preview(_invoice(invoice_id), params))


@bp.post("/credit-notes/<credit_note_id>/void")
def void_credit_note(credit_note_id):
    """Void an issued credit note; 409 where Stripe refuses."""
    return credit_note_json(credit_notes.void(credit_note_id))
