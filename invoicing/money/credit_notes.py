"""Credit notes on a sent invoice, with Stripe's semantics: on an open one a credit lowers what
is owed (pre_payment); on a paid one it must be accounted for (post_payment: out of band for
now). The body's rules, then Stripe's own (what can still be credited), each a 400 naming its
field; a draft or void invoice is a 409. Stripe first, then the record."""

import stripe

from invoicing import stripe_calls
from invoicing.errors import ApiError, NotFoundError, StateConflictError
from invoicing.record import credit_notes, database, invoices
from invoicing.record.snapshots import credit_note_of
from invoicing.sending.validation import clean_text

REASONS = ("duplicate", "fraudulent", "order_change", "product_unsatisfactory")
_FIELDS = {"amount", "reason", "memo", "refund_amount", "credit_amount", "out_of_band_amount"}
_SPLIT = ("refund_amount", "credit_amount", "out_of_band_amount")
_MAX_AMOUNT = 99_999_999_999


def _invalid(message, field):
    return ApiError(400, message, field=field)


def _whole(body, key, low):
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= _MAX_AMOUNT:
        raise _invalid(f"{key} must be a whole amount in the smallest unit, {low} or more.", key)
    return value


def parse(body):
    """Check a credit note body (a JSON object); return Stripe's parameters, without the
    invoice."""
    unknown = set(body) - _FIELDS
    if "lines" in unknown:
        raise _invalid("credit notes by lines are not supported yet; give amount.", "lines")
    if unknown:
        raise _invalid(f"unknown field {sorted(unknown)[0]!r}.", sorted(unknown)[0])
    amount = _whole(body, "amount", 1)
    if amount is None:
        raise _invalid("amount is required.", "amount")
    params = {"amount": amount}
    reason = body.get("reason")
    if reason is not None:
        if reason not in REASONS:
            raise _invalid(f"reason must be one of {', '.join(REASONS)}.", "reason")
        params["reason"] = reason
    memo = body.get("memo")
    if memo is not None:
        if not isinstance(memo, str) or len(memo) > 5000:
            raise _invalid("memo must be a string of at most 5000 characters.", "memo")
        if memo := clean_text(memo, "memo", multiline=True).strip():
            params["memo"] = memo
    for key in _SPLIT:
        if (value := _whole(body, key, 0)) is not None:
            params[key] = value
    return params


def _field_of(param):
    """The body's field that a Stripe parameter names (`amount`, `out_of_band_amount`...)."""
    return param if param in _FIELDS else None


def _at_stripe(call):
    """Run a credit note call; Stripe refusing it is a 400 naming the field, or a 409 when it
    refuses it for the invoice's state."""
    try:
        return call()
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise
        message = error.user_message or str(error)
        if error.code in ("invoice_not_editable", "status_transition_invalid") or (
            error.param == "invoice"
        ):
            raise StateConflictError(message) from None
        raise _invalid(message, _field_of(error.param) or "amount") from None


def _creditable(invoice):
    if invoice.status in ("draft", "void"):
        raise StateConflictError(
            f"The invoice is {invoice.status}; only a sent one that is not void can be credited."
        )


def preview(invoice, params):
    """The credit note Stripe would issue (its record's fields); nothing is made."""
    _creditable(invoice)
    made = _at_stripe(lambda: stripe_calls.preview_credit_note({"invoice": invoice.id, **params}))
    # A preview may come without an id (nothing was made): checked as one, shown as none.
    fields = credit_note_of({**made, "id": made.get("id") or "cn_preview"})
    if fields is None:
        raise ApiError(502, "Stripe answered with a credit note this server cannot read.")
    return {**fields, "id": made.get("id")}


def issue(invoice, params, idempotency_key=None):
    """Issue a credit note at Stripe, then record it and its invoice's new amounts; return
    (the credit note row, whether Stripe replayed it for the client's key)."""
    _creditable(invoice)
    key = f"credit-note:{invoice.id}:{idempotency_key}" if idempotency_key else None
    made, replayed = _at_stripe(
        lambda: stripe_calls.create_credit_note({"invoice": invoice.id, **params}, key)
    )
    return _record(made, invoice.id), replayed


def void(credit_note_id):
    """Void an issued credit note at Stripe, then record it; return its row."""
    with database.connect() as db:
        if credit_notes.get_credit_note(db, credit_note_id) is None:
            raise NotFoundError(f"No credit note {credit_note_id!r}.")
    made = _at_stripe(lambda: stripe_calls.void_credit_note(credit_note_id))
    return _record(made, made.get("invoice"))


def _record(made, invoice_id):
    fields = credit_note_of(made)
    if fields is None:
        raise ApiError(502, "Stripe answered with a credit note this server cannot read.")
    current = stripe_calls.current_invoice(invoice_id)
    with database.begin() as db:
        credit_notes.record_credit_note(db, fields)
        invoices.apply_snapshot(db, invoice_id, current["status"], current)
        return credit_notes.get_credit_note(db, fields["id"])
