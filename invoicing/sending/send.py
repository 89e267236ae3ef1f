"""Sending an invoice, crash-safe: the intent is recorded before the first Stripe call, and
any failure ends with a complete open invoice known here, or nothing at Stripe and nothing here.

A send is a row of `sends` whose id prefixes its Stripe idempotency keys. Its draft is
created with `auto_advance=false` (so Stripe never finalizes or emails it on its own) and the
send's id in its metadata; then it is filled, sent and recorded. When any step fails (Stripe,
the database, anything), the truth is read back from Stripe: a draft is deleted (the send is
rolled back), an invoice already sent is recorded (the send is finished). A send that a dead
process left pending is settled the same way by reconciliation (`repair`), once untouched for
ABANDONED_SEND_SECONDS.
"""

import secrets
import time

import stripe
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from invoicing import stripe_calls
from invoicing.errors import ApiError, SendNotRecordedError, StateConflictError, stripe_message
from invoicing.record import database, invoices, sends
from invoicing.record.snapshots import changes_of, line_facts
from invoicing.sending import idempotency
from invoicing.sending.customers import customer_for, new_customer

PENDING, DONE, ROLLED_BACK = "pending", "done", "rolled_back"


def _request(order, customer_id, send_id):
    """What the send asks of Stripe and records here, kept so that a repair replays it."""
    invoice = {
        "customer": customer_id,
        "collection_method": "send_invoice",
        "days_until_due": order.days_until_due,
        "pending_invoice_items_behavior": "exclude",
        "currency": order.currency,
        "auto_advance": False,
        "metadata": {stripe_calls.SEND_METADATA: send_id},
    }
    if order.description:
        invoice["description"] = order.description
    if order.custom_fields:
        invoice["custom_fields"] = list(order.custom_fields)
    if order.footer:
        invoice["footer"] = order.footer
    if order.discounts:
        invoice["discounts"] = list(order.discounts)
    if order.tax_rates:
        invoice["default_tax_rates"] = list(order.tax_rates)
    if current_app.config["AUTOMATIC_TAX"]:
        invoice["automatic_tax"] = {"enabled": True}
    lines = [{"pricing": {"price": price["id"]}, "quantity": qty} for price, qty in order.items]
    for line, rates in zip(lines, order.item_tax_rates, strict=False):
        if rates:
            line["tax_rates"] = list(rates)
    record = {
        "email": order.email,
        "name": order.name,
        "description": order.description,
        "footer": order.footer,
        "lines": [
            {
                "price": price["id"],
                "description": price["product"],
                "quantity": qty,
                "amount": price["unit_amount"] * qty,
            }
            for price, qty in order.items
        ],
    }
    return {"invoice": invoice, "lines": lines, "record": record}


def _abandoned_after():
    return current_app.config["ABANDONED_SEND_SECONDS"]


def send(order, idempotency_key=None, body=None):
    """Create, fill and send one invoice (3 Stripe calls for a known customer, 4 for a new
    one); return (the local invoice row, whether a repeated Idempotency-Key replayed it).

    A client's key is claimed here and finished or released by the send: a repeat with the
    same body replays the invoice, another body or a try still running is a conflict.
    """
    if idempotency_key is None:
        return _send(order), False
    with database.begin() as db:
        verdict, value = idempotency.claim(db, idempotency_key, idempotency.body_hash(body))
        if verdict == "replay":
            return invoices.require_invoice(db, value), True
    return _send(order, idempotency_key, attempt=value), False


def _send(order, idempotency_key=None, attempt=None):
    """One try at a send. With a client's key, the send's id is the key and its try, so a try
    taking over from a crashed one replays the same Stripe calls instead of repeating them."""
    send_id = f"{idempotency_key}:{attempt}" if idempotency_key else f"send_{secrets.token_hex(12)}"
    try:
        customer_id = customer_for(order.email, order.name, order.details)
        request = _request(order, customer_id, send_id)
        with database.begin() as db:
            row, mine = sends.start_send(
                db, send_id, customer_id, request, idempotency_key, _abandoned_after()
            )
            if row.state == DONE:
                return invoices.require_invoice(db, row.invoice_id)
    except BaseException:
        # Nothing about the invoice was asked of Stripe by this try: free the client's key at
        # once, so that the retry its error invites is not refused as still running.
        if idempotency_key:
            _release_key(idempotency_key, send_id)
        raise
    if not mine or row.state != PENDING:
        raise StateConflictError(
            "This send is being repaired; retry shortly.", code="idempotency_in_progress"
        )
    return _carry_out(row)


def _release_key(key, send_id):
    try:
        with database.begin() as db:
            # A try taking over a dead one's send keeps the key, and with it the send's
            # Stripe keys: that send may have gone out, and repair settles it.
            if sends.get_send(db, send_id) is None:
                idempotency.release(db, key)
    except SQLAlchemyError:  # the database is away: the key frees itself after its lock time
        current_app.logger.warning("idempotency key left locked key=%s", key)


def _record_fields(invoice, record):
    payments = (invoice.get("payments") or {}).get("data") or []
    fields = changes_of(invoice)
    fields.update(
        id=invoice["id"],
        status=invoice["status"],
        customer=invoice["customer"],
        currency=invoice["currency"],
        created=invoice["created"],
        payment_intent=payments[0]["payment"]["payment_intent"] if payments else None,
        email=record["email"],
        description=record["description"],
        lines=record["lines"],
    )
    fields.setdefault("footer", record.get("footer"))
    fields.setdefault("customer_name", record.get("name"))
    return fields


