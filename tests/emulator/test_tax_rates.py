"""tax_rates.py: tax rates made, read, listed, updated and archived, through the SDK."""

import pytest
import stripe


def test_a_tax_rate_is_made_read_listed_and_updated(client):
    rate = client.v1.tax_rates.create(
        {
            "display_name": "VAT",
            "percentage": 20,
            "inclusive": False,
            "country": "gb",
            "jurisdiction": "UK",
            "description": "UK VAT",
            "tax_type": "vat",
            "metadata": {"k": "v"},
        }
    )
    assert rate.object == "tax_rate" and rate.id.startswith("txr_")
    assert (rate.display_name, rate.percentage, rate.inclusive) == ("VAT", 20.0, False)
    assert (rate.country, rate.jurisdiction, rate.tax_type) == ("GB", "UK", "vat")
    assert rate.active is True and rate.rate_type == "percentage"
    assert rate.effective_percentage == 20.0 and rate.description == "UK VAT"
    assert client.v1.tax_rates.retrieve(rate.id).percentage == 20.0
    inclusive = client.v1.tax_rates.create(
        {"display_name": "MwSt", "percentage": 19.0, "inclusive": True, "state": "BY"}
    )
    assert [r.id for r in client.v1.tax_rates.list({"inclusive": True}).data] == [inclusive.id]
    archived = client.v1.tax_rates.update(rate.id, {"active": False, "display_name": "Old VAT"})
    assert archived.active is False and archived.display_name == "Old VAT"
    assert [r.id for r in client.v1.tax_rates.list({"active": True}).data] == [inclusive.id]
    events = client.v1.events.list({"type": "tax_rate.*"}).data
    assert [e.type for e in events] == ["tax_rate.updated", "tax_rate.created", "tax_rate.created"]
    assert events[0].data.previous_attributes.to_dict() == {"active": True, "display_name": "VAT"}


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"display_name": "VAT", "inclusive": False}, "percentage"),
        ({"display_name": "VAT", "percentage": 101, "inclusive": False}, "percentage"),
        ({"display_name": "VAT", "percentage": -1, "inclusive": False}, "percentage"),
        ({"display_name": "VAT", "percentage": 1.23456, "inclusive": False}, "percentage"),
        ({"display_name": "", "percentage": 5, "inclusive": False}, "display_name"),
        ({"display_name": "VAT", "percentage": 5, "inclusive": False, "country": "GBR"}, "country"),
        ({"display_name": "VAT", "percentage": 5, "inclusive": "maybe"}, "inclusive"),
    ],
)
def test_a_tax_rate_stripe_would_refuse_is_refused(client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.tax_rates.create(params)
    assert refused.value.http_status == 400 and refused.value.param == param


def test_an_archived_or_missing_tax_rate_cannot_be_applied(client, customer):
    rate = client.v1.tax_rates.create({"display_name": "VAT", "percentage": 20, "inclusive": False})
    client.v1.tax_rates.update(rate.id, {"active": False})
    base = {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 7}
    for rates, code in (([rate.id], None), (["txr_missing"], "resource_missing")):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.v1.invoices.create({**base, "default_tax_rates": rates})
        assert refused.value.http_status == 400 and refused.value.code == code
        assert refused.value.param == "default_tax_rates[0]"
    assert client.v1.invoices.list().data == []
