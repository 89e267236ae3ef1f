"""What the record mirrors from a Stripe invoice, and the check each value must pass: even a
signed event is not trusted for what the pages render as links or amounts."""

import json
import re

_BIGINT = 2**63
# Stripe's ids are letters, digits and underscores after their prefix.
_ID = re.compile("[A-Za-z0-9_]{1,255}")
_NUMBER = re.compile("[\x21-\x7e][\x20-\x7e]{0,254}")
# A name as Stripe keeps it: printable text (no control characters, no lone surrogates).
_NAME = re.compile("[^\x00-\x1f\x7f-\x9f\ud800-\udfff]{1,256}")
# A note, newlines and tabs allowed.
_TEXT = re.compile("[^\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]{1,5000}")
# Only web addresses are kept as links: never `javascript:`, never control characters.
_URL = re.compile("https?://[\x21-\x7e]{1,2048}", re.IGNORECASE)


def _amount(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _BIGINT


# Money as Stripe takes it: at most 12 digits in the smallest unit. Any more, even signed, is
# refused, so that sums of many stay far inside the record's 64-bit columns.
_MONEY = 10**12


def _money(value):
    return _amount(value) and value < _MONEY


def _list_of(value):
    """`value` if it is a list, else an empty one (a signed event is still not trusted)."""
    return value if isinstance(value, list) else []


def _signed(value):
    return isinstance(value, int) and not isinstance(value, bool) and -_BIGINT < value < _BIGINT


def _matches(pattern):
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


# What the record mirrors from Stripe's invoice, each with the check a value must pass: even a
# signed event is not trusted for what the pages render as links or amounts.
MIRRORED = {
    "number": _matches(_NUMBER),
    "amount_due": _amount,
    "amount_paid": _amount,
    "amount_remaining": _amount,
    "due_date": _amount,
    "hosted_invoice_url": _matches(_URL),
    "invoice_pdf": _matches(_URL),
    "customer_name": _matches(_NAME),
    "total": _amount,
    # The customer's balance when it was finalized: negative is credit the invoice used.
    "starting_balance": _signed,
    "subtotal": _amount,
    "footer": _matches(_TEXT),
    "customer_phone": _matches(_NAME),
}


def _summed(snapshot, key):
    """The sum of the `amount`s of a list of Stripe's (total_discount_amounts, total_taxes),
    or None if any is not an amount."""
    amounts = [
        item.get("amount") if isinstance(item, dict) else None
        for item in _list_of(snapshot.get(key))
    ]
    if not all(_money(amount) for amount in amounts):
        return None
    return sum(amounts)


is_stripe_id = _matches(_ID)


is_signed_amount = _signed


_ADDRESS_KEYS = ("line1", "line2", "city", "postal_code", "state", "country")
_SHORT = re.compile("[^\x00-\x1f\x7f-\x9f\ud800-\udfff]{1,200}")


def _address(value):
    """A Stripe address with its parts as short text (each checked; null parts dropped)."""
    if not isinstance(value, dict) or not set(value) <= set(_ADDRESS_KEYS):
        return None
    kept = {key: value[key] for key in _ADDRESS_KEYS if value.get(key) is not None}
    ok = all(isinstance(v, str) and _SHORT.fullmatch(v) for v in kept.values())
    return kept if ok and kept else None


def _tax_ids(value):
    """Stripe's `customer_tax_ids` as [{type, value}], each part short text."""
    kept = [
        {"type": item.get("type"), "value": item.get("value")}
        for item in _list_of(value)
        if isinstance(item, dict)
    ]
    fits = all(isinstance(v, str) and _SHORT.fullmatch(v) for item in kept for v in item.values())
    return kept if fits else None


def line_facts(line):
    """What the record keeps of one of Stripe's invoice lines: its id, and what discounts took
    off it and its tax when there are any (each checked); None for a line that is not one."""
    if not isinstance(line, dict) or not is_stripe_id(line.get("id")):
        return None
    facts = {"line": line["id"]}
    for key, name in (("discount_amounts", "discount"), ("taxes", "tax")):
        if key in line and (total := _summed(line, key)):  # none, or none taken: not shown
            facts[name] = total
    return facts


def invoice_id_of(snapshot):
    """The id of a Stripe invoice (a dict), or None if it has none that fits."""
    value = snapshot.get("id")
    return value if is_stripe_id(value) else None


def changes_of(snapshot):
    """What a Stripe invoice (a dict) may change on the local record: the mirrored fields that
    it carries with a value that passes their check (any other, which Stripe never sends,
    reads as missing). The status is applied on its own, forward only."""
    changes = {
        key: value
        for key, fits in MIRRORED.items()
        if (value := snapshot.get(key)) is not None and fits(value)
    }
    # Kept as JSON text (see tables.py), written the same way each time.
    if (address := _address(snapshot.get("customer_address"))) is not None:
        changes["customer_address"] = json.dumps(address, sort_keys=True)
    if (
        "customer_tax_ids" in snapshot
        and (tax_ids := _tax_ids(snapshot["customer_tax_ids"])) is not None
    ):
        changes["customer_tax_ids"] = json.dumps(tax_ids, sort_keys=True)
    for key, column in (("total_discount_amounts", "total_discount"), ("total_taxes", "total_tax")):
        if key in snapshot and (total := _summed(snapshot, key)) is not None:
            changes[column] = total
    moments = snapshot.get("status_transitions")
    if isinstance(moments, dict):
        if _amount(opened := moments.get("finalized_at")):
            changes["finalized_at"] = opened
        # It left `open` at the first of these (uncollectible, then paid: the first).
        closes = [moments.get(k) for k in ("paid_at", "voided_at", "marked_uncollectible_at")]
        if closes := [moment for moment in closes if _amount(moment)]:
            changes["closed_at"] = min(closes)
    return changes


_CREDIT_TYPES = ("pre_payment", "post_payment", "mixed")
_REASONS = ("duplicate", "fraudulent", "order_change", "product_unsatisfactory")
_CREDIT_AMOUNTS = ("amount", "pre_payment_amount", "post_payment_amount", "out_of_band_amount")


def credit_note_of(snapshot):
    """What the record keeps of a Stripe credit note (a dict), each value checked; None if
    the snapshot is not one the record can keep."""
    refunds = _list_of(snapshot.get("refunds"))
    refunded = [r.get("amount_refunded") for r in refunds if isinstance(r, dict)]
    fields = {key: snapshot.get(key) for key in _CREDIT_AMOUNTS}
    # Stripe leaves out_of_band_amount null unless it was given.
    fields["out_of_band_amount"] = fields["out_of_band_amount"] or 0
    ok = (
        is_stripe_id(snapshot.get("id"))
        and is_stripe_id(snapshot.get("invoice"))
        and snapshot.get("status") in ("issued", "void")
        and snapshot.get("type") in _CREDIT_TYPES
        and isinstance(snapshot.get("currency"), str)
        and len(snapshot["currency"]) == 3
        and all(_money(value) for value in fields.values())
        and all(_money(value) for value in refunded)
        and sum(refunded) < _MONEY
        and _amount(snapshot.get("created"))
    )
    if not ok:
        return None
    refund_amount = sum(refunded)
    made = [r.get("refund") for r in refunds if isinstance(r, dict)]
    made = [r.get("id") if isinstance(r, dict) else r for r in made]
    listed = snapshot.get("lines")
    lines = _list_of(listed.get("data")) if isinstance(listed, dict) else []
    kept_lines = [
        {
            "description": line.get("description")
            if _matches(_TEXT)(line.get("description"))
            else None,
            "quantity": line.get("quantity") if _amount(line.get("quantity")) else None,
            "amount": line.get("amount") if _amount(line.get("amount")) else 0,
        }
        for line in lines
        if isinstance(line, dict)
    ]
    # What the post-payment part did not refund nor settle out of band went to the balance.
    credit_amount = fields["post_payment_amount"] - refund_amount - fields["out_of_band_amount"]
    memo = snapshot.get("memo")
    return {
        **fields,
        "id": snapshot["id"],
        "invoice_id": snapshot["invoice"],
        "number": snapshot.get("number") if MIRRORED["number"](snapshot.get("number")) else None,
        "status": snapshot["status"],
        "type": snapshot["type"],
        "currency": snapshot["currency"].lower(),
        "refund_amount": refund_amount,
        "credit_amount": max(credit_amount, 0),
        "reason": snapshot.get("reason") if snapshot.get("reason") in _REASONS else None,
        "memo": memo if _matches(_TEXT)(memo) else None,
        "pdf": snapshot.get("pdf") if MIRRORED["invoice_pdf"](snapshot.get("pdf")) else None,
        "lines": kept_lines,
        "refund_ids": [r for r in made if is_stripe_id(r)],
        "created": snapshot["created"],
        "voided_at": snapshot.get("voided_at") if _amount(snapshot.get("voided_at")) else None,
    }


_REFUND_STATUSES = ("pending", "requires_action", "succeeded", "failed", "canceled")
_REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "expired_uncaptured_charge")
_FAILURE = re.compile("[a-z_]{1,64}")


