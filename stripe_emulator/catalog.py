"""Products and prices."""

from .errors import StripeAPIError, invalid, missing
from .routes import PAGING, route


def _product(store, params):
    return store.add(
        {
            "id": params.get("id") or store.new_id("prod"),
            "object": "product",
            "active": params.get("active", True),
            "created": store.now(),
            "default_price": None,
            "description": params.get("description"),
            "images": [],
            "livemode": False,
            "marketing_features": [],
            "metadata": params.get("metadata") or {},
            "name": params["name"],
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": params.get("statement_descriptor"),
            "tax_code": params.get("tax_code"),
            "tax_details": None,
            # Stripe's default for a product made through the API.
            "type": "service",
            "unit_label": params.get("unit_label"),
            "updated": store.now(),
            "url": None,
        }
    )


@route(
    "POST",
    "/v1/products",
    "products.create",
    "ProductCreateParams",
    emulates=(
        "active",
        "description",
        "id",
        "metadata",
        "name",
        "statement_descriptor",
        "tax_code",
        "unit_label",
    ),
)
def create_product(store, params):
    """Create a product; `name` is required."""
    if params.get("id") in store.objects:
        raise invalid("id", f"Product already exists: {params['id']}", "resource_already_exists")
    product = _product(store, params)
    store.emit("product.created", product)
    return product


@route("GET", "/v1/products/<product>", "products.retrieve", "ProductRetrieveParams")
def retrieve_product(store, params, product):
    """Retrieve a product."""
    return store.get("product", product)


@route(
    "GET",
    "/v1/products",
    "products.list",
    "ProductListParams",
    emulates=(*PAGING, "active", "ids", "shippable", "type", "url"),
)
def list_products(store, params):
    """List products by `active`, `ids`, `shippable`, `type`, `url` and creation time."""
    ids = params.get("ids")
    keys = ("active", "shippable", "type", "url")

    def match(product):
        return all(params.get(k, product[k]) == product[k] for k in keys) and (
            not ids or product["id"] in ids
        )

    return store.page("product", params, "/v1/products", match, covers=(*keys, "ids"))


@route(
    "POST",
    "/v1/prices",
    "prices.create",
    "PriceCreateParams",
    emulates=(
        "active",
        "currency",
        "lookup_key",
        "metadata",
        "nickname",
        "product",
        "product_data[active]",
        "product_data[id]",
        "product_data[metadata]",
        "product_data[name]",
        "product_data[statement_descriptor]",
        "product_data[tax_code]",
        "product_data[unit_label]",
        "tax_behavior",
        "transfer_lookup_key",
        "unit_amount",
    ),
)
def create_price(store, params):
    """Create a one-time price of a product (or of a product made from `product_data`)."""
    if "unit_amount" not in params:
        raise missing("unit_amount")
    if params["unit_amount"] < 0:
        raise invalid("unit_amount", "Invalid unit_amount: must be greater than or equal to 0")
    if "recurring" in params:
        raise StripeAPIError("Recurring prices are not emulated.", param="recurring")
    if "product" in params:
        product = store.get("product", params["product"], "product")
    elif "product_data" in params:
        product = _product(store, params["product_data"])
        store.emit("product.created", product)
    else:
        raise missing("product")
    key = params.get("lookup_key")
    holder = _by_lookup_key(store, key) if key else None
    if holder and not params.get("transfer_lookup_key"):
        raise invalid(
            "lookup_key",
            f"A price (`{holder['id']}`) already uses that lookup key.",
            "lookup_key_already_exists",
        )
    if holder:
        holder["lookup_key"] = None
    price = store.add(
        {
            "id": store.new_id("price"),
            "object": "price",
            "active": params.get("active", True),
            "billing_scheme": "per_unit",
            "created": store.now(),
            "currency": params["currency"].lower(),
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": key,
            "metadata": params.get("metadata") or {},
            "nickname": params.get("nickname"),
            "product": product["id"],
            "recurring": None,
            "tax_behavior": params.get("tax_behavior", "unspecified"),
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "one_time",
            "unit_amount": params["unit_amount"],
            "unit_amount_decimal": str(params["unit_amount"]),
        }
    )
    store.emit("price.created", price)
    return price


def _by_lookup_key(store, key):
    for price_id in store.by_type["price"]:
        # Looked at without being noted as read; the one found is read (it may change).
        if store.objects.peek(price_id)["lookup_key"] == key:
            return store.objects[price_id]
    return None


@route("GET", "/v1/prices/<price>", "prices.retrieve", "PriceRetrieveParams")
def retrieve_price(store, params, price):
    """Retrieve a price."""
    return store.get("price", price)


@route(
    "GET",
    "/v1/prices",
    "prices.list",
    "PriceListParams",
    emulates=(*PAGING, "active", "currency", "lookup_keys", "product", "type"),
)
def list_prices(store, params):
    """List prices by `active`, `currency`, `product`, `type`, `lookup_keys` and creation time;
    `recurring` is refused, as the emulator has no recurring prices."""
    keys = params.get("lookup_keys")
    if keys is not None and len(keys) > 10:
        raise invalid("lookup_keys", "You can pass at most 10 lookup_keys.")

    fields = ("active", "currency", "product", "type")

    def match(price):
        return all(params.get(k, price[k]) == price[k] for k in fields) and (
            keys is None or price["lookup_key"] in keys
        )

    return store.page("price", params, "/v1/prices", match, covers=(*fields, "lookup_keys"))


def price_for_line(store, price_id, param):
    """The price a line names, checked as Stripe checks it before billing it."""
    price = store.get("price", price_id, param)
    if not price["active"]:
        raise invalid(param, f"The price `{price_id}` is not active.")
    return price
