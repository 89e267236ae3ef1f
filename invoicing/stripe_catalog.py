"""The catalog's Stripe calls: the sample catalog emulator mode starts with, and fetching the
account's prices, tax rates, coupons and promotion codes (invoicing/catalog.py caches them). No
database work happens here."""

# The guide's "Gold Special" and two more, found again by lookup_key so a restart adds nothing.
SAMPLE_CATALOG = (
    ("gold_special", "Gold Special", 1000),
    ("consulting_hour", "Consulting hour", 15000),
    ("setup_fee", "Setup fee", 25000),
)


# Emulator mode's sample tax rates and discount, found again by name or id so a restart adds
# nothing: an exclusive VAT, an inclusive GST, and 10% off once (code WELCOME10).
SAMPLE_TAX_RATES = (("VAT", 20, False, "FR"), ("GST", 10, True, "AU"))
SAMPLE_COUPON = ("WELCOME", "Welcome, 10% off", 10, "WELCOME10")


def seed_catalog(stripe_client):
    """Create the sample products and prices that are missing, by lookup_key."""
    keys = [key for key, _, _ in SAMPLE_CATALOG]
    found = {p.lookup_key for p in stripe_client.v1.prices.list({"lookup_keys": keys}).data}
    for key, name, amount in SAMPLE_CATALOG:
        if key not in found:
            stripe_client.v1.prices.create(
                {
                    "currency": "usd",
                    "unit_amount": amount,
                    "lookup_key": key,
                    "product_data": {"name": name},
                },
                {"idempotency_key": f"seed-catalog-{key}"},
            )


def fetch_catalog(stripe_client):
    """The account's active one-time prices with a fixed amount, as `{id: price}`."""
    prices = stripe_client.v1.prices.list(
        {"active": True, "limit": 100, "expand": ["data.product"]}
    )
    catalog = {}
    for price in prices.auto_paging_iter():
        product = price.product
        if price.type != "one_time" or price.unit_amount is None or not product.active:
            continue
        catalog[price.id] = {
            "id": price.id,
            "product": product.name,
            "product_id": product.id,
            "nickname": price.nickname,
            "unit_amount": price.unit_amount,
            "currency": price.currency,
            "lookup_key": price.lookup_key,
        }
    return catalog


_RATE_FIELDS = ("id", "display_name", "percentage", "inclusive", "country", "jurisdiction")
_COUPON_FIELDS = ("id", "name", "percent_off", "amount_off", "currency", "duration")


def fetch_tax_rates(stripe_client):
    """The account's active tax rates, as `{id: rate}`."""
    rates = stripe_client.v1.tax_rates.list({"active": True, "limit": 100}).auto_paging_iter()
    return {rate.id: {key: rate[key] for key in _RATE_FIELDS} for rate in rates}


def fetch_coupons(stripe_client):
    """The account's coupons still valid, and the active promotion codes of those, as
    `({id: coupon}, {id: promotion code})`."""
    listed = stripe_client.v1.coupons.list({"limit": 100}).auto_paging_iter()
    coupons = {c.id: {key: c[key] for key in _COUPON_FIELDS} for c in listed if c.valid}
    codes = {}
    listed = stripe_client.v1.promotion_codes.list({"active": True, "limit": 100})
    for code in listed.auto_paging_iter():
        coupon = code.promotion.coupon if code.promotion else None
        coupon = coupon if isinstance(coupon, str) or coupon is None else coupon.id
        if coupon in coupons:
            codes[code.id] = {"id": code.id, "code": code.code, "coupon": coupon}
    return coupons, codes


def seed_adjustments(stripe_client):
    """Create emulator mode's sample tax rates and coupon (with its code) that are missing."""
    listed = stripe_client.v1.tax_rates.list({"active": True, "limit": 100}).auto_paging_iter()
    found = {(rate.display_name, rate.percentage) for rate in listed}
    for name, percent, inclusive, country in SAMPLE_TAX_RATES:
        if (name, percent) not in found:
            params = {"display_name": name, "percentage": percent, "inclusive": inclusive,
                      "country": country}  # fmt: skip
            stripe_client.v1.tax_rates.create(params, {"idempotency_key": f"seed-tax-{name}"})
    coupon_id, name, percent, code = SAMPLE_COUPON
    known = {c.id for c in stripe_client.v1.coupons.list({"limit": 100}).auto_paging_iter()}
    if coupon_id not in known:
        params = {"id": coupon_id, "name": name, "percent_off": percent, "duration": "once"}
        stripe_client.v1.coupons.create(params, {"idempotency_key": f"seed-coupon-{coupon_id}"})
        promotion = {"promotion": {"type": "coupon", "coupon": coupon_id}, "code": code}
        stripe_client.v1.promotion_codes.create(promotion, {"idempotency_key": f"seed-code-{code}"})
