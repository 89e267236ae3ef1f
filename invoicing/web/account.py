"""`GET /config` and `GET /prices`: what the browser may know of the account, and its catalog."""

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
