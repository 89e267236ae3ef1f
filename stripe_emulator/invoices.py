"""Invoices and invoice items: Stripe's draft → open → paid | void | uncollectible machine."""

import functools

from .catalog import price_for_line
from .customers import live_customer
from .errors import StripeAPIError, invalid, missing, state
from .payments import cancel_payment, fail_payment, open_payment, process_payment, settle
from .routes import route
from .store import deleted, list_object, now

MAX_LINES = 250
# An invoice embeds its first lines; the rest are read from its lines list.
EMBEDDED_LINES = 10
MAX_CUSTOM_FIELDS = 4
_DAY = 86400
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
        "starting_balance": 0,
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
        for item in _pending_items(store, customer["id"], invoice["currency"]):
            _attach(store, invoice, item)
    _total(invoice)
    store.emit("invoice.created", invoice)
    return invoice


def _pending_items(store, customer_id, currency):
    for item_id in list(store.by_type["invoiceitem"]):
        item = store.objects[item_id]
        if item["customer"] == customer_id and item["invoice"] is None:
            if item["currency"] == currency:
                yield item


def _total(invoice):
    subtotal = sum(line["amount"] for line in invoice["_lines"])
    invoice.update(
        subtotal=subtotal,
        subtotal_excluding_tax=subtotal,
        total=subtotal,
        total_excluding_tax=subtotal,
        amount_due=subtotal,
        amount_remaining=subtotal - invoice["amount_paid"],
    )


def draft(store, invoice_id, action):
    """A draft invoice, or `invoice_not_editable` naming what could not be done."""
    invoice = store.get("invoice", invoice_id)
    if invoice["status"] != "draft":
        raise state(
            f"You can only {action} a draft invoice; this invoice is {invoice['status']}.",
            "invoice_not_editable",
        )
    return invoice


def open_invoice(store, invoice_id, action):
    """An open invoice, or an error naming its state."""
    invoice = store.get("invoice", invoice_id)
    if invoice["status"] != "open":
        raise state(f"You can only {action} an open invoice; this invoice is {invoice['status']}.")
    return invoice


def _path(prefix, *keys):
    """`lines[0]` + (pricing, price) → `lines[0][pricing][price]`; no prefix → `pricing[price]`."""
    head = f"{prefix}[{keys[0]}]" if prefix else keys[0]
    return head + "".join(f"[{key}]" for key in keys[1:])


def _item(store, customer, params, prefix, currency):
    """A new invoice item from line-like params (pricing[price] or amount), not yet kept."""
    quantity = params.get("quantity", 1)
    if quantity < 0:
        raise invalid(_path(prefix, "quantity"), "Quantity must be a non-negative integer.")
    for key in ("price_data", "unit_amount_decimal", "quantity_decimal"):
        if key in params:
            raise invalid(_path(prefix, key), f"The emulator does not support {key}; use pricing.")
    price_id = params.get("pricing", {}).get("price")
    if price_id:
        if "amount" in params:
            raise invalid(_path(prefix, "amount"), "Pass either amount or pricing, not both.")
        price = price_for_line(store, price_id, _path(prefix, "pricing", "price"))
        product = store.objects[price["product"]]
        unit, item_currency = price["unit_amount"], price["currency"]
        description = params.get("description") or product["name"]
        pricing = {
            "type": "price_details",
            "price_details": {"price": price["id"], "product": product["id"]},
            "unit_amount_decimal": str(unit),
        }
        amount = unit * quantity
    elif "amount" in params:
        amount, unit = params["amount"], None
        item_currency = (params.get("currency") or currency or "usd").lower()
        description = params.get("description")
        pricing = None
    else:
        raise missing(_path(prefix, "pricing", "price"))
    if currency and item_currency != currency:
        raise invalid(
            _path(prefix, "pricing", "price") if price_id else _path(prefix, "currency"),
            f"The line's currency ({item_currency}) differs from the invoice's ({currency}).",
        )
    created = now()
    return {
        "id": store.new_id("ii"),
        "object": "invoiceitem",
        "amount": amount,
        "currency": item_currency,
        "customer": customer["id"],
        "date": created,
        "description": description,
        "discountable": True,
        "discounts": [],
        "invoice": None,
        "livemode": False,
        "metadata": params.get("metadata") or {},
        "net_amount": amount,
        "parent": None,
        "period": {"start": created, "end": created},
        "pricing": pricing,
        "proration": False,
        "quantity": quantity,
        "tax_rates": [],
        "test_clock": None,
    }


