"""customers.py: create, retrieve, update, delete, list and search customers."""

import pytest
import stripe


def test_customer_update_delete_list_and_search(client):
    jo = client.v1.customers.create({"email": "jo@example.com", "name": "Jo"})
    client.v1.customers.create({"email": "al@example.com"})
    updated = client.v1.customers.update(jo.id, {"name": "Jo Bloggs", "metadata": {"tier": "gold"}})
    assert updated.name == "Jo Bloggs" and updated.metadata["tier"] == "gold"
    assert [c.id for c in client.v1.customers.list({"email": "jo@example.com"}).data] == [jo.id]
    found = client.v1.customers.search({"query": "email:'JO@example.com'"})
    assert found.object == "search_result" and [c.id for c in found.data] == [jo.id]
    gone = client.v1.customers.delete(jo.id)
    assert gone.deleted is True
    assert client.v1.customers.retrieve(jo.id).deleted is True
    assert client.v1.customers.list({"email": "jo@example.com"}).data == []
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.search({"query": "email~'x'"})
