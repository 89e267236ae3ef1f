"""customer_details.py and tax_ids.py: a customer's invoice details and its tax IDs."""

import pytest
import stripe

ADDRESS = {
    "line1": "1 Main St",
    "line2": "Suite 2",
    "city": "London",
    "postal_code": "N1 1AA",
    "state": "",
    "country": "GB",
}


def test_a_customer_is_made_with_its_invoice_details_and_tax_ids(client):
    customer = client.v1.customers.create(
        {
            "name": "Acme Ltd",
            "phone": "+442071234567",
            "address": ADDRESS,
            "shipping": {"name": "Acme Depot", "address": {"line1": "2 Dock Rd", "country": "GB"}},
            "invoice_prefix": "ACME",
            "next_invoice_sequence": 7,
            "invoice_settings": {
                "footer": "Thank you",
                "custom_fields": [{"name": "PO", "value": "42"}],
                "rendering_options": {"amount_tax_display": "include_inclusive_tax"},
            },
            "tax_id_data": [{"type": "gb_vat", "value": "GB123456789"}],
            "expand": ["tax_ids"],
        }
    )
    assert customer.address.to_dict() == {**ADDRESS, "state": None}
    assert customer.shipping.name == "Acme Depot" and customer.shipping.address.city is None
    assert (customer.invoice_prefix, customer.next_invoice_sequence) == ("ACME", 7)
    settings = customer.invoice_settings
    assert settings.footer == "Thank you" and settings.custom_fields[0].value == "42"
    assert settings.rendering_options.amount_tax_display == "include_inclusive_tax"
    (tax_id,) = customer.tax_ids.data
    assert (tax_id.type, tax_id.value, tax_id.country) == ("gb_vat", "GB123456789", "GB")
    assert tax_id.customer == customer.id and tax_id.owner.type == "customer"
    types = [e.type for e in client.v1.events.list().data][::-1]
    assert types == ["customer.created", "customer.tax_id.created"]


def test_a_customers_details_are_updated(client, customer):
    updated = client.v1.customers.update(
        customer.id,
        {
            "address": {"line1": "9 High St", "country": "US", "postal_code": "10001"},
            "invoice_prefix": "JOCO",
            "next_invoice_sequence": 100,
            "invoice_settings": {"footer": "Net 30"},
        },
    )
    assert updated.address.line1 == "9 High St" and updated.invoice_prefix == "JOCO"
    assert updated.invoice_settings.footer == "Net 30"
    event = client.v1.events.list({"type": "customer.updated"}).data[0]
    assert set(event.data.previous_attributes.to_dict()) == {
        "address",
        "invoice_prefix",
        "next_invoice_sequence",
        "invoice_settings",
    }
    cleared = client.v1.customers.update(
        customer.id, {"address": "", "invoice_settings": {"footer": ""}}
    )
    assert cleared.address is None and cleared.invoice_settings.footer is None


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"invoice_prefix": "ab"}, "invoice_prefix"),
        ({"invoice_prefix": "lowercase"}, "invoice_prefix"),
        ({"next_invoice_sequence": 0}, "next_invoice_sequence"),
        ({"shipping": {"name": "", "address": {"line1": "x"}}}, "shipping[name]"),
        (
            {"invoice_settings": {"default_payment_method": "pm_1"}},
            "invoice_settings[default_payment_method]",
        ),
        ({"tax_exempt": "exempt"}, "tax_exempt"),
        ({"balance": 100}, "balance"),
        ({"tax_id_data": [{"type": "eu_vat", "value": "XX1"}]}, "tax_id_data[0][value]"),
    ],
)
def test_customer_details_stripe_would_refuse_are_refused(client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.create(params)
    assert refused.value.http_status == 400 and refused.value.param == param
    assert client.v1.customers.list().data == []


def test_tax_ids_are_made_listed_read_and_deleted_under_their_customer(client, customer):
    vat = client.v1.customers.tax_ids.create(
        customer.id, {"type": "eu_vat", "value": "DE123456789"}
    )
    ein = client.v1.customers.tax_ids.create(customer.id, {"type": "us_ein", "value": "12-3456789"})
    other = client.v1.customers.tax_ids.create(customer.id, {"type": "jp_trn", "value": "T1234"})
    assert (vat.country, ein.country, other.country) == ("DE", "US", "JP")
    assert vat.verification.status == "unavailable"
    listed = client.v1.customers.tax_ids.list(customer.id)
    assert [t.id for t in listed.data] == [other.id, ein.id, vat.id]
    assert client.v1.customers.tax_ids.retrieve(customer.id, vat.id).value == "DE123456789"
    assert client.v1.customers.tax_ids.delete(customer.id, vat.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.customers.tax_ids.retrieve(customer.id, vat.id)
    assert gone.value.http_status == 404
    deleted = client.v1.events.list({"type": "customer.tax_id.deleted"}).data[0]
    assert deleted.data.object.id == vat.id


@pytest.mark.parametrize(
    ("kind", "value"),
    [("eu_vat", "US123456789"), ("gb_vat", "GB12"), ("us_ein", "123"), ("eu_vat", "")],
)
def test_a_tax_id_of_the_wrong_shape_is_refused(client, customer, kind, value):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.tax_ids.create(customer.id, {"type": kind, "value": value})
    assert refused.value.code == "tax_id_invalid" and refused.value.param == "value"
