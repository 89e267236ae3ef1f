"""Promotion codes: a customer-facing code for a coupon (`promotion[coupon]`, as this API
version names it); create, retrieve, update (active, metadata) and list
(https://docs.stripe.com/api/promotion_codes)."""

import re

from .coupons import redeemable
from .customers import live_customer
from .errors import invalid
from .indexes import indexed
from .routes import PAGING, route
from .store import merge_metadata, random_token

# Stripe's rule for a code: letters, digits and dashes, up to 500 characters.
_CODE = re.compile(r"[A-Za-z0-9-]{1,500}")


def _active_code(promo):
    # Filed only while active: an active code is unique among active codes, case-insensitively.
    return promo["code"].upper() if promo["active"] else None


indexed("promotion_code", "active_code", _active_code, changes=True)


def usable(store, promo):
    """Whether the promotion code can be redeemed now (its coupon too)."""
    if not promo["active"]:
        return False
    if promo["expires_at"] is not None and store.now() >= promo["expires_at"]:
        return False
    limit = promo["max_redemptions"]
    if limit is not None and promo["times_redeemed"] >= limit:
        return False
    coupon = store.objects.get(promo["promotion"]["coupon"])
    return coupon is not None and redeemable(store, coupon)


def _check_code(store, code):
    if not _CODE.fullmatch(code):
        raise invalid("code", "A code is 1 to 500 letters, digits and dashes.")
    if any(store.filed("promotion_code", "active_code", [code.upper()])):
        raise invalid(
            "code",
            "An active promotion code with this code already exists.",
            "resource_already_exists",
        )


def _terms(store, params):
    """The code's customer, expiry and redemption limit, checked."""
    customer = params.get("customer")
    if customer is not None:
        customer = live_customer(store, customer, "customer")["id"]
    expires_at, limit = params.get("expires_at"), params.get("max_redemptions")
    if expires_at is not None and expires_at <= store.now():
        raise invalid("expires_at", "expires_at must be in the future.")
    if limit is not None and limit <= 0:
        raise invalid("max_redemptions", "max_redemptions must be a positive integer.")
    return {"customer": customer, "expires_at": expires_at, "max_redemptions": limit}


@route(
    "POST",
    "/v1/promotion_codes",
    "promotion_codes.create",
    "PromotionCodeCreateParams",
    emulates=(
        "active",
        "code",
        "customer",
        "expires_at",
        "max_redemptions",
        "metadata",
        "promotion[coupon]",
        "promotion[type]",
    ),
)
def create_promotion_code(store, params):
    """Create a promotion code for a coupon; its `code` is made up when not given."""
    coupon_id = params["promotion"].get("coupon")
    if coupon_id is None:
        raise invalid("promotion[coupon]", "Missing required param: promotion[coupon].")
    coupon = store.get("coupon", coupon_id, "promotion[coupon]")
    code = params.get("code") or random_token(8).upper()
    active = params.get("active", True)
    if active:
        _check_code(store, code)
    promo = store.add(
        {
            "id": store.new_id("promo"),
            "object": "promotion_code",
            "active": active,
            "code": code,
            "created": store.now(),
            **_terms(store, params),
            "customer_account": None,
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "promotion": {"coupon": coupon["id"], "type": "coupon"},
            "restrictions": {
                "first_time_transaction": False,
                "minimum_amount": None,
                "minimum_amount_currency": None,
            },
            "times_redeemed": 0,
        }
    )
    store.emit("promotion_code.created", promo)
    return promo


@route(
    "GET",
    "/v1/promotion_codes/<promo>",
    "promotion_codes.retrieve",
    "PromotionCodeRetrieveParams",
)
def retrieve_promotion_code(store, params, promo):
    """Retrieve a promotion code."""
    return store.get("promotion_code", promo)


@route(
    "POST",
    "/v1/promotion_codes/<promo>",
    "promotion_codes.update",
    "PromotionCodeUpdateParams",
    emulates=("active", "metadata"),
)
def update_promotion_code(store, params, promo):
    """Turn a promotion code off or on again, and change its metadata."""
    obj = store.get("promotion_code", promo)
    previous = {}
    if "active" in params and params["active"] != obj["active"]:
        if params["active"]:
            _check_code(store, obj["code"])
        previous["active"], obj["active"] = obj["active"], params["active"]
    if "metadata" in params:
        merged = merge_metadata(obj["metadata"], params["metadata"])
        if merged != obj["metadata"]:
            previous["metadata"], obj["metadata"] = obj["metadata"], merged
    store.refile(obj)
    if previous:  # Stripe sends no event for an update that changes nothing
        store.emit("promotion_code.updated", obj, previous)
    return obj


@route(
    "GET",
    "/v1/promotion_codes",
    "promotion_codes.list",
    "PromotionCodeListParams",
    emulates=(*PAGING, "active", "code", "coupon", "customer"),
)
def list_promotion_codes(store, params):
    """List promotion codes by active, code (exact, case-insensitive), coupon, customer."""

    def match(promo):
        if "code" in params and promo["code"].upper() != params["code"].upper():
            return False
        if params.get("coupon", promo["promotion"]["coupon"]) != promo["promotion"]["coupon"]:
            return False
        return all(params.get(k, promo[k]) == promo[k] for k in ("active", "customer"))

    covers = ("active", "code", "coupon", "customer")
    return store.page("promotion_code", params, "/v1/promotion_codes", match, covers=covers)
