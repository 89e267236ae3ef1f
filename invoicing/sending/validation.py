"""The rules of a `POST /invoices` body, one rule, one message and one field each, and the
text rule every stored string follows."""

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from invoicing import currencies
from invoicing.errors import ApiError

MAX_ITEMS = 250
MAX_QUANTITY = 10_000
MAX_DAYS = 365
MAX_CUSTOM_FIELDS = 4
_FIELDS = {"email", "name", "items", "days_until_due", "description", "custom_fields"}


@dataclass(frozen=True)
class Order:
    """A checked request to invoice: prices come from the catalog, never from the client."""

    email: str
    name: str | None
    items: tuple  # of (price dict from the catalog, quantity)
    days_until_due: int
    description: str | None
    custom_fields: tuple  # of {"name", "value"}
    currency: str


def _invalid(message, field):
    return ApiError(400, message, field=field)


# Control characters (C0, DEL, C1) and lone surrogates (from JSON's `\ud800`): no database
# stores them all (PostgreSQL refuses NUL, every driver refuses surrogates), and no invoice
# needs them. A multi-line text keeps its newlines and tabs.
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NOT_MULTILINE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value, field, multiline=False):
    """`value` if it holds no control character (newlines and tabs allowed when `multiline`)
    and no lone surrogate; else a 400 naming `field`."""
    if (_NOT_MULTILINE_TEXT if multiline else _NOT_TEXT).search(value):
        allowed = " other than newlines and tabs" if multiline else ""
        raise _invalid(f"{field} cannot hold control characters{allowed}.", field)
    return value


def _text(body, key, limit, multiline=False):
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{key} must be a string.", key)
    value = clean_text(value, key, multiline).strip()
    if len(value) > limit:
        raise _invalid(f"{key} must be at most {limit} characters.", key)
    return value or None


def _whole(value, field, low, high):
    # JSON true/false are ints to Python; a quantity of `true` is still wrong.
    if not isinstance(value, int) or isinstance(value, bool):
        raise _invalid(f"{field} must be a whole number.", field)
    if not low <= value <= high:
        raise _invalid(f"{field} must be between {low} and {high}.", field)
    return value


def _email(body):
    value = body.get("email")
    if not isinstance(value, str) or not value.strip():
        raise _invalid("email is required.", "email")
    clean_text(value, "email")
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise _invalid(f"email is not a valid address: {error}", "email") from None
    return checked.normalized.lower()


def _items(body, lookup):
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise _invalid("items must be a list of 1 to 250 items.", "items")
    if len(items) > MAX_ITEMS:
        raise _invalid(f"items can hold at most {MAX_ITEMS} items.", "items")
    named = [i["price"] for i in items if isinstance(i, dict) and isinstance(i.get("price"), str)]
    catalog = lookup(named)
    checked = []
    for i, item in enumerate(items):
        field = f"items[{i}]"
        if not isinstance(item, dict):
            raise _invalid("each item must be an object with price and quantity.", field)
        extra = set(item) - {"price", "quantity"}
        if extra:
            raise _invalid(f"unknown field {sorted(extra)[0]!r}.", f"{field}.{sorted(extra)[0]}")
        price_id = item.get("price")
        if not isinstance(price_id, str) or not price_id:
            raise _invalid("price is required.", f"{field}.price")
        price = catalog.get(price_id)
        if price is None:
            raise _invalid(f"{price_id!r} is not a price in the catalog.", f"{field}.price")
        quantity = _whole(item.get("quantity", 1), f"{field}.quantity", 1, MAX_QUANTITY)
        checked.append((price, quantity))
    currencies = {price["currency"] for price, _ in checked}
    if len(currencies) > 1:
        raise _invalid("all items of one invoice must share one currency.", "items")
    currency = currencies.pop()
    _check_total(sum(price["unit_amount"] * quantity for price, quantity in checked), currency)
    return tuple(checked), currency


def _check_total(total, currency):
    """Stripe's limits on one charge, applied before any call: above the largest, Stripe
    cannot finalize the invoice; below the smallest, it would mark it paid at once and move
    the amount to the customer's balance."""
    largest, smallest = currencies.maximum(currency), currencies.minimum(currency)
    shown = currencies.format_money(total, currency)
    if total > largest:
        most = currencies.format_money(largest, currency)
        raise _invalid(f"the total, {shown}, is more than Stripe accepts ({most}).", "items")
    if total < smallest:
        least = currencies.format_money(smallest, currency)
        raise _invalid(f"the total, {shown}, is less than Stripe accepts ({least}).", "items")


def _custom_fields(body):
    fields = body.get("custom_fields")
    if fields is None:
        return ()
    if not isinstance(fields, list) or len(fields) > MAX_CUSTOM_FIELDS:
        raise _invalid("custom_fields must be a list of at most 4 fields.", "custom_fields")
    checked = []
    for i, field in enumerate(fields):
        where = f"custom_fields[{i}]"
        if not isinstance(field, dict) or set(field) != {"name", "value"}:
            raise _invalid("each custom field is an object with name and value.", where)
        for key, limit in (("name", 40), ("value", 140)):
            value = field[key]
            if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
                raise _invalid(f"{key} must be 1 to {limit} characters.", f"{where}.{key}")
            clean_text(value, f"{where}.{key}")
        checked.append({"name": field["name"].strip(), "value": field["value"].strip()})
    return tuple(checked)


def parse_order(body, lookup, default_days):
    """Check a `POST /invoices` body (a JSON object) against the rules and the catalog.

    `lookup(price_ids)` answers the catalog as `{id: price}` (see invoicing.catalog.Catalog).
    """
    unknown = set(body) - _FIELDS
    if unknown:
        raise _invalid(f"unknown field {sorted(unknown)[0]!r}.", sorted(unknown)[0])
    email = _email(body)
    name = _text(body, "name", 256)
    items, currency = _items(body, lookup)
    days = body.get("days_until_due")
    days = default_days if days is None else _whole(days, "days_until_due", 1, MAX_DAYS)
    return Order(
        email=email,
        name=name,
        items=items,
        days_until_due=days,
        description=_text(body, "description", 500, multiline=True),
        custom_fields=_custom_fields(body),
        currency=currency,
    )