def _create(row):
    params = dict(row.request["invoice"])
    try:
        return stripe_calls.create_draft(params, row.id)
    except stripe.InvalidRequestError as error:
        if error.code != "resource_missing" or error.param != "customer":
            raise
    # The customer was deleted at Stripe: make a new one, once, and try again under a key of
    # its own (the first key would answer the old customer's error).
    current_app.logger.warning("customer %s is gone at Stripe; creating it again", row.customer)
    record = row.request["record"]
    params["customer"] = new_customer(record["email"], record.get("name"), replacing=row.customer)
    with database.begin() as db:
        sends.touch_send(db, row.id, customer=params["customer"])
    return stripe_calls.create_draft(params, row.id, step="create-again")


def _carry_out(row):
    record = row.request["record"]
    invoice_id, sent = row.invoice_id, None
    try:
        if invoice_id is None:
            draft = _create(row)
            invoice_id = draft["id"]
            # Recorded as a draft first, so the events Stripe sends about it find it.
            with database.begin() as db:
                invoices.record_invoice(db, _record_fields(draft, record))
                sends.touch_send(db, row.id, invoice_id=invoice_id)
        stripe_calls.add_lines(invoice_id, row.request["lines"], row.id)
        with database.begin() as db:
            sends.touch_send(db, row.id)
        sent = stripe_calls.send_invoice(invoice_id, row.id)
        return _finish(row.id, sent)
    except BaseException as error:
        # Whatever failed (Stripe, the database, the worker being stopped), settle what
        # exists at Stripe before answering; an invoice already sent counts as done.
        finished = _settle_or_leave(row.id)
        if finished is not None:
            return finished
        if sent is not None and isinstance(error, SQLAlchemyError):
            # Sent and emailed, but not recorded: a retry must not send it again.
            raise SendNotRecordedError(sent["id"]) from error
        if (
            isinstance(error, stripe.InvalidRequestError)
            and error.code == "customer_tax_location_invalid"
        ):
            # Stripe Tax cannot place the customer: the request's to mend (nothing was left).
            message = f"Stripe Tax needs the customer's address: {stripe_message(error)}"
            raise ApiError(400, message, field="customer.address") from None
        raise


def _line_facts(embedded):
    """What the record keeps of the lines a Stripe invoice embeds (the first ten), in order."""
    return [facts for line in embedded.get("data") or [] if (facts := line_facts(line))]


def _finish(send_id, invoice):
    """Record a sent invoice here, and the send (and its client's key) as done."""
    with database.begin() as db:
        row = sends.get_send(db, send_id)
        invoices.record_invoice(db, _record_fields(invoice, row.request["record"]))
        embedded = invoice.get("lines") or {}
        invoices.name_lines(db, invoice["id"], _line_facts(embedded), not embedded.get("has_more"))
        sends.touch_send(db, send_id, state=DONE, invoice_id=invoice["id"])
        if row.idempotency_key:
            idempotency.finish(db, row.idempotency_key, invoice["id"])
        shown = invoices.get_invoice(db, invoice["id"])
    current_app.logger.info(
        "invoice sent invoice=%s send=%s amount_due=%d currency=%s",
        invoice["id"], send_id, invoice["amount_due"], invoice["currency"],
    )  # fmt: skip
    return shown


def _roll_back(row, draft_id):
    with database.begin() as db:
        if draft_id:
            invoices.delete_invoice(db, draft_id)
        sends.touch_send(db, row.id, state=ROLLED_BACK)
        if row.idempotency_key:
            idempotency.release(db, row.idempotency_key)
    current_app.logger.warning("send rolled back send=%s draft=%s", row.id, draft_id)


def _settle(send_id):
    """Read what a send left at Stripe and end it: the invoice row if it was sent (finished),
    None if it was rolled back."""
    with database.connect() as db:
        row = sends.get_send(db, send_id)
    if row.invoice_id:
        found = stripe_calls.retrieve_invoice(row.invoice_id)
    else:
        # The draft may exist though its answer was lost: look for the send's metadata.
        # How long ago the send started, by the local clock alone; Stripe's clock says when.
        found = stripe_calls.find_sent_by(row.id, row.customer, int(time.time()) - row.created)
    if found is None or found.get("deleted"):
        _roll_back(row, row.invoice_id)
        return None
    if found["status"] == "draft":
        stripe_calls.delete_draft(found["id"])
        _roll_back(row, found["id"])
        return None
    return _finish(send_id, found)


def _settle_or_leave(send_id):
    try:
        return _settle(send_id)
    except (stripe.StripeError, SQLAlchemyError) as error:
        current_app.logger.error(
            "send left for reconciliation send=%s error=%s", send_id, type(error).__name__
        )
        return None


def repair(now=None):
    """Settle every send that a dead process left pending; return (finished, rolled back)."""
    now = int(time.time()) if now is None else now
    stale = now - _abandoned_after()
    finished = rolled_back = 0
    with database.connect() as db:
        ids = sends.stale_sends(db, stale)
    for send_id in ids:
        with database.begin() as db:
            if not sends.claim_send(db, send_id, stale):
                continue  # taken over by a retry, or repaired elsewhere meanwhile
        if _settle(send_id) is None:
            rolled_back += 1
        else:
            finished += 1
    return finished, rolled_back
