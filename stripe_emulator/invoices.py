"""Invoices: create, read, list, edit and delete drafts, add lines, and page through lines."""

from .customers import live_customer
from .errors import invalid, missing
from .indexes import indexed
from .invoice_fields import (
    GIVEN,
    PLAIN,
    check_discounts,
    created_fields,
    set_discounts,
    updated_fields,
)
from .invoice_items import (
    ITEM_PARAMS,
    attach,
    check_room,
    keep,
    new_item,
    param_path,
    pending_items,
)
from .invoice_terms import collection_terms, due_terms, payment_settings, updated_terms
from .invoice_totals import total
from .listing import created_matches
from .routes import PAGING, route, under
from .store import clone, deleted, list_object, merge_metadata
from .tax_ids import customer_on_invoice
from .transitions import draft

# An invoice embeds its first lines; the rest are read from its lines list.
EMBEDDED_LINES = 10
# The filters of invoices.list tested on each invoice walked past; `customer` is indexed.
_LIST_FIELDS = ("status", "collection_method", "customer_account")

indexed("invoice", "customer")


def render_invoice(store, invoice):
    """The invoice with its `lines` sub-list as Stripe embeds it; a draft shows its customer's
    details as they are now (see tax_ids.customer_on_invoice)."""
    lines = invoice["_lines"]
    customer = store.objects.peek(invoice["customer"])
    follows = invoice["status"] == "draft" and customer and not customer.get("deleted")
    return {
        **invoice,
        **(customer_on_invoice(store, customer) if follows else {}),
        "lines": {
            **list_object(
                lines[:EMBEDDED_LINES],
                f"/v1/invoices/{invoice['id']}/lines",
                len(lines) > EMBEDDED_LINES,
            ),
        },
    }


@route(
    "POST",
    "/v1/invoices",
    "invoices.create",
    "InvoiceCreateParams",
    emulates=(
        *PLAIN,
        *GIVEN,
        "automatic_tax[enabled]",
        "collection_method",
        "currency",
        "customer",
        "days_until_due",
        "due_date",
        "metadata",
        "payment_settings[default_mandate]",
        "payment_settings[payment_method_types]",
        "pending_invoice_items_behavior",
    ),
)
def create_invoice(store, params):
    """Create a draft invoice for a customer."""
    if "customer" not in params:
        raise missing("customer")
    customer = live_customer(store, params["customer"], "customer")
    method = params.get("collection_method", "charge_automatically")
    days, due_date = due_terms(params, method)
    invoice = _draft_invoice(store, params, customer, method, days, due_date)
    found = check_discounts(store, params, customer["id"], invoice["currency"])
    store.add(invoice)
    set_discounts(store, invoice, found)
    if params.get("pending_invoice_items_behavior") == "include":
        for item in pending_items(store, customer["id"], invoice["currency"]):
            attach(store, invoice, item)
    total(store, invoice)
    store.emit("invoice.created", invoice)
    return invoice


def _draft_invoice(store, params, customer, method, days, due_date):
    """A new draft invoice for `customer`, not yet kept, with no lines."""
    created = store.now()
    fields = {
        "id": store.new_id("in"),
        "object": "invoice",
        "created": created,
        "period_end": created,
        "period_start": created,
        **_chosen_fields(params, customer),
        **_customer_details(store, customer),
        **collection_terms(method, days, due_date, created),
        **_account_fields(),
        **_draft_progress(),
        **_opening_amounts(customer),
        **created_fields(store, params, customer),
        "_lines": [],
    }
    return _in_stripe_order(fields)


def _in_stripe_order(fields):
    """The fields in Stripe's order: id and object, the rest by name, then internal (`_`) ones."""
    public = sorted(k for k in fields if k[0] != "_" and k not in ("id", "object"))
    internal = sorted(k for k in fields if k[0] == "_")
    return {k: fields[k] for k in ("id", "object", *public, *internal)}


def _chosen_fields(params, customer):
    """The fields the request sets, checked in this order, or their defaults."""
    return {
        # False by default for this API version: a draft waits for an explicit finalize.
        "auto_advance": params.get("auto_advance", False),
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": bool(params.get("automatic_tax", {}).get("enabled")),
            "liability": None,
            "provider": None,
            "status": None,
        },
        "currency": (params.get("currency") or customer["currency"] or "usd").lower(),
        "metadata": params.get("metadata") or {},
        "payment_settings": payment_settings(params),
        "statement_descriptor": params.get("statement_descriptor"),
    }


def _customer_details(store, customer):
    """The customer and its contact and tax details, as the invoice keeps them."""
    return {
        "customer": customer["id"],
        "customer_account": None,
        **customer_on_invoice(store, customer),
    }


def _account_fields():
    """Who issues the invoice and why: the emulated test-mode account, by hand, for itself."""
    return {
        "account_country": "US",
        "account_name": "Emulated account",
        "account_tax_ids": None,
        "application": None,
        "billing_reason": "manual",
        "issuer": {"type": "self"},
        "livemode": False,
        "on_behalf_of": None,
        "parent": None,
        "test_clock": None,
    }


def _draft_progress():
    """A draft's progress: not yet finalized, numbered, attempted, paid, revised or notified."""
    return {
        "attempt_count": 0,
        "attempted": False,
        # The emulator never finalizes a draft by itself.
        "automatically_finalizes_at": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "last_finalization_error": None,
        "latest_revision": None,
        "next_payment_attempt": None,
        "receipt_number": None,
        "status": "draft",
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "webhooks_delivered_at": None,
        "_payment_intent": None,
    }


