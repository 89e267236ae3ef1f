"""What a draft invoice is given beyond its customer and terms, as Stripe takes it: footer,
memo (`description`), custom fields, rendering, shipping details, a number of its own, the
date it takes effect, discounts and default tax rates; the customer's invoice settings are the
defaults (https://docs.stripe.com/api/invoices/create)."""

from . import discounts
from .customer_details import custom_fields, shipping
from .errors import invalid
from .indexes import indexed
from .tax_rates import rates_for

# The fields a draft's update may change as given; metadata may change in any state.
PLAIN = ("auto_advance", "description", "footer", "statement_descriptor")
# What create and update both take, besides PLAIN and the due terms.
GIVEN = (
    "custom_fields",
    "default_tax_rates",
    "discounts[coupon]",
    "discounts[promotion_code]",
    "effective_at",
    "number",
    "rendering[amount_tax_display]",
    "rendering[pdf]",
    "rendering[template]",
    "rendering[template_version]",
    "shipping_details",
)
MAX_NUMBER = 26


def _number_key(invoice):
    return invoice.get("number")


indexed("invoice", "number", _number_key, changes=True)


def rendering(given, customer):
    """The invoice's `rendering` as given, else from the customer's rendering options; None
    when neither says anything."""
    options = customer.get("invoice_settings", {}).get("rendering_options")
    if not given and not options:
        return None
    given = given or {}
    options = options or {}
    return {
        "amount_tax_display": given.get("amount_tax_display") or options.get("amount_tax_display"),
        "pdf": {"page_size": (given.get("pdf") or {}).get("page_size", "auto")},
        "template": given.get("template") or options.get("template"),
        "template_version": given.get("template_version") or None,
    }


def _number(store, number, invoice_id=None):
    """A number given to an invoice: at most 26 characters, no other invoice's."""
    if not number:
        return None
    if len(number) > MAX_NUMBER:
        raise invalid("number", f"An invoice number is at most {MAX_NUMBER} characters.")
    holders = [i for b in store.filed("invoice", "number", [number]) for i in b]
    if any(holder != invoice_id for holder in holders):
        raise invalid("number", f"Another invoice already has the number {number}.")
    return number


def created_fields(store, params, customer):
    """The fields a new draft takes from `params`, or from the customer's invoice settings."""
    settings = customer.get("invoice_settings") or {}
    fields = {
        "custom_fields": (
            custom_fields(params["custom_fields"], "custom_fields")
            if "custom_fields" in params
            else settings.get("custom_fields")
        ),
        "default_tax_rates": rates_for(
            store, params.get("default_tax_rates", []), "default_tax_rates"
        ),
        "description": params.get("description") or None,
        "effective_at": params.get("effective_at") or None,
        "footer": params.get("footer") or settings.get("footer"),
        "number": _number(store, params.get("number")),
        "rendering": rendering(params.get("rendering"), customer),
        "shipping_details": shipping(params.get("shipping_details"), "shipping_details"),
    }
    return fields


def check_discounts(store, params, customer_id, currency):
    """The discounts `params` give a draft, checked (see discounts.check); None if not given."""
    if "discounts" not in params:
        return None
    return discounts.check(store, params["discounts"], "discounts", customer_id, currency)


def set_discounts(store, invoice, found):
    """Replace the draft's discounts with those checked (`check_discounts`), if given."""
    if found is None:
        return
    discounts.remove(store, invoice["discounts"])
    invoice["discounts"] = discounts.make(store, found, invoice["customer"], invoice["id"])


def updated_fields(store, params, invoice):
    """The fields an update of a draft changes, checked (besides discounts and due terms)."""
    changed = {k: params[k] for k in PLAIN if k in params}
    for key in ("description", "footer"):
        if key in changed:
            changed[key] = changed[key] or None
    if "custom_fields" in params:
        changed["custom_fields"] = custom_fields(params["custom_fields"], "custom_fields")
    if "default_tax_rates" in params:
        changed["default_tax_rates"] = rates_for(
            store, params["default_tax_rates"], "default_tax_rates"
        )
    if "effective_at" in params:
        changed["effective_at"] = params["effective_at"] or None
    if "number" in params:
        changed["number"] = _number(store, params["number"], invoice["id"])
    if "rendering" in params:
        changed["rendering"] = rendering(params["rendering"], {})
    if "shipping_details" in params:
        changed["shipping_details"] = shipping(params["shipping_details"], "shipping_details")
    return changed
