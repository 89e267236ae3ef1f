"""A customer's tax IDs: create, retrieve, list and delete them under the customer, each a
`type` and a `value` checked loosely for the common types (https://docs.stripe.com/api/tax_ids,
https://docs.stripe.com/billing/customer/tax-ids). Verification is not emulated: each ID's
`verification.status` is `unavailable`."""

import re

from .errors import StripeAPIError, no_such
from .indexes import indexed
from .routes import route
from .store import deleted, list_object

MAX_TAX_IDS = 25
_EU = "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI"
# The shapes of the common types' values, as Stripe's examples show them; others need a value.
_SHAPES = {
    "eu_vat": re.compile(rf"(?:{'|'.join(_EU.split())})[0-9A-Z+*]{{2,13}}"),
    "gb_vat": re.compile(r"GB(?:[0-9]{9}|[0-9]{12})"),
    "us_ein": re.compile(r"[0-9]{2}-?[0-9]{7}"),
    "au_abn": re.compile(r"[0-9]{11}"),
    "ca_bn": re.compile(r"[0-9]{9}"),
    "ch_vat": re.compile(r"CHE-?[0-9]{3}\.?[0-9]{3}\.?[0-9]{3} ?(?:MWST|TVA|IVA)"),
    "no_vat": re.compile(r"[0-9]{9}MVA"),
}

indexed("tax_id", "customer")


def _country(kind, value):
    if kind == "eu_vat":
        return "GR" if value[:2] == "EL" else value[:2]
    return "GB" if kind == "gb_vat" else kind[:2].upper()


def checked_value(kind, value, param):
    """A tax ID's value, trimmed (upper case for the common types), if its shape fits."""
    shape = _SHAPES.get(kind)
    cleaned = value.strip().upper() if shape else value.strip()
    if not cleaned or (shape and not shape.fullmatch(cleaned.replace(" ", ""))):
        raise StripeAPIError(f"Invalid value for {kind}.", code="tax_id_invalid", param=param)
    return cleaned


def new_tax_id(store, customer, kind, value, param):
    """Keep a new tax ID of `customer` (`param`: where its value was given)."""
    cleaned = checked_value(kind, value, param)
    if sum(len(b) for b in store.filed("tax_id", "customer", [customer["id"]])) >= MAX_TAX_IDS:
        raise StripeAPIError(f"A customer can have at most {MAX_TAX_IDS} tax IDs.", param=param)
    tax_id = store.add(
        {
            "id": store.new_id("txi"),
            "object": "tax_id",
            "country": _country(kind, cleaned),
            "created": store.now(),
            "customer": customer["id"],
            "customer_account": None,
            "livemode": False,
            "owner": {"customer": customer["id"], "customer_account": None, "type": "customer"},
            "type": kind,
            "value": cleaned,
            "verification": {
                "status": "unavailable",
                "verified_address": None,
                "verified_name": None,
            },
        }
    )
    store.emit("customer.tax_id.created", tax_id)
    return tax_id


def customer_tax_ids(store, customer):
    """The customer's tax IDs, oldest first, as a customer's `tax_ids` list shows them."""
    found = [
        store.render(store.objects[i])
        for bucket in store.filed("tax_id", "customer", [customer["id"]])
        for i in bucket
    ]
    return list_object(found[::-1], f"/v1/customers/{customer['id']}/tax_ids")


def as_on_invoice(store, customer_id):
    """The customer's tax IDs as an invoice copies them: type and value, oldest first."""
    buckets = store.filed("tax_id", "customer", [customer_id])
    found = [store.objects[i] for bucket in buckets for i in bucket]
    return [{"type": t["type"], "value": t["value"]} for t in found]


def customer_on_invoice(store, customer):
    """The customer's details as an invoice shows them: until it is finalized they follow
    the customer; finalization copies them for good
    (https://docs.stripe.com/api/invoices/object#invoice_object-customer_address)."""
    return {
        "customer_address": customer["address"],
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": customer["phone"],
        "customer_shipping": customer["shipping"],
        "customer_tax_exempt": customer["tax_exempt"],
        "customer_tax_ids": as_on_invoice(store, customer["id"]),
    }


def _owner(store, customer_id):
    """A live customer named in the URL (customers.py imports this module)."""
    customer = store.get("customer", customer_id)
    if customer.get("deleted"):
        raise no_such("customer", customer_id)
    return customer


def _tax_id(store, customer, tax_id):
    found = store.objects.get(tax_id) if isinstance(tax_id, str) else None
    if found is None or found["object"] != "tax_id" or found["customer"] != customer:
        raise no_such("tax_id", tax_id)
    return found


@route(
    "POST",
    "/v1/customers/<customer>/tax_ids",
    "customers.tax_ids.create",
    "CustomerTaxIdCreateParams",
    emulates=("type", "value"),
)
def create_tax_id(store, params, customer):
    """Add a tax ID to a customer."""
    owner = _owner(store, customer)
    return new_tax_id(store, owner, params["type"], params["value"], "value")


@route(
    "GET",
    "/v1/customers/<customer>/tax_ids/<tax_id>",
    "customers.tax_ids.retrieve",
    "CustomerTaxIdRetrieveParams",
)
def retrieve_tax_id(store, params, customer, tax_id):
    """Retrieve one of a customer's tax IDs."""
    return _tax_id(store, customer, tax_id)


@route(
    "GET",
    "/v1/customers/<customer>/tax_ids",
    "customers.tax_ids.list",
    "CustomerTaxIdListParams",
    emulates=("limit", "starting_after", "ending_before"),
)
def list_tax_ids(store, params, customer):
    """List a customer's tax IDs, newest first."""
    _owner(store, customer)
    within = store.filed("tax_id", "customer", [customer])
    url = f"/v1/customers/{customer}/tax_ids"
    return store.page("tax_id", params, url, within=within)


@route(
    "DELETE",
    "/v1/customers/<customer>/tax_ids/<tax_id>",
    "customers.tax_ids.delete",
    "CustomerTaxIdDeleteParams",
)
def delete_tax_id(store, params, customer, tax_id):
    """Delete one of a customer's tax IDs; invoices finalized with it keep it."""
    found = _tax_id(store, customer, tax_id)
    snapshot = store.render(found)
    store.remove(found)
    store.emit("customer.tax_id.deleted", snapshot)
    return deleted(found)