def _id_or_none(value):
    if isinstance(value, dict):  # an expanded object
        value = value.get("id")
    return value if is_stripe_id(value) else None


def refund_of(snapshot):
    """What the record keeps of a Stripe refund (a dict), each value checked; None if it is not
    one the record can keep. Its invoice is found by its PaymentIntent, by the caller."""
    ok = (
        is_stripe_id(snapshot.get("id"))
        and snapshot.get("status") in _REFUND_STATUSES
        and _money(snapshot.get("amount"))
        and isinstance(snapshot.get("currency"), str)
        and len(snapshot["currency"]) == 3
        and _amount(snapshot.get("created"))
    )
    if not ok:
        return None
    reason, failure = snapshot.get("reason"), snapshot.get("failure_reason")
    return {
        "id": snapshot["id"],
        "payment_intent": _id_or_none(snapshot.get("payment_intent")),
        "charge": _id_or_none(snapshot.get("charge")),
        "amount": snapshot["amount"],
        "currency": snapshot["currency"].lower(),
        "status": snapshot["status"],
        "reason": reason if reason in _REFUND_REASONS else None,
        "failure_reason": failure if _matches(_FAILURE)(failure) else None,
        "created": snapshot["created"],
    }


def payment_of(snapshot):
    """What the record keeps of a paid Stripe InvoicePayment (a dict), each value checked; None
    if it is not a paid one the record can keep."""
    moments = snapshot.get("status_transitions")
    paid_at = moments.get("paid_at") if isinstance(moments, dict) else None
    payment = snapshot.get("payment") or {}
    ok = (
        is_stripe_id(snapshot.get("id"))
        and is_stripe_id(snapshot.get("invoice"))
        and snapshot.get("status") == "paid"
        and _money(snapshot.get("amount_paid"))
        and isinstance(snapshot.get("currency"), str)
        and len(snapshot["currency"]) == 3
        and _amount(paid_at)
        and isinstance(payment, dict)
    )
    if not ok:
        return None
    return {
        "id": snapshot["id"],
        "invoice_id": snapshot["invoice"],
        "payment_intent": _id_or_none(payment.get("payment_intent")),
        "amount": snapshot["amount_paid"],
        "currency": snapshot["currency"].lower(),
        "paid_at": paid_at,
    }
