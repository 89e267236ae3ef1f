"""Invoices: create, read, list, edit and delete drafts, add lines, and page through lines."""

from .customers import live_customer
from .errors import StripeAPIError, invalid, missing
from .indexes import indexed
from .invoice_items import attach, check_room, new_item, param_path, pending_items, total
from .listing import created_matches
from .routes import route
from .store import clone, deleted, list_object, merge_metadata
from .transitions import draft

# An invoice embeds its first lines; the rest are read from its lines list.
EMBEDDED_LINES = 10
MAX_CUSTOM_FIELDS = 4
_DRAFT_FIELDS = ("auto_advance", "description", "footer", "statement_descriptor")
# The filters of invoices.list tested on each invoice walked past; `customer` is indexed.
_LIST_FIELDS = ("status", "collection_method", "customer_account")

indexed("invoice", "customer")


def render_invoice(store, invoice):
    """The invoice with its `lines` sub-list as Stripe embeds it."""
    lines = invoice["_lines"]
    return {
        **invoice,
        "lines": {
            **list_object(
                lines[:EMBEDDED_LINES],
                f"/v1/invoices/{invoice['id']}/lines",
                len(lines) > EMBEDDED_LINES,
            ),
        },
    }


def _custom_fields(fields):
    if not fields:
        return None
    if len(fields) > MAX_CUSTOM_FIELDS:
        raise invalid("custom_fields", "You can pass at most 4 custom fields.")
    for i, field in enumerate(fields):
        if not 1 <= len(field["name"]) <= 40:
            raise invalid(f"custom_fields[{i}][name]", "A custom field name is 1 to 40 characters.")
        if not 1 <= len(field["value"]) <= 140:
            raise invalid(
                f"custom_fields[{i}][value]", "A custom field value is 1 to 140 characters."
            )
    return [{"name": f["name"], "value": f["value"]} for f in fields]


def _due_terms(params, method):
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


def _payment_settings(params):
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


def _rendering(params):
    """The invoice's `rendering` as given at creation, with Stripe's defaults; None if not given."""
    given = params.get("rendering")
    if not given:
        return None
    return {
        "amount_tax_display": given.get("amount_tax_display") or None,
        "pdf": {"page_size": given.get("pdf", {}).get("page_size", "auto")},
        "template": given.get("template"),
        "template_version": given.get("template_version") or None,
    }


@route("POST", "/v1/invoices", "invoices.create", "InvoiceCreateParams")
def create_invoice(store, params):
    """Create a draft invoice for a customer."""
    if "customer" not in params:
        raise missing("customer")
    customer = live_customer(store, params["customer"], "customer")
    method = params.get("collection_method", "charge_automatically")
    days, due_date = _due_terms(params, method)
    invoice = _draft_invoice(store, params, customer, method, days, due_date)
    store.add(invoice)
    if params.get("pending_invoice_items_behavior") == "include":
        for item in pending_items(store, customer["id"], invoice["currency"]):
            attach(store, invoice, item)
    total(invoice)
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
        **_customer_details(customer),
        **_collection_terms(method, days, due_date),
        **_account_fields(),
        **_draft_progress(),
        **_opening_amounts(customer),
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
        "custom_fields": _custom_fields(params.get("custom_fields")),
        "description": params.get("description"),
        "footer": params.get("footer"),
        "metadata": params.get("metadata") or {},
        "payment_settings": _payment_settings(params),
        "rendering": _rendering(params),
        "statement_descriptor": params.get("statement_descriptor"),
    }


def _customer_details(customer):
    """The customer and its contact and tax details, as the invoice keeps them."""
    return {
        "customer": customer["id"],
        "customer_account": None,
        "customer_address": customer["address"],
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": customer["phone"],
        "customer_shipping": customer["shipping"],
        "customer_tax_exempt": customer["tax_exempt"],
    }


def _collection_terms(method, days, due_date):
    """How the invoice is to be paid: its collection method and due terms, no default method."""
    return {
        "collection_method": method,
        "default_payment_method": None,
        "default_source": None,
        "due_date": due_date,
        "_days_until_due": days,
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
        "effective_at": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "last_finalization_error": None,
        "latest_revision": None,
        "next_payment_attempt": None,
        "number": None,
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
        "default_tax_rates": [],
        "discounts": [],
        "ending_balance": None,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": customer.get("balance", 0),
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
    }


@route("POST", "/v1/invoices/<invoice>/add_lines", "invoices.add_lines", "InvoiceAddLinesParams")
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
            store.add(item)
        attach(store, inv, item)
    previous = total(inv)
    if "invoice_metadata" in params:
        previous["metadata"] = inv["metadata"]
        inv["metadata"] = params["invoice_metadata"] or {}
    store.emit("invoice.updated", inv, previous)
    return inv


@route("GET", "/v1/invoices/<invoice>", "invoices.retrieve", "InvoiceRetrieveParams")
def retrieve_invoice(store, params, invoice):
    """Retrieve an invoice."""
    return store.get("invoice", invoice)


@route("GET", "/v1/invoices", "invoices.list", "InvoiceListParams")
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
    "GET", "/v1/invoices/<invoice>/lines", "invoices.line_items.list", "InvoiceLineItemListParams"
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


@route("POST", "/v1/invoices/<invoice>", "invoices.update", "InvoiceUpdateParams")
def update_invoice(store, params, invoice):
    """Update a draft's terms and fields; metadata may change in any state."""
    inv = store.get("invoice", invoice)
    if set(params) - {"metadata", "expand"}:
        inv = draft(store, invoice, "edit")
    before = clone({k: v for k, v in inv.items() if k[0] != "_"})
    for key in _DRAFT_FIELDS:
        if key in params:
            inv[key] = params[key]
    if "metadata" in params:
        inv["metadata"] = merge_metadata(inv["metadata"], params["metadata"])
    if "custom_fields" in params:
        inv["custom_fields"] = _custom_fields(params["custom_fields"])
    if "automatic_tax" in params:
        inv["automatic_tax"]["enabled"] = bool(params["automatic_tax"].get("enabled"))
    if {"collection_method", "days_until_due", "due_date"} & set(params):
        method = params.get("collection_method", inv["collection_method"])
        merged = {"days_until_due": inv["_days_until_due"], "due_date": inv["due_date"]}
        merged.update({k: params[k] for k in ("days_until_due", "due_date") if k in params})
        inv["_days_until_due"], inv["due_date"] = _due_terms(merged, method)
        inv["collection_method"] = method
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