def _attach(store, invoice, item):
    """Put an invoice item on a draft invoice as a line."""
    item["invoice"] = invoice["id"]
    invoice["_lines"].append(
        {
            "id": store.new_id("il"),
            "object": "line_item",
            "amount": item["amount"],
            "currency": item["currency"],
            "description": item["description"],
            "discount_amounts": [],
            "discountable": True,
            "discounts": [],
            "invoice": invoice["id"],
            "livemode": False,
            "metadata": item["metadata"],
            "parent": {
                "type": "invoice_item_details",
                "invoice_item_details": {"invoice": invoice["id"], "invoice_item": item["id"]},
                "subscription_item_details": None,
            },
            "period": item["period"],
            "pretax_credit_amounts": [],
            "pricing": item["pricing"],
            "quantity": item["quantity"],
            "subtotal": item["amount"],
            "taxes": [],
        }
    )


def _check_room(invoice, adding, param):
    if len(invoice["_lines"]) + adding > MAX_LINES:
        raise invalid(param, f"An invoice can have at most {MAX_LINES} line items.")


@route("POST", "/v1/invoices/<invoice>/add_lines", "invoices.add_lines", "InvoiceAddLinesParams")
def add_lines(store, params, invoice):
    """Add up to 250 lines to a draft in one call, all or none."""
    inv = draft(store, invoice, "add lines to")
    customer = store.objects[inv["customer"]]
    _check_room(inv, len(params["lines"]), "lines")
    items = []
    for i, line in enumerate(params["lines"]):
        prefix = f"lines[{i}]"
        if "invoice_item" in line:
            item = store.get("invoiceitem", line["invoice_item"], _path(prefix, "invoice_item"))
            if item["invoice"] is not None or item["customer"] != customer["id"]:
                raise invalid(_path(prefix, "invoice_item"), "This invoice item can't be added.")
        else:
            item = _item(store, customer, line, prefix, inv["currency"])
        items.append(item)
    for item in items:
        if item["id"] not in store.objects:
            store.add(item)
        _attach(store, inv, item)
    _total(inv)
    if "invoice_metadata" in params:
        inv["metadata"] = params["invoice_metadata"] or {}
    store.emit("invoice.updated", inv)
    return inv


@route("POST", "/v1/invoiceitems", "invoice_items.create", "InvoiceItemCreateParams")
def create_invoice_item(store, params):
    """Create an invoice item on a draft invoice, or pending for the customer's next invoice."""
    customer = live_customer(store, params["customer"], "customer")
    invoice = None
    if params.get("invoice"):
        invoice = draft(store, params["invoice"], "add items to")
        if invoice["customer"] != customer["id"]:
            raise invalid("invoice", "The invoice belongs to another customer.")
        _check_room(invoice, 1, "invoice")
    item = _item(store, customer, params, "", invoice["currency"] if invoice else None)
    store.add(item)
    store.emit("invoiceitem.created", item)
    if invoice:
        _attach(store, invoice, item)
        _total(invoice)
        store.emit("invoice.updated", invoice)
    return item


@route("GET", "/v1/invoiceitems/<item>", "invoice_items.retrieve", "InvoiceItemRetrieveParams")
def retrieve_invoice_item(store, params, item):
    """Retrieve an invoice item."""
    return store.get("invoiceitem", item)


@route("GET", "/v1/invoiceitems", "invoice_items.list", "InvoiceItemListParams")
def list_invoice_items(store, params):
    """List invoice items by customer, invoice, or pending."""

    def match(item):
        return (
            params.get("customer", item["customer"]) == item["customer"]
            and params.get("invoice", item["invoice"]) == item["invoice"]
            and (not params.get("pending") or item["invoice"] is None)
        )

    return store.page("invoiceitem", params, "/v1/invoiceitems", match)


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


def _number(store, invoice):
    customer = store.objects[invoice["customer"]]
    # A deleted customer keeps its invoices numbered from a fallback prefix.
    prefix = customer.get("invoice_prefix", "DELETED")
    sequence = customer.get("next_invoice_sequence", 1)
    if "next_invoice_sequence" in customer:
        customer["next_invoice_sequence"] += 1
    return f"{prefix}-{sequence:04d}"


@route(
    "POST",
    "/v1/invoices/<invoice>/finalize",
    "invoices.finalize_invoice",
    "InvoiceFinalizeInvoiceParams",
)
def finalize_invoice(store, params, invoice):
    """Finalize a draft: number, due date, hosted page and PDF, and its PaymentIntent."""
    return finalize(store, draft(store, invoice, "finalize"))


