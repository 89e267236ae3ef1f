"""catalog.py: products and prices, found by lookup key, with the product expanded on request."""

import pytest
import stripe


def make_price(client, amount=1000, currency="usd", **extra):
    return client.v1.prices.create(
        {
            "currency": currency,
            "unit_amount": amount,
            "product_data": {"name": "Gold Special"},
            **extra,
        }
    )


def test_prices_by_lookup_key_with_expanded_product(client):
    gold = make_price(client, lookup_key="gold")
    make_price(client, 500, lookup_key="silver")
    inactive = make_price(client, 100, active=False)
    listed = client.v1.prices.list({"lookup_keys": ["gold"], "expand": ["data.product"]})
    assert [p.id for p in listed.data] == [gold.id]
    assert listed.data[0].product.name == "Gold Special"
    # Expanding changes only that answer, not the stored price.
    assert isinstance(client.v1.prices.retrieve(gold.id).product, str)
    assert isinstance(client.v1.prices.list({"lookup_keys": ["gold"]}).data[0].product, str)
    active = client.v1.prices.list({"active": True})
    assert inactive.id not in [p.id for p in active.data] and len(active.data) == 2
    with pytest.raises(stripe.InvalidRequestError) as error:
        make_price(client, lookup_key="gold")
    assert error.value.param == "lookup_key"
    moved = make_price(client, 1200, lookup_key="gold", transfer_lookup_key=True)
    assert client.v1.prices.list({"lookup_keys": ["gold"]}).data[0].id == moved.id


def test_price_for_existing_product(client):
    product = client.v1.products.create({"name": "Silver"})
    price = client.v1.prices.create({"product": product.id, "unit_amount": 250, "currency": "EUR"})
    assert price.product == product.id and price.currency == "eur"
    assert client.v1.prices.retrieve(price.id).unit_amount == 250
    assert [p.id for p in client.v1.products.list().data] == [product.id]
