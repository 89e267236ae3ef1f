"""schema.py: the parameters of every call checked against the SDK's own request types, with
Stripe's error and the parameter named."""

import pytest
import stripe


def test_unknown_top_level_parameter(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.create({"email": "a@example.com", "favourite_colour": "red"})
    assert error.value.code == "parameter_unknown"
    assert error.value.param == "favourite_colour"


def test_unknown_nested_parameter(client):
    customer = client.v1.customers.create({"email": "a@example.com"})
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(invoice.id, {"lines": [{"price": "price_123"}]})
    assert error.value.code == "parameter_unknown"
    assert error.value.param == "lines[0][price]"


def test_missing_required_parameter(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.products.create({})
    assert error.value.code == "parameter_missing" and error.value.param == "name"


def test_invalid_integer(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.prices.create(
            {"currency": "usd", "unit_amount": "ten", "product_data": {"name": "x"}}
        )
    assert error.value.code == "parameter_invalid_integer"
    assert error.value.param == "unit_amount"


def test_invalid_enum_value(client):
    customer = client.v1.customers.create({"email": "a@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.create({"customer": customer.id, "collection_method": "by_pigeon"})
    assert error.value.param == "collection_method"