def finalize(store, invoice):
    """Move a draft to open (or straight to paid when nothing is due)."""
    moment = now()
    invoice.update(
        status="open",
        number=_number(store, invoice),
        effective_at=moment,
        starting_balance=0,
        ending_balance=0,
        hosted_invoice_url=f"{store.base_url}/i/{invoice['id']}",
        invoice_pdf=f"{store.base_url}/i/{invoice['id']}/pdf",
    )
    invoice["status_transitions"]["finalized_at"] = moment
    if invoice["automatic_tax"]["enabled"]:
        invoice["automatic_tax"]["status"] = "complete"
    if invoice["collection_method"] == "send_invoice" and invoice["_days_until_due"] is not None:
        invoice["due_date"] = moment + invoice["_days_until_due"] * _DAY
    if invoice["amount_due"] > 0:
        open_payment(store, invoice)
    store.emit("invoice.finalized", invoice)
    if invoice["amount_due"] == 0:
        settle(store, invoice, out_of_band=True)
    return invoice


@route("POST", "/v1/invoices/<invoice>/send", "invoices.send_invoice", "InvoiceSendInvoiceParams")
def send_invoice(store, params, invoice):
    """Email a send_invoice invoice, finalizing it first if it is a draft."""
    inv = store.get("invoice", invoice)
    if inv["collection_method"] != "send_invoice":
        raise state("You can only send an invoice whose collection_method is send_invoice.")
    if inv["status"] == "draft":
        finalize(store, inv)
    if inv["status"] in ("void", "uncollectible"):
        raise state(f"You can't send an invoice that is {inv['status']}.")
    store.emit("invoice.sent", inv)
    return inv


@route("POST", "/v1/invoices/<invoice>/void", "invoices.void_invoice", "InvoiceVoidInvoiceParams")
def void_invoice(store, params, invoice):
    """Void an open invoice."""
    inv = open_invoice(store, invoice, "void")
    cancel_payment(store, inv)
    inv["status"] = "void"
    inv["status_transitions"]["voided_at"] = now()
    store.emit("invoice.voided", inv)
    return inv


@route(
    "POST",
    "/v1/invoices/<invoice>/mark_uncollectible",
    "invoices.mark_uncollectible",
    "InvoiceMarkUncollectibleParams",
)
def mark_uncollectible(store, params, invoice):
    """Mark an open invoice uncollectible."""
    inv = open_invoice(store, invoice, "mark uncollectible")
    inv["status"] = "uncollectible"
    inv["status_transitions"]["marked_uncollectible_at"] = now()
    store.emit("invoice.marked_uncollectible", inv)
    return inv


@route("POST", "/v1/invoices/<invoice>/pay", "invoices.pay", "InvoicePayParams")
def pay_invoice(store, params, invoice):
    """Pay an open invoice out of band, or with a test payment method such as `pm_card_visa`."""
    inv = open_invoice(store, invoice, "pay")
    if params.get("paid_out_of_band"):
        settle(store, inv, out_of_band=True)
        return inv
    method = params.get("payment_method")
    if not method:
        raise StripeAPIError(
            "This invoice has no payment method to charge; pass payment_method "
            "(pm_card_visa succeeds, pm_card_chargeDeclined fails) or paid_out_of_band=true.",
            code="parameter_missing",
            param="payment_method",
        )
    if method in DECLINING_METHODS:
        fail_payment(store, inv, "Your card was declined.")
        raise StripeAPIError(
            "Your card was declined.", status=402, type="card_error", code="card_declined"
        )
    settle(store, inv)
    return inv


DECLINING_METHODS = frozenset({"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"})
OUTCOMES = ("succeed", "fail", "delayed", "delayed_fail")


def simulate_payment(store, invoice_id, outcome, schedule):
    """A customer's payment on the hosted page: `succeed`, `fail`, `delayed` or `delayed_fail`.

    A delayed payment is `processing` first; `schedule(fn)` runs its outcome later.
    """
    inv = open_invoice(store, invoice_id, "pay")
    if outcome not in OUTCOMES:
        raise invalid("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
    if store.objects[inv["_payment_intent"]]["status"] == "processing":
        raise state("A payment of this invoice is already processing.")
    if outcome == "succeed":
        settle(store, inv)
    elif outcome == "fail":
        fail_payment(store, inv, "Your card was declined.")
    else:
        process_payment(store, inv)
        # Kept on the invoice, so that a state file can carry a payment still processing.
        inv["_delayed_succeeds"] = outcome == "delayed"
        schedule(functools.partial(_finish_delayed, store, inv["id"]))
    return inv


def resume_delayed(store, schedule):
    """Schedule again the delayed payments that were processing when the state was saved."""
    for invoice_id in store.by_type["invoice"]:
        if "_delayed_succeeds" in store.objects[invoice_id]:
            schedule(functools.partial(_finish_delayed, store, invoice_id))


def _finish_delayed(store, invoice_id):
    with store.lock:
        inv = store.objects.get(invoice_id)
        if inv is None:
            return
        succeeds = inv.pop("_delayed_succeeds", None)
        if succeeds is None or inv["status"] != "open":
            return
        if succeeds:
            settle(store, inv)
        else:
            fail_payment(store, inv, "The bank debit failed.")
