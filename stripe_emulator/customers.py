"""Customers: create, retrieve, update, delete, list and search."""

import base64
import re

from .customer_details import DETAILS, details
from .errors import invalid
from .indexes import indexed
from .routes import PAGING, route
from .store import deleted, list_object, merge_metadata, random_token
from .tax_ids import checked_value, new_tax_id

_UPDATABLE = ("description", "email", "name", "phone", "preferred_locales", "metadata")
_NO_INVOICE_SETTINGS = {
    "custom_fields": None,
    "default_payment_method": None,
    "footer": None,
    "rendering_options": None,
}
_CLAUSE = re.compile(r"\s*(email|name|metadata\['([^']+)'\])\s*:\s*'((?:[^'\\]|\\.)*)'\s*")


def _email_key(customer):
    # Lowercased: a list matches an email exactly, a search whatever its case.
    return (customer.get("email") or "").lower() or None


indexed("customer", "email", _email_key, changes=True)


@route(
    "POST",
    "/v1/customers",
    "customers.create",
    "CustomerCreateParams",
    emulates=(*_UPDATABLE, *DETAILS, "tax_id_data", "test_clock"),
)
def create_customer(store, params):
    """Create a customer, with its tax IDs (`tax_id_data`)."""
    blank = {"invoice_settings": _NO_INVOICE_SETTINGS}
    tax_ids = [
        (given["type"], checked_value(given["type"], given["value"], f"tax_id_data[{i}][value]"))
        for i, given in enumerate(params.get("tax_id_data") or [])
    ]
    customer = store.add(
        {
            "id": store.new_id("cus"),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": store.now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description"),
            "email": params.get("email"),
            "invoice_prefix": random_token(8).upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "name": params.get("name"),
            "next_invoice_sequence": 1,
            "phone": params.get("phone"),
            "preferred_locales": params.get("preferred_locales") or [],
            "shipping": None,
            "tax_exempt": "none",
            # The test clock it lives at (checked and given its time by test_clocks.py).
            "test_clock": params.get("test_clock"),
            **details(blank, params),
        }
    )
    store.emit("customer.created", customer)
    for i, (kind, value) in enumerate(tax_ids):
        new_tax_id(store, customer, kind, value, f"tax_id_data[{i}][value]")
    return customer


@route("GET", "/v1/customers/<customer>", "customers.retrieve", "CustomerRetrieveParams")
def retrieve_customer(store, params, customer):
    """Retrieve a customer; a deleted one answers `deleted: true` as on Stripe."""
    return store.get("customer", customer)


@route(
    "POST",
    "/v1/customers/<customer>",
    "customers.update",
    "CustomerUpdateParams",
    emulates=(*_UPDATABLE, *DETAILS),
)
def update_customer(store, params, customer):
    """Update a customer's contact fields, invoice details and metadata."""
    obj = _live(store, customer)
    previous = {}
    for key in _UPDATABLE:
        if key in params:
            previous[key] = obj[key]
            obj[key] = merge_metadata(obj[key], params[key]) if key == "metadata" else params[key]
    for key, value in details(obj, params).items():
        previous[key], obj[key] = obj[key], value
    previous = {k: v for k, v in previous.items() if obj[k] != v}
    store.refile(obj)
    if previous:  # Stripe sends no event for an update that changes nothing
        store.emit("customer.updated", obj, previous)
    return obj


@route("DELETE", "/v1/customers/<customer>", "customers.delete", "CustomerDeleteParams")
def delete_customer(store, params, customer):
    """Delete a customer; later retrieves answer `deleted: true`."""
    obj = _live(store, customer)
    snapshot = store.render(obj)
    obj.clear()
    obj.update({**deleted(snapshot)})
    store.refile(obj)
    store.emit("customer.deleted", snapshot)
    return obj


def _live(store, customer_id, param=None):
    obj = store.get("customer", customer_id, param)
    if obj.get("deleted"):
        raise invalid(param, f"No such customer: '{customer_id}'", "resource_missing")
    return obj


def live_customer(store, customer_id, param):
    """A customer that exists and is not deleted."""
    return _live(store, customer_id, param)


@route(
    "GET",
    "/v1/customers",
    "customers.list",
    "CustomerListParams",
    emulates=(*PAGING, "email", "test_clock"),
)
def list_customers(store, params):
    """List customers, optionally by exact `email` (case-sensitive, as on Stripe), and by
    creation time; those of a test clock only when asked by `test_clock`, as on Stripe."""
    within = None
    if "email" in params:
        within = store.filed("customer", "email", [params["email"].lower()])
    elif "test_clock" in params:
        within = store.filed("customer", "test_clock", [params["test_clock"]])

    def match(customer):
        if customer.get("deleted") or customer["test_clock"] != params.get("test_clock"):
            return False
        return params.get("email", customer["email"]) == customer["email"]

    covers = ("email", "test_clock")
    return store.page("customer", params, "/v1/customers", match, within=within, covers=covers)


@route(
    "GET",
    "/v1/customers/search",
    "customers.search",
    "CustomerSearchParams",
    emulates=("limit", "page", "query"),
)
def search_customers(store, params):
    """Search customers with clauses like `email:'a@b.co' AND name:'Jo'`."""
    clauses = _parse_query(params["query"])
    limit = params.get("limit", 10)
    start = _page_start(params)
    emails = [value.lower() for field, _, value in clauses if field == "email"]
    # With an email clause, only the customers filed under that email can match.
    within = store.filed("customer", "email", emails[:1]) if emails else [store.by_type["customer"]]
    candidates = reversed(within[0]) if within else ()
    found = [
        store.render(c)
        for c in (store.objects[i] for i in candidates)
        if not c.get("deleted") and all(_holds(c, clause) for clause in clauses)
    ]
    more = len(found) > start + limit
    result = list_object(found[start : start + limit], "/v1/customers/search", more)
    token = _page_token(start + limit, params["query"]) if more else None
    result.update(object="search_result", next_page=token, total_count=len(found))
    return result


def _page_token(start, query):
    """The opaque `next_page` of a search: where the next page starts, for this query."""
    return base64.urlsafe_b64encode(f"{start}:{query}".encode()).decode()


def _page_start(params):
    """Where the page a search's `page` token names starts (0 without one)."""
    if "page" not in params:
        return 0
    try:
        start, _, query = base64.urlsafe_b64decode(params["page"]).decode().partition(":")
        if query == params["query"] and start.isdigit():
            return int(start)
    except (ValueError, UnicodeDecodeError):
        pass  # refused below, as any other token that is not one of ours
    raise invalid("page", "Invalid page: it must be a next_page of this same query.")


def _parse_query(query):
    clauses = []
    for part in re.split(r"\s+AND\s+", query.strip()):
        match = _CLAUSE.fullmatch(part)
        if not match:
            raise invalid("query", f"Unsupported search query: {query!r}")
        field, meta_key, value = match.groups()
        clauses.append((field, meta_key, value.replace("\\'", "'")))
    return clauses


def _holds(customer, clause):
    field, meta_key, value = clause
    if meta_key:
        return customer["metadata"].get(meta_key) == value
    return (customer[field] or "").lower() == value.lower()
