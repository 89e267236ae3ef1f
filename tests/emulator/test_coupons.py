"""coupons.py and promotion_codes.py: coupons and their promotion codes, through the SDK."""

import pytest
import stripe


def test_a_percent_off_coupon_is_made_read_listed_updated_and_deleted(client):
    coupon = client.v1.coupons.create(
        {"percent_off": 25.5, "name": "Spring", "max_redemptions": 3, "metadata": {"k": "v"}}
    )
    assert coupon.object == "coupon" and coupon.percent_off == 25.5 and coupon.amount_off is None
    assert coupon.duration == "once" and coupon.valid is True and coupon.times_redeemed == 0
    assert coupon.max_redemptions == 3 and coupon.redeem_by is None
    assert client.v1.coupons.retrieve(coupon.id).name == "Spring"
    assert [c.id for c in client.v1.coupons.list().data] == [coupon.id]
    renamed = client.v1.coupons.update(coupon.id, {"name": "Summer", "metadata": {"k": ""}})
    assert renamed.name == "Summer" and renamed.metadata.to_dict() == {}
    assert client.v1.coupons.delete(coupon.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.coupons.retrieve(coupon.id)
    assert gone.value.http_status == 404
    types = [e.type for e in client.v1.events.list().data][::-1]
    assert types == ["coupon.created", "coupon.updated", "coupon.deleted"]


def test_an_amount_off_coupon_with_its_own_id_and_durations(client, emulator):
    coupon = client.v1.coupons.create(
        {"id": "TENOFF", "amount_off": 1000, "currency": "EUR", "redeem_by": 4102444800}
    )
    assert (coupon.id, coupon.amount_off, coupon.currency) == ("TENOFF", 1000, "eur")
    assert coupon.redeem_by == 4102444800
    repeating = client.v1.coupons.create(
        {"percent_off": 10, "duration": "repeating", "duration_in_months": 3}
    )
    assert (repeating.duration, repeating.duration_in_months) == ("repeating", 3)
    assert client.v1.coupons.create({"percent_off": 5, "duration": "forever"}).duration == "forever"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "percent_off"),
        ({"percent_off": 10, "amount_off": 100, "currency": "usd"}, "percent_off"),
        ({"percent_off": 0}, "percent_off"),
        ({"percent_off": 100.5}, "percent_off"),
        ({"amount_off": 100}, "currency"),
        ({"amount_off": 0, "currency": "usd"}, "amount_off"),
        ({"percent_off": 10, "currency": "usd"}, "currency"),
        ({"percent_off": 10, "duration": "repeating"}, "duration_in_months"),
        ({"percent_off": 10, "duration_in_months": 2}, "duration_in_months"),
        ({"percent_off": 10, "max_redemptions": 0}, "max_redemptions"),
        ({"percent_off": 10, "redeem_by": 1}, "redeem_by"),
        ({"percent_off": 10, "applies_to": {"products": ["prod_1"]}}, "applies_to"),
    ],
)
def test_a_coupon_stripe_would_refuse_is_refused(client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.coupons.create(params)
    assert refused.value.http_status == 400 and refused.value.param == param


def test_a_coupon_id_is_taken_once(client):
    client.v1.coupons.create({"id": "ONCE", "percent_off": 10})
    with pytest.raises(stripe.InvalidRequestError) as taken:
        client.v1.coupons.create({"id": "ONCE", "percent_off": 10})
    assert taken.value.code == "resource_already_exists"


def test_a_promotion_code_names_its_coupon_as_this_api_version_does(client, customer):
    coupon = client.v1.coupons.create({"percent_off": 10})
    promo = client.v1.promotion_codes.create(
        {
            "promotion": {"type": "coupon", "coupon": coupon.id},
            "code": "SPRING10",
            "customer": customer.id,
            "max_redemptions": 5,
            "expires_at": 4102444800,
            "metadata": {"campaign": "spring"},
        }
    )
    assert promo.object == "promotion_code" and promo.code == "SPRING10" and promo.active
    assert promo.promotion.coupon == coupon.id and promo.promotion.type == "coupon"
    assert (promo.customer, promo.max_redemptions, promo.expires_at) == (
        customer.id,
        5,
        4102444800,
    )
    expanded = client.v1.promotion_codes.retrieve(
        promo.id, {"expand": ["promotion.coupon", "customer"]}
    )
    assert expanded.promotion.coupon.percent_off == 10 and expanded.customer.id == customer.id
    listed = client.v1.promotion_codes.list({"code": "spring10", "coupon": coupon.id})
    assert [p.id for p in listed.data] == [promo.id]
    off = client.v1.promotion_codes.update(promo.id, {"active": False})
    assert off.active is False
    assert client.v1.promotion_codes.list({"active": True}).data == []
    types = [e.type for e in client.v1.events.list({"type": "promotion_code.*"}).data]
    assert types == ["promotion_code.updated", "promotion_code.created"]


def test_an_active_code_is_unique_and_a_missing_coupon_is_named(client):
    coupon = client.v1.coupons.create({"percent_off": 10})
    made = client.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": coupon.id}})
    assert len(made.code) == 8 and made.code.isupper()
    with pytest.raises(stripe.InvalidRequestError) as taken:
        client.v1.promotion_codes.create(
            {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": made.code.lower()}
        )
    assert taken.value.code == "resource_already_exists"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": "nope"}})
    assert missing.value.http_status == 400 and missing.value.code == "resource_missing"
    assert missing.value.param == "promotion[coupon]"
