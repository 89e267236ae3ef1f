"""What each Stripe event means for the local record, and the one way an event is taken in:
stored once by its id, with its change, in one unit of work. The webhook, reconciliation and
the CLI's replay all come through here.

Stripe delivers at least once and in no particular order; each change is a conditional update
(see record/invoices.py), so a redelivery changes nothing and an old event never wins.
"""

import re

from invoicing import stripe_calls
from invoicing.record import (
    credit_notes,
    customers,
    database,
    event_log,
    invoices,
    payments,
    refunds,
)
from invoicing.record.snapshots import (
    credit_note_of,
    invoice_id_of,
    is_signed_amount,
    is_stripe_id,
    payment_of,
    refund_of,
)
from invoicing.record.statements import make_change

# An event's id and type are stored and logged: visible ASCII, no spaces.
_TOKEN = re.compile("[\x21-\x7e]{1,255}")


def is_event(value):
    """True if a parsed body has what every event has: id, type, created and data.object."""
    if not isinstance(value, dict):
        return False
    created, data = value.get("created"), value.get("data")
    return (
        isinstance(value.get("id"), str)
        and _TOKEN.fullmatch(value["id"]) is not None
        and isinstance(value.get("type"), str)
        and _TOKEN.fullmatch(value["type"]) is not None
        and isinstance(created, int)
        and not isinstance(created, bool)
        and 0 <= created < 2**63
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


# What a lifecycle event's snapshot says of the amounts owed is as old as the event, and a
# later credit note's invoice.updated may have been applied already (deliveries come in any
# order, and within one second): only invoice.updated, payments and reconciliation move them.
_OWED = ("amount_due", "amount_remaining")


def _status(status):
    def change(event, invoice_id):  # the status is `status`, whatever the snapshot says
        snapshot = event["data"]["object"]
        if status != "paid":
            snapshot = {k: v for k, v in snapshot.items() if k not in _OWED}
        return invoices.snapshot_change(invoice_id, status, snapshot)

    return change


def _payment_succeeded(event, invoice_id):
    # A payment of part of the invoice leaves it open, with less remaining; the last one pays it.
    snapshot = event["data"]["object"]
    status = "open" if snapshot.get("status") == "open" else "paid"
    return invoices.snapshot_change(invoice_id, status, snapshot)


def _as_it_says(event, invoice_id):
    # An invoice's amounts changed (a credit note, say): its own status, forward only.
    snapshot = event["data"]["object"]
    status = snapshot.get("status")
    if status not in invoices.STATUS_RANK:
        return None
    return invoices.snapshot_change(invoice_id, status, snapshot)


def _payment(payment):
    def change(event, invoice_id):
        return invoices.payment_change(invoice_id, payment, event["created"])

    return change


# One small change per handled type; any other type is stored and acknowledged.
HANDLERS = {
    "invoice.paid": _status("paid"),
    "invoice.payment_succeeded": _payment_succeeded,
    "invoice.payment_failed": _payment("failed"),
    "payment_intent.processing": _payment("processing"),
    "invoice.finalized": _status("open"),
    "invoice.sent": _status("open"),
    "invoice.voided": _status("void"),
    "invoice.marked_uncollectible": _status("uncollectible"),
    "invoice.updated": _as_it_says,
}


def _credit_note(db, event, invoice_id, fetched):
    # Only for an invoice this server sent: another's credit notes are stored as events alone.
    fields = credit_note_of(event["data"]["object"])
    if fields is None or invoices.lock_invoice(db, fields["invoice_id"]) is None:
        return False
    return credit_notes.record_credit_note(db, fields)


def _customer(db, event, invoice_id, fetched):
    # The balance Stripe keeps for the customer (credit notes, overpayments): negative is credit.
    customer = event["data"]["object"]
    balance, currency = customer.get("balance"), customer.get("currency")
    if not is_stripe_id(customer.get("id")) or not is_signed_amount(balance):
        return False
    currency = currency.lower() if isinstance(currency, str) and len(currency) == 3 else None
    return customers.record_balance(db, customer["id"], balance, currency, event["created"])


def _invoice_payment(db, event, invoice_id, fetched):
    # A payment with its own time: what the invoice owed before it stays known (receivables).
    fields = payment_of(event["data"]["object"])
    if fields is None or invoices.lock_invoice(db, fields["invoice_id"]) is None:
        return False
    return payments.record_payment(db, fields)


def _refund(db, event, invoice_id, fetched):
    # A refund of a payment of one of this server's invoices, made here or anywhere else.
    fields = refund_of(event["data"]["object"])
    if fields is None or invoice_id is None or invoices.lock_invoice(db, invoice_id) is None:
        return False
    return refunds.record_refund(db, fields, invoice_id)


def _charge_refunded(db, event, invoice_id, fetched):
    # The charge's refunds as Stripe lists them now (`fetched`): whichever refund event was
    # missed or comes later, the record has them all.
    if invoice_id is None or invoices.lock_invoice(db, invoice_id) is None:
        return False
    changed = False
    for fields in filter(None, map(refund_of, fetched or [])):
        changed = refunds.record_refund(db, fields, invoice_id) or changed
    return changed


# Effects on other rows than the invoice's, made in the event's unit of work after it is
# stored (only if it is new), with the invoice it concerns and what Stripe was asked first.
EFFECTS = {
    "customer.updated": _customer,
    "credit_note.created": _credit_note,
    "credit_note.updated": _credit_note,
    "credit_note.voided": _credit_note,
    "invoice_payment.paid": _invoice_payment,
    "refund.created": _refund,
    "refund.updated": _refund,
    "refund.failed": _refund,
    "charge.refunded": _charge_refunded,
}
HANDLED = (*HANDLERS, *EFFECTS)


def change_of(event, invoice_id):
    """What an event means for the local invoice: a statements.Change, or None."""
    handler = HANDLERS.get(event["type"])
    return handler(event, invoice_id) if handler and invoice_id else None


def apply_effect(db, event, invoice_id, fetched=None):
    """Apply what an event means to the record, inside the caller's unit of work; True if it
    changed something."""
    change = change_of(event, invoice_id)
    changed = change is not None and make_change(db, change)
    effect = EFFECTS.get(event["type"])
    return (effect is not None and effect(db, event, invoice_id, fetched)) or changed


def _by_payment_intent(db, payment_intent, ask_stripe):
    """(the local invoice a PaymentIntent pays, or None; the Stripe call to make first, or
    None): Stripe is asked which invoice it pays only if the record does not know and
    `ask_stripe`."""
    found = payments.invoice_paid_by(db, payment_intent) if is_stripe_id(payment_intent) else None
    if found is not None or not ask_stripe or not is_stripe_id(payment_intent):
        return found, None
    return None, lambda: (stripe_calls.invoice_paid_by(payment_intent), None)


def _is_local(invoice_id):
    """Whether the record holds this invoice (a short read, no connection kept)."""
    with database.connect() as db:
        return invoices.get_invoice(db, invoice_id) is not None


def _local_invoice_of(db, event):
    """(the invoice an event concerns as the record knows it, the Stripe call to make before
    storing it or None): the call answers (invoice id, what the effect needs)."""
    obj, kind = event["data"]["object"], event["type"]
    if obj.get("object") == "invoice":
        return invoice_id_of(obj), None
    if obj.get("object") in ("credit_note", "invoice_payment"):
        return (obj["invoice"] if is_stripe_id(obj.get("invoice")) else None), None
    if kind.startswith("payment_intent."):
        return _by_payment_intent(db, obj.get("id"), kind == "payment_intent.processing")
    if kind.startswith("refund."):
        return _by_payment_intent(db, obj.get("payment_intent"), True)
    if kind == "charge.refunded" and is_stripe_id(obj.get("id")):
        found, ask = _by_payment_intent(db, obj.get("payment_intent"), True)

        def refunds_too():
            invoice_id = found if ask is None else ask()[0]
            if invoice_id is None or (ask is not None and not _is_local(invoice_id)):
                return invoice_id, None  # another's charge: its refunds are not asked for
            return invoice_id, stripe_calls.refunds_of(obj["id"])

        return found, refunds_too
    return None, None


def _store(db, event, payload, invoice_id, fetched=None):
    change = change_of(event, invoice_id)
    effect = EFFECTS.get(event["type"])
    db.rollback()  # end the read before, so the unit of work starts fresh
    # Committed on leaving, rolled back on an error. Without another effect, only store_event
    # goes in here: on PostgreSQL its one statement is the whole transaction (see
    # event_log.begin_event).
    with db.begin() if effect else event_log.begin_event(db):
        stored, changed = event_log.store_event(db, event, invoice_id, payload, change)
        if stored and effect:
            changed = effect(db, event, invoice_id, fetched) or changed
    if not stored:
        return "duplicate"
    if event["type"] not in HANDLED:
        return "ignored"
    return "applied" if changed else "unchanged"


def record_event(event, payload):
    """Store a verified event (with the exact body Stripe signed) and apply its effect in one
    unit of work; return (outcome, invoice id), the outcome one of applied, unchanged,
    ignored or duplicate.

    One connection for the look-up and the write (the hot path of a burst of webhooks), and
    none held while Stripe is asked (which invoice a PaymentIntent pays, a charge's refunds);
    an event stored already asks Stripe nothing.
    """
    with database.connect() as db:
        invoice_id, ask = _local_invoice_of(db, event)
        if ask is None:
            return _store(db, event, payload, invoice_id), invoice_id
        if event_log.get_event(db, event["id"]) is not None:
            return "duplicate", invoice_id
    invoice_id, fetched = ask()
    with database.connect() as db:
        return _store(db, event, payload, invoice_id, fetched), invoice_id
