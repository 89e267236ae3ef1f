"""Invoice items: made from line-like parameters, put on a draft as lines, or left pending."""

from . import discounts
from .catalog import price_for_line
from .customers import live_customer
from .errors import invalid, missing
from .indexes import indexed
from .invoice_totals import total
from .routes import PAGING, route
from .tax_rates import rates_for
from .transitions import draft

MAX_LINES = 250


def _pending_for(item):
    """The customer whose next invoice may pick the item up: none once it is on an invoice."""
    return item["customer"] if item["invoice"] is None else None


indexed("invoiceitem", "customer")
indexed("invoiceitem", "pending", _pending_for, changes=True)


def param_path(prefix, *keys):
    """`lines[0]` + (pricing, price) → `lines[0][pricing][price]`; no prefix → `pricing[price]`."""
    head = f"{prefix}[{keys[0]}]" if prefix else keys[0]
    return head + "".join(f"[{key}]" for key in keys[1:])


def new_item(store, customer, params, prefix, currency):
    """A new invoice item from line-like params (pricing[price] or amount), not yet kept."""
    quantity = params.get("quantity", 1)
    _check_line(params, prefix, quantity)
    amount, item_currency, description, pricing = _line_terms(
        store, params, prefix, currency, quantity
    )
    _check_currency(prefix, pricing, item_currency, currency)
    found = discounts.check(
        store,
        params.get("discounts", []),
        param_path(prefix, "discounts"),
        customer["id"],
        item_currency,
    )
    created = store.now()
    return {
        "id": store.new_id("ii"),
        "object": "invoiceitem",
        "amount": amount,
        "currency": item_currency,
        "customer": customer["id"],
        "customer_account": None,
        "date": created,
        "description": description,
        "discountable": params.get("discountable", True),
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
        "quantity_decimal": str(quantity),
        "tax_rates": rates_for(store, params.get("tax_rates", []), param_path(prefix, "tax_rates")),
        "test_clock": None,
        # Its discounts, checked, made once the item is kept (`keep`).
        "_discounts": found,
    }


def keep(store, item):
    """Keep a new invoice item (from `new_item`) and make its discounts."""
    found = item.pop("_discounts")
    store.add(item)
    item["discounts"] = discounts.make(store, found, item["customer"], item=item["id"])
    return item


def _check_line(params, prefix, quantity):
    """Refuse a negative quantity, then the pricing parameters the emulator does not support."""
    if quantity < 0:
        raise invalid(param_path(prefix, "quantity"), "Quantity must be a non-negative integer.")
    for key in ("price_data", "unit_amount_decimal", "quantity_decimal"):
        if key in params:
            raise invalid(
                param_path(prefix, key), f"The emulator does not support {key}; use pricing."
            )


def _line_terms(store, params, prefix, currency, quantity):
    """The line's amount, currency, description and pricing: from its price, else its amount."""
    price_id = params.get("pricing", {}).get("price")
    if price_id:
        return _priced_terms(store, params, prefix, price_id, quantity)
    if "amount" in params:
        item_currency = (params.get("currency") or currency or "usd").lower()
        return params["amount"], item_currency, params.get("description"), None
    raise missing(param_path(prefix, "pricing", "price"))


def _priced_terms(store, params, prefix, price_id, quantity):
    """A priced line's amount, currency, description and pricing, from its price and product."""
    if "amount" in params:
        raise invalid(param_path(prefix, "amount"), "Pass either amount or pricing, not both.")
    price = price_for_line(store, price_id, param_path(prefix, "pricing", "price"))
    product = store.objects[price["product"]]
    unit, item_currency = price["unit_amount"], price["currency"]
    description = params.get("description") or product["name"]
    pricing = {
        "type": "price_details",
        "price_details": {"price": price["id"], "product": product["id"]},
        "unit_amount_decimal": str(unit),
    }
    return unit * quantity, item_currency, description, pricing


def _check_currency(prefix, pricing, item_currency, currency):
    """Refuse a line whose currency is not the invoice's (`currency`, if there is one yet)."""
    if currency and item_currency != currency:
        raise invalid(
            param_path(prefix, "pricing", "price") if pricing else param_path(prefix, "currency"),
            f"The line's currency ({item_currency}) differs from the invoice's ({currency}).",
        )


