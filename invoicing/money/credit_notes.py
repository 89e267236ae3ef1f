"""Credit notes on a sent invoice, with Stripe's semantics: on an open one a credit lowers what
is owed (pre_payment); on a paid one the post-payment part is refunded, credited to the
customer's balance or settled outside Stripe (all refunded unless the body says otherwise).
Stripe's own refusals are each a 400 naming the field; a draft or void invoice is a 409.
Stripe first, then the record: the credit note, its refunds, the customer's new balance and
the invoice's amounts in one unit of work."""

import stripe

from invoicing import stripe_calls
from invoicing.errors import ApiError, NotFoundError, StateConflictError
from invoicing.money.credit_note_body import SPLIT, parse, stripe_field
from invoicing.record import credit_notes, customers, database, invoices, refunds
from invoicing.record.snapshots import (
    credit_note_of,
    is_signed_amount,
    is_stripe_id,
    refund_of,
)

__all__ = ["issue", "parse", "preview", "void"]

# Asked with the credit note, so its refunds and balance credit are recorded with it.
_EXPAND = ["refunds.refund", "customer_balance_transaction"]
_OWED = ("open", "uncollectible")


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
        field = stripe_field(error.param) or ("lines" if error.param else "amount")
        raise ApiError(400, message, field=field) from None


def _creditable(invoice):
    if invoice.status in ("draft", "void"):
        raise StateConflictError(
            f"The invoice is {invoice.status}; only a sent one that is not void can be credited."
        )


def _amount_of(invoice, params):
    """What the body credits: its amount, or what its lines come to (None when a line is not
    one the record knows: Stripe then names it). On an invoice with tax or discounts a line's
    credit carries its share of them, in Stripe's rounding: Stripe's preview says what."""
    if "amount" in params:
        return params["amount"]
    if invoice.total_tax or invoice.total_discount:
        previewed = {"invoice": invoice.id, "lines": params["lines"]}
        return stripe_calls.preview_credit_note(previewed)["amount"]
    known = {line.get("line"): line for line in invoice.lines if isinstance(line, dict)}
    total = 0
    for wanted in params["lines"]:
        line = known.get(wanted["invoice_line_item"])
        if line is None or not line.get("quantity"):
            return None
        # By quantity, at the line's unit amount, as Stripe credits it.
        by_quantity = line["amount"] // line["quantity"] * wanted.get("quantity", 0)
        total += wanted.get("amount", by_quantity)
    return total


def _with_split(invoice, params):
    """`params` with the post-payment part refunded when the body gave no split: what is left
    owed is credited first, as Stripe does, by the invoice as Stripe has it now (the record may
    not have heard of a payment yet)."""
    if any(key in params for key in SPLIT):
        return params
    amount = _amount_of(invoice, params)
    if amount is None:
        return params
    current = stripe_calls.current_invoice(invoice.id)
    owed = current["amount_remaining"] if current["status"] in _OWED else 0
    post = amount - min(amount, owed)
    return {**params, "refund_amount": post} if post else params


def _stripe_params(invoice, params):
    return {"invoice": invoice.id, **params}


def _readable(made):
    fields = credit_note_of(made)
    if fields is None:
        raise ApiError(502, "Stripe answered with a credit note this server cannot read.")
    return fields


def preview(invoice, params):
    """The credit note Stripe would issue (its record's fields); nothing is made."""
    _creditable(invoice)

    asked = {}

    def call():
        asked.update(_with_split(invoice, params))
        return stripe_calls.preview_credit_note(_stripe_params(invoice, asked))

    made = _at_stripe(call)
    _check_split(asked, made)
    # A preview may come without an id (nothing was made): checked as one, shown as none.
    fields = _readable({**made, "id": made.get("id") or "cn_preview"})
    # Nothing is refunded nor credited by a preview: it shows the split it was asked for.
    refund, credit = asked.get("refund_amount", 0), asked.get("credit_amount", 0)
    return {**fields, "id": made.get("id"), "refund_amount": refund, "credit_amount": credit}


