"""store.py: lists in creation order, paged as Stripe pages them, and the event log: every update
names what changed, and a change that changes nothing makes no event."""


def test_list_pagination(client):
    ids = [client.v1.customers.create({"email": f"c{i}@example.com"}).id for i in range(5)]
    first = client.v1.customers.list({"limit": 2})
    assert first.object == "list" and first.url == "/v1/customers"
    assert [c.id for c in first.data] == ids[::-1][:2] and first.has_more
    rest = client.v1.customers.list({"limit": 10, "starting_after": first.data[-1].id})
    assert [c.id for c in rest.data] == ids[::-1][2:] and not rest.has_more
    before = client.v1.customers.list({"limit": 1, "ending_before": ids[1]})
    assert [c.id for c in before.data] == [ids[2]]
    assert [c.id for c in client.v1.customers.list().auto_paging_iter()] == ids[::-1]


def test_every_update_event_names_what_changed_and_a_no_op_makes_none(client, customer):
    invoice = client.v1.invoices.create({"customer": customer.id, "metadata": {"a": "1"}})
    client.v1.invoices.update(invoice.id, {"metadata": {"b": "2"}})
    client.v1.invoices.update(invoice.id, {"metadata": {"b": "2"}})  # nothing changes
    updated = client.v1.events.list({"type": "invoice.updated"}).data
    assert len(updated) == 1
    assert updated[0].data.previous_attributes.to_dict() == {"metadata": {"a": "1"}}
    assert updated[0].data.object.metadata.to_dict() == {"a": "1", "b": "2"}
    client.v1.customers.update(customer.id, {"name": "Jo"})  # unchanged too
    assert client.v1.events.list({"type": "customer.updated"}).data == []