def attach(store, invoice, item):
    """Put an invoice item on a draft invoice as a line."""
    item["invoice"] = invoice["id"]
    store.refile(item)
    invoice["_lines"].append(
        {
            "id": store.new_id("il"),
            "object": "line_item",
            "amount": item["amount"],
            "currency": item["currency"],
            "description": item["description"],
            "discount_amounts": [],
            "discountable": item["discountable"],
            "discounts": [],
            "invoice": invoice["id"],
            "livemode": False,
            "metadata": item["metadata"],
            "parent": {
                "type": "invoice_item_details",
                "invoice_item_details": {
                    "invoice_item": item["id"],
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": None,
                },
                "subscription_item_details": None,
            },
            "period": item["period"],
            "pretax_credit_amounts": [],
            "pricing": item["pricing"],
            "quantity": item["quantity"],
            "quantity_decimal": item["quantity_decimal"],
            "subscription": None,
            "subtotal": item["amount"],
            "taxes": [],
        }
    )


def pending_items(store, customer_id, currency):
    """The customer's invoice items on no invoice yet, in `currency`, oldest first."""
    for bucket in store.filed("invoiceitem", "pending", [customer_id]):
        for item_id in list(bucket):
            # Looked at without being noted as read; those yielded are read (they will change).
            if store.objects.peek(item_id)["currency"] == currency:
                yield store.objects[item_id]


def check_room(invoice, adding, param):
    """Refuse `adding` more lines to an invoice that would then have more than 250."""
    if len(invoice["_lines"]) + adding > MAX_LINES:
        raise invalid(param, f"An invoice can have at most {MAX_LINES} line items.")


# What an invoice item, or a line added to a draft, takes (besides an item's `customer` and
# `invoice`, a line's `invoice_item`).
ITEM_PARAMS = (
    "amount",
    "currency",
    "description",
    "discountable",
    "discounts[coupon]",
    "discounts[promotion_code]",
    "metadata",
    "pricing[price]",
    "quantity",
    "tax_rates",
)


@route(
    "POST",
    "/v1/invoiceitems",
    "invoice_items.create",
    "InvoiceItemCreateParams",
    emulates=(*ITEM_PARAMS, "customer", "invoice"),
)
def create_invoice_item(store, params):
    """Create an invoice item on a draft invoice, or pending for the customer's next invoice."""
    customer = live_customer(store, params["customer"], "customer")
    invoice = None
    if params.get("invoice"):
        invoice = draft(store, params["invoice"], "add items to", "invoice")
        if invoice["customer"] != customer["id"]:
            raise invalid("invoice", "The invoice belongs to another customer.")
        check_room(invoice, 1, "invoice")
    item = new_item(store, customer, params, "", invoice["currency"] if invoice else None)
    keep(store, item)
    store.emit("invoiceitem.created", item)
    if invoice:
        attach(store, invoice, item)
        store.emit("invoice.updated", invoice, total(store, invoice))
    return item


@route("GET", "/v1/invoiceitems/<item>", "invoice_items.retrieve", "InvoiceItemRetrieveParams")
def retrieve_invoice_item(store, params, item):
    """Retrieve an invoice item."""
    return store.get("invoiceitem", item)


@route(
    "GET",
    "/v1/invoiceitems",
    "invoice_items.list",
    "InvoiceItemListParams",
    emulates=(*PAGING, "customer", "customer_account", "invoice", "pending"),
)
def list_invoice_items(store, params):
    """List invoice items by customer, invoice, pending (true: on no invoice yet; false: on
    one) and creation time (their `date`)."""
    within = None
    if params.get("pending") and "customer" in params:
        within = store.filed("invoiceitem", "pending", [params["customer"]])
    elif "customer" in params:
        within = store.filed("invoiceitem", "customer", [params["customer"]])
    keys = ("customer", "invoice", "customer_account")

    def match(item):
        if not all(params.get(k, item[k]) == item[k] for k in keys):
            return False
        return "pending" not in params or params["pending"] == (item["invoice"] is None)

    url, covers = "/v1/invoiceitems", (*keys, "pending")
    return store.page(
        "invoiceitem", params, url, match, within=within, covers=covers, created="date"
    )