def _opening_amounts(customer):
    """A draft's amounts before any line: all zero or empty, from the customer's balance."""
    return {
        "amount_due": 0,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "discounts": [],
        "ending_balance": None,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "shipping_cost": None,
        "starting_balance": customer.get("balance", 0),
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
    }


@route(
    "POST",
    "/v1/invoices/<invoice>/add_lines",
    "invoices.add_lines",
    "InvoiceAddLinesParams",
    # A line takes an item's parameters but its currency, which is the invoice's.
    emulates=(
        *under("lines", (p for p in ITEM_PARAMS if p != "currency")),
        "lines[invoice_item]",
        "invoice_metadata",
    ),
)
def add_lines(store, params, invoice):
    """Add up to 250 lines to a draft in one call, all or none."""
    inv = draft(store, invoice, "add lines to")
    customer = store.objects[inv["customer"]]
    check_room(inv, len(params["lines"]), "lines")
    items = []
    for i, line in enumerate(params["lines"]):
        prefix = f"lines[{i}]"
        if "invoice_item" in line:
            param = param_path(prefix, "invoice_item")
            item = store.get("invoiceitem", line["invoice_item"], param)
            if item["invoice"] is not None or item["customer"] != customer["id"]:
                raise invalid(param, "This invoice item can't be added.")
        else:
            item = new_item(store, customer, line, prefix, inv["currency"])
        items.append(item)
    for item in items:
        if item["id"] not in store.objects:
            keep(store, item)
        attach(store, inv, item)
    previous = total(store, inv)
    if "invoice_metadata" in params:
        previous["metadata"] = inv["metadata"]
        inv["metadata"] = params["invoice_metadata"] or {}
    store.emit("invoice.updated", inv, previous)
    return inv


@route("GET", "/v1/invoices/<invoice>", "invoices.retrieve", "InvoiceRetrieveParams")
def retrieve_invoice(store, params, invoice):
    """Retrieve an invoice."""
    return store.get("invoice", invoice)


@route(
    "GET",
    "/v1/invoices",
    "invoices.list",
    "InvoiceListParams",
    emulates=(*PAGING, "collection_method", "customer", "customer_account", "due_date", "status"),
)
def list_invoices(store, params):
    """List invoices, newest first, by customer, status, collection method, due date and
    creation time; `subscription` is refused, as the emulator has no subscriptions."""
    due = params.get("due_date")
    within = None
    if "customer" in params:
        within = store.filed("invoice", "customer", [params["customer"]])

    def match(inv):
        if not all(params.get(k, inv[k]) == inv[k] for k in _LIST_FIELDS):
            return False
        return due is None or created_matches(due, inv["due_date"])

    covers = (*_LIST_FIELDS, "customer", "due_date")
    return store.page("invoice", params, "/v1/invoices", match, within=within, covers=covers)


@route(
    "GET",
    "/v1/invoices/<invoice>/lines",
    "invoices.line_items.list",
    "InvoiceLineItemListParams",
    emulates=("limit", "starting_after"),
)
def list_lines(store, params, invoice):
    """Page through all lines of an invoice."""
    lines = store.get("invoice", invoice)["_lines"]
    limit = params.get("limit", 10)
    start = 0
    if "starting_after" in params:
        ids = [line["id"] for line in lines]
        if params["starting_after"] not in ids:
            raise invalid("starting_after", "No such line item.")
        start = ids.index(params["starting_after"]) + 1
    page = lines[start : start + limit]
    return list_object(page, f"/v1/invoices/{invoice}/lines", start + limit < len(lines))


@route(
    "POST",
    "/v1/invoices/<invoice>",
    "invoices.update",
    "InvoiceUpdateParams",
    emulates=(
        *PLAIN,
        *GIVEN,
        "automatic_tax[enabled]",
        "collection_method",
        "days_until_due",
        "due_date",
        "metadata",
    ),
)
def update_invoice(store, params, invoice):
    """Update a draft's terms and fields; metadata may change in any state."""
    inv = store.get("invoice", invoice)
    if set(params) - {"metadata", "expand"}:
        inv = draft(store, invoice, "edit")
    # Everything is checked before anything changes.
    changed = updated_fields(store, params, inv)
    found = check_discounts(store, params, inv["customer"], inv["currency"])
    terms = updated_terms(params, inv)
    before = clone({k: v for k, v in inv.items() if k[0] != "_"})
    inv.update(changed)
    if terms:
        inv["_days_until_due"], inv["due_date"], inv["collection_method"] = terms
    if "metadata" in params:
        inv["metadata"] = merge_metadata(inv["metadata"], params["metadata"])
    if "automatic_tax" in params:
        inv["automatic_tax"]["enabled"] = bool(params["automatic_tax"].get("enabled"))
    set_discounts(store, inv, found)
    if found is not None or "default_tax_rates" in params:
        total(store, inv)
    previous = {k: v for k, v in before.items() if inv[k] != v}
    if previous:  # Stripe sends no event for an update that changes nothing
        store.emit("invoice.updated", inv, previous)
    return inv


@route("DELETE", "/v1/invoices/<invoice>", "invoices.delete", "InvoiceDeleteParams")
def delete_invoice(store, params, invoice):
    """Delete a draft invoice and its items."""
    inv = draft(store, invoice, "delete")
    for line in inv["_lines"]:
        item_id = line["parent"]["invoice_item_details"]["invoice_item"]
        if item_id in store.objects:
            store.remove(store.objects[item_id])
    snapshot = store.render(inv)
    store.remove(inv)
    store.emit("invoice.deleted", snapshot)
    return deleted(inv)
