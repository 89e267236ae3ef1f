"""Discounts: a coupon applied to an invoice or an invoice item, directly or through a
promotion code; each one a Discount object (`di_...`) its owner lists by id, made when it is
applied, which is when the coupon (and the code) count a redemption."""

from .coupons import redeemable
from .errors import invalid
from .promotion_codes import usable

MAX_DISCOUNTS = 20


def _coupon(store, entry, param, customer):
    """The coupon an entry of `discounts` applies, and its promotion code (or None)."""
    if ("coupon" in entry) == ("promotion_code" in entry):
        raise invalid(param, f"Pass either {param}[coupon] or {param}[promotion_code].")
    if "coupon" in entry:
        coupon = store.get("coupon", entry["coupon"], f"{param}[coupon]")
        return coupon, None
    code_param = f"{param}[promotion_code]"
    promo = store.get("promotion_code", entry["promotion_code"], code_param)
    if not usable(store, promo):
        raise invalid(code_param, f"This promotion code cannot be redeemed: {promo['code']}.")
    if promo["customer"] is not None and promo["customer"] != customer:
        raise invalid(code_param, "This promotion code is restricted to another customer.")
    return store.objects[promo["promotion"]["coupon"]], promo


def _check_coupon(store, coupon, param, currency):
    if not redeemable(store, coupon):
        raise invalid(param, f"Coupon expired: {coupon['id']}", "coupon_expired")
    if coupon["amount_off"] is not None and currency and coupon["currency"] != currency:
        raise invalid(
            param,
            f"The coupon's currency ({coupon['currency']}) differs from the invoice's "
            f"({currency}).",
        )


def check(store, entries, param, customer, currency):
    """The coupons (and promotion codes) of `discounts` (`[{coupon} | {promotion_code}]`),
    each checked, for `make` once everything else the call asks is checked too: a refused call
    redeems nothing."""
    if entries == "":
        return []
    if len(entries) > MAX_DISCOUNTS:
        raise invalid(param, f"You can apply at most {MAX_DISCOUNTS} discounts.")
    found = []
    for i, entry in enumerate(entries):
        coupon, promo = _coupon(store, entry, f"{param}[{i}]", customer)
        _check_coupon(store, coupon, f"{param}[{i}]", currency)
        if any(c["id"] == coupon["id"] for c, _ in found):
            raise invalid(f"{param}[{i}]", "The same coupon can only be applied once.")
        found.append((coupon, promo))
    return found


def make(store, found, customer, invoice=None, item=None):
    """A Discount for each (coupon, promotion code) of `check` on the invoice or invoice item
    with these ids, each counted as a redemption; their ids, in order."""
    return [_make(store, c, p, customer, invoice, item)["id"] for c, p in found]


def _make(store, coupon, promo, customer, invoice, item):
    coupon["times_redeemed"] += 1
    if promo is not None:
        promo["times_redeemed"] += 1
    return store.add(
        {
            "id": store.new_id("di"),
            "object": "discount",
            "checkout_session": None,
            "customer": customer,
            "customer_account": None,
            "end": None,
            "invoice": invoice,
            "invoice_item": item,
            "promotion_code": promo["id"] if promo else None,
            "source": {"coupon": coupon["id"], "type": "coupon"},
            "start": store.now(),
            "subscription": None,
            "subscription_item": None,
            # The coupon's terms as applied: a coupon deleted later still discounts.
            "_off": {
                "percent_off": coupon["percent_off"],
                "amount_off": coupon["amount_off"],
            },
        }
    )


def remove(store, discount_ids):
    """Forget discounts replaced on their invoice or item (a draft's `discounts` updated)."""
    for discount_id in discount_ids:
        found = store.objects.get(discount_id)
        if found is not None:
            store.remove(found)


def terms(store, discount_id):
    """A discount's `percent_off` and `amount_off` as applied."""
    return store.objects[discount_id]["_off"]
