"""A customer's details for its invoices, checked as Stripe checks them: address, shipping,
invoice settings (footer, custom fields, rendering options), invoice prefix and next number
(https://docs.stripe.com/api/customers/create)."""

import re

from .errors import invalid

ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")
MAX_CUSTOM_FIELDS = 4
# Stripe's rule for an invoice prefix: 3 to 12 uppercase letters or digits.
_PREFIX = re.compile(r"[A-Z0-9]{3,12}")
# What `invoice_settings` takes (`default_payment_method` is refused: no payment methods).
INVOICE_SETTINGS = (
    "invoice_settings[custom_fields]",
    "invoice_settings[footer]",
    "invoice_settings[rendering_options]",
)
# The customer's details a create or an update takes.
DETAILS = ("address", "invoice_prefix", "next_invoice_sequence", "shipping", *INVOICE_SETTINGS)


def address(given):
    """An address as Stripe shows it, every key present; `""` (unset) is None."""
    if not given:
        return None
    return {key: given.get(key) or None for key in ADDRESS_KEYS}


def shipping(given, param):
    """A shipping contact (`name`, `address`, `phone`), as a customer or an invoice keeps it."""
    if not given:
        return None
    if not given["name"]:
        raise invalid(f"{param}[name]", "A shipping name must not be empty.")
    return {
        "address": {key: (given["address"] or {}).get(key) or None for key in ADDRESS_KEYS},
        "name": given["name"],
        "phone": given.get("phone") or None,
    }


def custom_fields(fields, param):
    """Up to 4 custom fields, each a name of 1 to 40 and a value of 1 to 140 characters."""
    if not fields:
        return None
    if len(fields) > MAX_CUSTOM_FIELDS:
        raise invalid(param, f"You can pass at most {MAX_CUSTOM_FIELDS} custom fields.")
    for i, field in enumerate(fields):
        if not 1 <= len(field["name"]) <= 40:
            raise invalid(f"{param}[{i}][name]", "A custom field name is 1 to 40 characters.")
        if not 1 <= len(field["value"]) <= 140:
            raise invalid(f"{param}[{i}][value]", "A custom field value is 1 to 140 characters.")
    return [{"name": f["name"], "value": f["value"]} for f in fields]


def invoice_settings(current, given):
    """The customer's `invoice_settings` with the keys `given` changed."""
    settings = dict(current)
    if "footer" in given:
        footer = given["footer"] or None
        if footer and len(footer) > 5000:
            raise invalid("invoice_settings[footer]", "A footer is at most 5000 characters.")
        settings["footer"] = footer
    if "custom_fields" in given:
        settings["custom_fields"] = custom_fields(
            given["custom_fields"], "invoice_settings[custom_fields]"
        )
    if "rendering_options" in given:
        options = given["rendering_options"]
        settings["rendering_options"] = (
            {
                "amount_tax_display": options.get("amount_tax_display") or None,
                "template": options.get("template") or None,
            }
            if options
            else None
        )
    return settings


def prefix(value):
    """A customer's invoice prefix, checked."""
    if not _PREFIX.fullmatch(value):
        raise invalid(
            "invoice_prefix", "invoice_prefix must be 3 to 12 uppercase letters or numbers."
        )
    return value


def details(current, params):
    """The fields of a customer that `params` set (of DETAILS), checked."""
    changed = {}
    if "address" in params:
        changed["address"] = address(params["address"])
    if "shipping" in params:
        changed["shipping"] = shipping(params["shipping"], "shipping")
    if "invoice_settings" in params:
        changed["invoice_settings"] = invoice_settings(
            current["invoice_settings"], params["invoice_settings"]
        )
    if "invoice_prefix" in params:
        changed["invoice_prefix"] = prefix(params["invoice_prefix"])
    if "next_invoice_sequence" in params:
        sequence = params["next_invoice_sequence"]
        if sequence < 1:
            raise invalid("next_invoice_sequence", "next_invoice_sequence must be at least 1.")
        changed["next_invoice_sequence"] = sequence
    return changed
