"""What the record mirrors from a Stripe invoice, and the check each value must pass: even a
signed event is not trusted for what the pages render as links or amounts."""

import re

_BIGINT = 2**63
# Stripe's ids are letters, digits and underscores after their prefix.
_ID = re.compile("[A-Za-z0-9_]{1,255}")
_NUMBER = re.compile("[\x21-\x7e][\x20-\x7e]{0,254}")
# A name as Stripe keeps it: printable text (no control characters, no lone surrogates).
_NAME = re.compile("[^\x00-\x1f\x7f-\x9f\ud800-\udfff]{1,256}")
# Only web addresses are kept as links: never `javascript:`, never control characters.
_URL = re.compile("https?://[\x21-\x7e]{1,2048}", re.IGNORECASE)


def _amount(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _BIGINT


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
}
is_stripe_id = _matches(_ID)


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
    moments = snapshot.get("status_transitions")
    if isinstance(moments, dict):
        if _amount(opened := moments.get("finalized_at")):
            changes["finalized_at"] = opened
        # It left `open` at the first of these (uncollectible, then paid: the first).
        closes = [moments.get(k) for k in ("paid_at", "voided_at", "marked_uncollectible_at")]
        if closes := [moment for moment in closes if _amount(moment)]:
            changes["closed_at"] = min(closes)
    return changes
