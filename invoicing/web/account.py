"""`GET /config`, `GET /prices`, `GET /tax-rates` and `GET /coupons`: what the browser may
know of the account, and its catalog."""

from flask import Blueprint, current_app

bp = Blueprint("account", __name__)


@bp.get("/config")
def get_config():
    """What the browser may know: the publishable key and the mode."""
    return {
        "publishableKey": current_app.config["STRIPE_PUBLISHABLE_KEY"],
        "mode": current_app.config["MODE"],
        "daysUntilDue": current_app.config["DAYS_UNTIL_DUE"],
    }


@bp.get("/prices")
def list_prices():
    """The catalog: active one-time prices, by currency and amount."""
    prices = current_app.extensions["catalog"].prices().values()
    keys = ("id", "product", "product_id", "nickname", "unit_amount", "currency", "lookup_key")
    ordered = sorted(prices, key=lambda p: (p["currency"], p["unit_amount"], p["product"]))
    return {"data": [{k: p[k] for k in keys} for p in ordered]}


@bp.get("/tax-rates")
def list_tax_rates():
    """The tax rates an invoice may use: the account's active ones, by name."""
    rates = current_app.extensions["catalog"].tax_rates().values()
    ordered = sorted(rates, key=lambda r: (r["display_name"] or "", r["percentage"], r["id"]))
    return {"data": ordered}


@bp.get("/coupons")
def list_coupons():
    """The discounts an invoice may use: the account's valid coupons, each with its active
    promotion codes."""
    catalog = current_app.extensions["catalog"]
    codes = {}
    for code in catalog.promotion_codes().values():
        codes.setdefault(code["coupon"], []).append({"id": code["id"], "code": code["code"]})
    coupons = sorted(catalog.coupons().values(), key=lambda c: (c["name"] or "", c["id"]))
    return {
        "data": [
            {
                **coupon,
                "promotion_codes": sorted(codes.get(coupon["id"], []), key=lambda c: c["code"]),
            }
            for coupon in coupons
        ]
    }
