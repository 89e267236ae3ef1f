"""How an invoice is to be paid: its collection method, due terms and payment settings
(https://docs.stripe.com/api/invoices/create#create_invoice-days_until_due)."""

from .errors import StripeAPIError, invalid

_DAY = 86400


def due_terms(params, method):
    """`days_until_due` and `due_date` as `params` give them, checked for `method`."""
    days, due_date = params.get("days_until_due"), params.get("due_date")
    if method == "send_invoice" and days is None and due_date is None:
        raise StripeAPIError(
            "Invoices with collection_method=send_invoice need days_until_due or due_date.",
            code="parameter_missing",
            param="days_until_due",
        )
    if method == "charge_automatically" and (days is not None or due_date is not None):
        raise invalid(
            "days_until_due",
            "days_until_due and due_date can only be set when collection_method=send_invoice.",
        )
    if days is not None and not 0 <= days <= 1825:
        raise invalid("days_until_due", "days_until_due must be between 0 and 1825.")
    return days, due_date


def payment_settings(params):
    """The invoice's `payment_settings`: what it was created with, else Stripe's defaults."""
    settings = params.get("payment_settings") or {}
    if settings.get("payment_method_options"):
        raise invalid(
            "payment_settings[payment_method_options]",
            "The emulator does not support payment_method_options; leave them unset.",
        )
    return {
        "default_mandate": settings.get("default_mandate") or None,
        "payment_method_options": None,
        "payment_method_types": settings.get("payment_method_types") or None,
    }


def collection_terms(method, days, due_date, created):
    """How the invoice is to be paid: its collection method and due terms (a draft's due date
    counted from its creation, until finalization counts it again), no default method."""
    if due_date is None and days is not None:
        due_date = created + days * _DAY
    return {
        "collection_method": method,
        "default_payment_method": None,
        "default_source": None,
        "due_date": due_date,
        "_days_until_due": days,
    }


def updated_terms(params, inv):
    """The draft's new (days until due, due date, collection method), or None if unchanged;
    a new `days_until_due` counts the due date from the draft's creation."""
    if not {"collection_method", "days_until_due", "due_date"} & set(params):
        return None
    method = params.get("collection_method", inv["collection_method"])
    # A due date counted from `days_until_due` was not given: only the days were.
    given_date = inv["due_date"] if inv["_days_until_due"] is None else None
    merged = {"days_until_due": inv["_days_until_due"], "due_date": given_date}
    merged.update({k: params[k] for k in ("days_until_due", "due_date") if k in params})
    if "due_date" in params and "days_until_due" not in params:
        merged["days_until_due"] = None  # a date given replaces the days it was counted by
    days, due_date = due_terms(merged, method)
    if due_date is None and days is not None:
        due_date = inv["created"] + days * _DAY
    return days, due_date, method
