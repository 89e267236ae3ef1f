"""Invoices: create, read, list, edit and delete drafts, add lines, and page through lines."""

from .customers import live_customer
from .errors import StripeAPIError, invalid, missing
from .invoice_items import attach, check_room, new_item, param_path, pending_items, total
from .routes import route
from .store import deleted, list_object, now
from .transitions import draft

# An invoice embeds its first lines; the rest are read from its lines list.
EMBEDDED_LINES = 10
MAX_CUSTOM_FIELDS = 4
_DRAFT_FIELDS = ("auto_advance", "description", "footer", "statement_descriptor")


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
            "total_count": len(lines),
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


@route("POST", "/v1/invoices", "invoices.create", "InvoiceCreateParams")
def create_invoice(store, params):
    """Create a draft invoice for a customer."""
    if "customer" not in params:
        raise missing("customer")
    customer = live_customer(store, params["customer"], "customer")
    method = params.get("collection_method", "charge_automatically")
    days, due_date = _due_terms(params, method)
    created = now()
    invoice = {
        "id": store.new_id("in"),
        "object": "invoice",
        "account_country": "US",
        "account_name": "Emulated account",
        "amount_due": 0,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": params.get("auto_advance", True),
        "automatic_tax": {
            "enabled": bool(params.get("automatic_tax", {}).get("enabled")),
            "liability": None,
            "status": None,
        },
        "billing_reason": "manual",
        "collection_method": method,
        "created": created,
        "currency": (params.get("currency") or customer["currency"] or "usd").lower(),
        "custom_fields": _custom_fields(params.get("custom_fields")),
        "customer": customer["id"],
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "description": params.get("description"),
        "due_date": due_date,
        "effective_at": None,
        "ending_balance": None,
        "footer": params.get("footer"),
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "last_finalization_error": None,
        "livemode": False,
        "metadata": params.get("metadata") or {},
        "next_payment_attempt": None,
        "number": None,
        "parent": None,
        "period_end": created,
        "period_start": created,
        "starting_balance": customer.get("balance", 0),
        "statement_descriptor": params.get("statement_descriptor"),
        "status": "draft",
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "total": 0,
        "total_excluding_tax": 0,
        "total_taxes": [],
        "webhooks_delivered_at": None,
        "_days_until_due": days,
        "_lines": [],
        "_payment_intent": None,
    }
    store.add(invoice)
    if params.get("pending_invoice_items_behavior") == "include":
        for item in pending_items(store, customer["id"], invoice["currency"]):
            attach(store, invoice, item)
    total(invoice)
    store.emit("invoice.created", invoice)
    return invoice


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
    total(inv)
    if "invoice_metadata" in params:
        inv["metadata"] = params["invoice_metadata"] or {}
    store.emit("invoice.updated", inv)
    return inv


@route("GET", "/v1/invoices/<invoice>", "invoices.retrieve", "InvoiceRetrieveParams")
def retrieve_invoice(store, params, invoice):
    """Retrieve an invoice."""
    return store.get("invoice", invoice)


@route("GET", "/v1/invoices", "invoices.list", "InvoiceListParams")
def list_invoices(store, params):
    """List invoices by customer, status and collection method."""
    keys = ("customer", "status", "collection_method")
    return store.page(
        "invoice",
        params,
        "/v1/invoices",
        lambda inv: all(params.get(k, inv[k]) == inv[k] for k in keys),
    )


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
    previous = {}
    for key in (*_DRAFT_FIELDS, "metadata"):
        if key in params:
            previous[key] = inv[key]
            inv[key] = params[key] if key != "metadata" else (params[key] or {})
    if "custom_fields" in params:
        previous["custom_fields"] = inv["custom_fields"]
        inv["custom_fields"] = _custom_fields(params["custom_fields"])
    if "automatic_tax" in params:
        previous["automatic_tax"] = dict(inv["automatic_tax"])
        inv["automatic_tax"]["enabled"] = bool(params["automatic_tax"].get("enabled"))
    if {"collection_method", "days_until_due", "due_date"} & set(params):
        method = params.get("collection_method", inv["collection_method"])
        merged = {"days_until_due": inv["_days_until_due"], "due_date": inv["due_date"]}
        merged.update({k: params[k] for k in ("days_until_due", "due_date") if k in params})
        inv["_days_until_due"], inv["due_date"] = _due_terms(merged, method)
        previous["collection_method"] = inv["collection_method"]
        inv["collection_method"] = method
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
