"""Coupons: create, retrieve, update (name and metadata), delete and list; whether one can
still be redeemed (https://docs.stripe.com/api/coupons).

On a one-off invoice a coupon's `duration` changes nothing (it counts the invoices of a
subscription), so every duration is taken and kept as given.
"""

from decimal import Decimal

from .errors import invalid, missing
from .routes import PAGING, route
from .store import deleted, merge_metadata, random_token

_DURATIONS_NEED_MONTHS = ("repeating",)


def render_coupon(store, coupon):
    """The coupon with `valid` as of now: false once past `redeem_by` or fully redeemed."""
    return {**coupon, "valid": redeemable(store, coupon)}


def redeemable(store, coupon):
    """Whether the coupon can be applied now."""
    if coupon["redeem_by"] is not None and store.now() >= coupon["redeem_by"]:
        return False
    limit = coupon["max_redemptions"]
    return limit is None or coupon["times_redeemed"] < limit


def _amounts(params):
    """The coupon's `percent_off`, or `amount_off` and `currency`: exactly one of them."""
    percent, amount = params.get("percent_off"), params.get("amount_off")
    if (percent is None) == (amount is None):
        raise invalid("percent_off", "You must pass exactly one of percent_off or amount_off.")
    if percent is not None:
        if not Decimal(0) < percent <= Decimal(100):
            raise invalid("percent_off", "percent_off must be greater than 0 and at most 100.")
        if "currency" in params:
            raise invalid("currency", "currency can only be set with amount_off.")
        return {"percent_off": float(percent), "amount_off": None, "currency": None}
    if amount <= 0:
        raise invalid("amount_off", "amount_off must be a positive integer.")
    if "currency" not in params:
        raise missing("currency")
    return {"percent_off": None, "amount_off": amount, "currency": params["currency"].lower()}


def _duration(params):
    """`duration` (once by default) and `duration_in_months`, which only `repeating` takes."""
    duration = params.get("duration", "once")
    months = params.get("duration_in_months")
    if duration in _DURATIONS_NEED_MONTHS and months is None:
        raise missing("duration_in_months")
    if duration not in _DURATIONS_NEED_MONTHS and months is not None:
        raise invalid(
            "duration_in_months", "duration_in_months can only be set when duration=repeating."
        )
    if months is not None and months <= 0:
        raise invalid("duration_in_months", "duration_in_months must be a positive integer.")
    return {"duration": duration, "duration_in_months": months}


def _limits(store, params):
    """`max_redemptions` (positive) and `redeem_by` (in the future)."""
    limit, until = params.get("max_redemptions"), params.get("redeem_by")
    if limit is not None and limit <= 0:
        raise invalid("max_redemptions", "max_redemptions must be a positive integer.")
    if until is not None and until <= store.now():
        raise invalid("redeem_by", "redeem_by must be in the future.")
    return {"max_redemptions": limit, "redeem_by": until}


@route(
    "POST",
    "/v1/coupons",
    "coupons.create",
    "CouponCreateParams",
    emulates=(
        "amount_off",
        "currency",
        "duration",
        "duration_in_months",
        "id",
        "max_redemptions",
        "metadata",
        "name",
        "percent_off",
        "redeem_by",
    ),
)
def create_coupon(store, params):
    """Create a coupon: a percentage or an amount off, redeemable until a limit or a date."""
    coupon_id = params.get("id") or random_token(8)
    if coupon_id in store.objects:
        raise invalid("id", "Coupon already exists.", "resource_already_exists")
    name = params.get("name")
    if name is not None and len(name) > 40:
        raise invalid("name", "A coupon's name is at most 40 characters.")
    coupon = store.add(
        {
            "id": coupon_id,
            "object": "coupon",
            **_amounts(params),
            "created": store.now(),
            **_duration(params),
            "livemode": False,
            **_limits(store, params),
            "metadata": params.get("metadata") or {},
            "name": name,
            "times_redeemed": 0,
            "valid": True,
        }
    )
    store.emit("coupon.created", coupon)
    return coupon


@route("GET", "/v1/coupons/<coupon>", "coupons.retrieve", "CouponRetrieveParams")
def retrieve_coupon(store, params, coupon):
    """Retrieve a coupon."""
    return store.get("coupon", coupon)


@route(
    "POST",
    "/v1/coupons/<coupon>",
    "coupons.update",
    "CouponUpdateParams",
    emulates=("metadata", "name"),
)
def update_coupon(store, params, coupon):
    """Change a coupon's name and metadata (its terms never change)."""
    obj = store.get("coupon", coupon)
    previous = {}
    if "name" in params and params["name"] != obj["name"]:
        previous["name"], obj["name"] = obj["name"], params["name"] or None
    if "metadata" in params:
        merged = merge_metadata(obj["metadata"], params["metadata"])
        if merged != obj["metadata"]:
            previous["metadata"], obj["metadata"] = obj["metadata"], merged
    if previous:  # Stripe sends no event for an update that changes nothing
        store.emit("coupon.updated", obj, previous)
    return obj


@route("DELETE", "/v1/coupons/<coupon>", "coupons.delete", "CouponDeleteParams")
def delete_coupon(store, params, coupon):
    """Delete a coupon: it can no longer be applied; discounts made from it stay."""
    obj = store.get("coupon", coupon)
    snapshot = store.render(obj)
    store.remove(obj)
    store.emit("coupon.deleted", snapshot)
    return deleted(obj)


@route("GET", "/v1/coupons", "coupons.list", "CouponListParams", emulates=PAGING)
def list_coupons(store, params):
    """List coupons, newest first, by creation time."""
    return store.page("coupon", params, "/v1/coupons")
