"""The rules of the customer's details on `POST /invoices` (`customer`: name, address, tax ID,
phone), one rule, one message and one field each, as strict as Stripe's own."""

import re
import typing
from dataclasses import dataclass

from stripe.params._customer_create_params import CustomerCreateParamsTaxIdDatum

from invoicing.errors import ApiError
from invoicing.text import clean_text

# The tax ID types the pinned API version takes (eu_vat, gb_vat, us_ein, ...).
TAX_ID_TYPES = frozenset(
    value
    for arg in typing.get_args(typing.get_type_hints(CustomerCreateParamsTaxIdDatum)["type"])
    for value in typing.get_args(arg)
)
ADDRESS_FIELDS = ("line1", "line2", "city", "postal_code", "state", "country")
_COUNTRY = re.compile("[A-Z]{2}")
_PHONE = re.compile(r"\+?[0-9 ().\-]{3,20}")
_TAX_ID_VALUE = re.compile(r"[A-Za-z0-9 .\-/]{2,50}")


@dataclass(frozen=True)
class Details:
    """A customer's details as an invoice shows them; None where not given."""

    name: str | None = None
    address: tuple | None = None  # of (field, value) in ADDRESS_FIELDS order, set ones only
    phone: str | None = None
    tax_id: tuple | None = None  # (type, value)

    def stripe_fields(self):
        """The customer's fields as Stripe's customers.create/update take them (no tax ID,
        which is a customer's sub-resource)."""
        fields = {}
        if self.name:
            fields["name"] = self.name
        if self.address:
            fields["address"] = dict(self.address)
        if self.phone:
            fields["phone"] = self.phone
        return fields


def _invalid(message, field):
    return ApiError(400, message, field=field)


def _string(value, field, limit):
    if not isinstance(value, str):
        raise _invalid(f"{field} must be a string.", field)
    value = clean_text(value, field).strip()
    if len(value) > limit:
        raise _invalid(f"{field} must be at most {limit} characters.", field)
    return value or None


def _address(value):
    if not isinstance(value, dict):
        raise _invalid("customer.address must be an object.", "customer.address")
    extra = set(value) - set(ADDRESS_FIELDS)
    if extra:
        key = sorted(extra)[0]
        raise _invalid(f"unknown field {key!r}.", f"customer.address.{key}")
    fields = {}
    for key in ADDRESS_FIELDS:
        if value.get(key) is not None:
            checked = _string(value[key], f"customer.address.{key}", 200)
            if checked:
                fields[key] = checked
    if "country" in fields:
        fields["country"] = fields["country"].upper()
        if not _COUNTRY.fullmatch(fields["country"]):
            raise _invalid(
                "country must be a two-letter country code (ISO 3166-1 alpha-2).",
                "customer.address.country",
            )
    if fields and ("line1" not in fields or "country" not in fields):
        missing = "line1" if "line1" not in fields else "country"
        raise _invalid(f"an address needs {missing}.", f"customer.address.{missing}")
    return tuple((key, fields[key]) for key in ADDRESS_FIELDS if key in fields) or None


def _tax_id(value):
    if not isinstance(value, dict) or set(value) != {"type", "value"}:
        raise _invalid("customer.tax_id is an object with type and value.", "customer.tax_id")
    kind = value["type"]
    if not isinstance(kind, str) or kind not in TAX_ID_TYPES:
        raise _invalid(
            "type must be one of Stripe's tax ID types, such as eu_vat, gb_vat or us_ein.",
            "customer.tax_id.type",
        )
    number = value["value"]
    if not isinstance(number, str) or not _TAX_ID_VALUE.fullmatch(number.strip()):
        raise _invalid(
            "value must be 2 to 50 letters, digits, spaces, dots, dashes or slashes.",
            "customer.tax_id.value",
        )
    return (kind, number.strip())


def parse_details(body):
    """The `customer` object of a body, checked (its name defaults to the body's `name`), or
    None when neither is given."""
    value = body.get("customer")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid("customer must be an object.", "customer")
    extra = set(value) - {"name", "address", "tax_id", "phone"}
    if extra:
        key = sorted(extra)[0]
        raise _invalid(f"unknown field {key!r}.", f"customer.{key}")
    name = _string(value["name"], "customer.name", 256) if value.get("name") is not None else None
    phone = None
    if value.get("phone") is not None:
        phone = _string(value["phone"], "customer.phone", 20)
        if phone and not _PHONE.fullmatch(phone):
            raise _invalid(
                "phone must be a phone number, such as +1 555 555 0100.", "customer.phone"
            )
    address = _address(value["address"]) if value.get("address") is not None else None
    tax_id = _tax_id(value["tax_id"]) if value.get("tax_id") is not None else None
    return Details(name=name, address=address, phone=phone, tax_id=tax_id)