def _check_split(asked, made):
    """A split asked for must add up to the post-payment amount, as issuing it would need:
    Stripe's preview answers one that falls short (so that a caller may learn the total)."""
    given = [key for key in SPLIT if key in asked]
    post = made.get("post_payment_amount")
    if not given or not isinstance(post, int):
        return
    total = sum(asked[key] for key in given)
    if total != post:
        raise ApiError(
            400,
            f"The sum of refund_amount, credit_amount and out_of_band_amount ({total}) must "
            f"equal the credit note's post-payment amount ({post}).",
            field="out_of_band_amount" if total < post else given[0],
        )


def issue(invoice, params, idempotency_key=None):
    """Issue a credit note at Stripe, then record it, its refunds and its invoice's new amounts;
    return (the credit note row, whether Stripe replayed it for the client's key)."""
    _creditable(invoice)
    key = f"credit-note:{invoice.id}:{idempotency_key}" if idempotency_key else None

    def call():
        wanted = {**_stripe_params(invoice, _with_split(invoice, params)), "expand": _EXPAND}
        if idempotency_key:
            wanted["metadata"] = {"idempotency_key": idempotency_key}
        return stripe_calls.create_credit_note(wanted, key)

    try:
        made, replayed = _at_stripe(call)
    except StateConflictError as error:
        # A retry after the first try changed the invoice (paid it, say) works out another
        # default split, which Stripe refuses under the same key: answer what the first made.
        made = _made_before(invoice, params, idempotency_key, error)
        replayed = True
    return _record(made, invoice.id), replayed


def _made_before(invoice, params, idempotency_key, error):
    """The credit note the first try with this key made, if it asked for the same; else the
    conflict is the client's."""
    if error.code != "idempotency_reused" or not idempotency_key:
        raise error
    made = stripe_calls.credit_note_made_with(invoice.id, idempotency_key, _EXPAND)
    same = made is not None and all(
        made.get(field) == params.get(field)
        for field in ("amount", "reason", "memo")
        if field in params
    )
    if not same:
        raise error
    return made


def void(credit_note_id):
    """Void an issued credit note at Stripe, then record it; return its row."""
    with database.connect() as db:
        # An id Stripe could never have made (a NUL, say, which PostgreSQL refuses) names nothing.
        known = is_stripe_id(credit_note_id) and credit_notes.get_credit_note(db, credit_note_id)
        if not known:
            raise NotFoundError(f"No credit note {credit_note_id!r}.")
    made = _at_stripe(lambda: stripe_calls.void_credit_note(credit_note_id))
    return _record(made, made.get("invoice"))


def _record_refunds(db, made, invoice_id):
    for entry in made.get("refunds") or []:
        refund = entry.get("refund") if isinstance(entry, dict) else None
        fields = refund_of(refund) if isinstance(refund, dict) else None
        if fields is not None:
            refunds.record_refund(db, fields, invoice_id)


def _record_balance(db, made):
    # The balance transaction says the customer's balance right after this credit.
    moved = made.get("customer_balance_transaction")
    if not isinstance(moved, dict) or not is_signed_amount(moved.get("ending_balance")):
        return
    currency = moved.get("currency")
    currency = currency.lower() if isinstance(currency, str) and len(currency) == 3 else None
    at = moved.get("created") if is_signed_amount(moved.get("created")) else 0
    customers.record_balance(db, made.get("customer"), moved["ending_balance"], currency, at)


def _record(made, invoice_id):
    fields = _readable(made)
    current = stripe_calls.current_invoice(invoice_id)
    with database.begin() as db:
        invoices.lock_invoice(db, invoice_id)
        credit_notes.record_credit_note(db, fields)
        _record_refunds(db, made, invoice_id)
        _record_balance(db, made)
        invoices.apply_snapshot(db, invoice_id, current["status"], current)
        return credit_notes.get_credit_note(db, fields["id"])
