"""The rules of a `POST /invoices` body, one rule, one message and one field each."""

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from invoicing import currencies
from invoicing.errors import ApiError
from invoicing.sending.adjustments import parse_discounts, parse_tax_rates
from invoicing.sending.details import Details, parse_details
from invoicing.text import clean_text

MAX_ITEMS = 250
MAX_QUANTITY = 10_000
MAX_DAYS = 365
MAX_CUSTOM_FIELDS = 4
_FIELDS = {
    "email", "name", "items", "days_until_due", "description", "memo", "custom_fields",
    "customer", "footer", "discounts", "tax_rates",
}  # fmt: skip


@dataclass(frozen=True)
class Order:
    """A checked request to invoice: prices come from the catalog, never from the client."""

    email: str
    name: str | None
    items: tuple  # of (price dict from the catalog, quantity)
    days_until_due: int
    description: str | None  # the memo
    custom_fields: tuple  # of {"name", "value"}
    currency: str
    details: Details | None = None  # the customer's name, address, tax ID and phone
    footer: str | None = None
    discounts: tuple = ()  # of {"coupon": id} or {"promotion_code": id}
    tax_rates: tuple = ()  # ids, for every line without its own
    item_tax_rates: tuple = ()  # per item, ids (empty: the invoice's)


def _invalid(message, field):
    return ApiError(400, message, field=field)


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
        extra = set(item) - {"price", "quantity", "tax_rates"}
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


def _memo(body):
    """The memo (Stripe's invoice `description`), given as `memo` or, as before, `description`."""
    if body.get("memo") is not None and body.get("description") is not None:
        raise _invalid("give memo or description (the same field), not both.", "memo")
    key = "memo" if body.get("memo") is not None else "description"
    return _text(body, key, 500, multiline=True)


def _name(body, details):
    """The customer's name: `customer.name` or, as before, `name`, not two different ones."""
    name = _text(body, "name", 256)
    if details and details.name and name and details.name != name:
        raise _invalid("name and customer.name differ: give one.", "customer.name")
    return (details.name if details else None) or name


def parse_order(body, catalog, default_days):
    """Check a `POST /invoices` body (a JSON object) against the rules and the catalog
    (invoicing.catalog.Catalog: prices, tax rates, coupons and promotion codes)."""
    unknown = set(body) - _FIELDS
    if unknown:
        raise _invalid(f"unknown field {sorted(unknown)[0]!r}.", sorted(unknown)[0])
    email = _email(body)
    details = parse_details(body)
    name = _name(body, details)
    items, currency = _items(body, catalog.lookup)
    days = body.get("days_until_due")
    days = default_days if days is None else _whole(days, "days_until_due", 1, MAX_DAYS)
    item_rates = tuple(
        parse_tax_rates(item.get("tax_rates"), f"items[{i}].tax_rates", catalog)
        for i, item in enumerate(body["items"])
    )
    return Order(
        email=email,
        name=name,
        items=items,
        days_until_due=days,
        description=_memo(body),
        custom_fields=_custom_fields(body),
        currency=currency,
        details=details,
        footer=_text(body, "footer", 5000, multiline=True),
        discounts=parse_discounts(body, catalog, currency),
        tax_rates=parse_tax_rates(body.get("tax_rates"), "tax_rates", catalog),
        item_tax_rates=item_rates if any(item_rates) else (),
    )
