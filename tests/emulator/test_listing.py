"""listing.py: lists paged by `starting_after` and `ending_before`, filtered by `created` and by
the filters each list declares (or refused as not covered), exact at 100,000 objects, and a page
costing about the same whatever the state's size."""

import pytest
import stripe

from stripe_emulator import Emulator
from tests.helpers import sdk_client

START = 1_700_000_000


def _invoice(number, customer, created):
    """A small invoice of the emulator's shape, enough to be listed."""
    return {
        "id": f"in_{number:07d}",
        "object": "invoice",
        "collection_method": "send_invoice",
        "created": created,
        "customer": customer,
        "customer_account": None,
        "due_date": created + 86400,
        "status": "open",
        "_lines": [],
    }


def _fill(emulator, count, per_second=10, customers=("cus_a", "cus_b", "cus_c")):
    """`count` invoices put in the store directly, `per_second` of them stamped each second from
    START on, their customers taking turns; their ids, oldest first."""
    store = emulator.store
    with store.lock:
        for i in range(count):
            store.add(_invoice(i, customers[i % len(customers)], START + i // per_second))
    return [f"in_{i:07d}" for i in range(count)]


def _ids(listed):
    return [o.id for o in listed]


@pytest.fixture(scope="module")
def big():
    """An emulator holding 100,000 invoices (10 a second over 10,000 seconds), and a client."""
    emulator = Emulator()
    ids = _fill(emulator, 100_000)
    yield emulator, sdk_client(emulator), ids
    emulator.close()


def _pages(client, cursor, start=None):
    """The ids of every page of 100 invoices from `start` on, each page after the last one's
    last id (`starting_after`) or before its first (`ending_before`), in the order visited.

    Through the SDK's `raw_request`, which builds no StripeObjects: 100,000 of them would take
    the test's time, and the SDK's own paging is exercised elsewhere."""
    visited, params = [], {"limit": 100, **({cursor: start} if start else {})}
    while True:
        page = client.raw_request("get", "/v1/invoices", **params).data
        ids = [invoice["id"] for invoice in page["data"]]
        visited += ids if cursor == "starting_after" else ids[::-1]
        if not page["has_more"]:
            return visited
        params[cursor] = ids[-1] if cursor == "starting_after" else ids[0]


def test_paging_visits_each_of_100000_invoices_once_in_order_both_ways(big):
    _, client, ids = big
    assert _pages(client, "starting_after") == ids[::-1]
    assert _pages(client, "ending_before", ids[0]) == ids[1:]
    # The SDK's own paging, over a part of them.
    tail = client.v1.invoices.list({"limit": 100, "starting_after": ids[1000]}).auto_paging_iter()
    assert _ids(tail) == ids[:1000][::-1]


@pytest.mark.parametrize(
    ("created", "first", "last"),
    [
        (START + 5000, 50_000, 50_009),
        ({"gte": START + 5000, "lte": START + 5000}, 50_000, 50_009),
        ({"gt": START + 4999, "lt": START + 5001}, 50_000, 50_009),
        ({"gte": START + 4990, "lt": START + 5020}, 49_900, 50_199),
        ({"gt": START + 9998}, 99_990, 99_999),
        ({"lte": START}, 0, 9),
        ({"lt": START}, None, None),
        ({"gte": START + 10_000}, None, None),
        ({"gt": START + 10, "lt": START + 10}, None, None),
    ],
)
def test_created_filters_are_exact_at_their_bounds(big, created, first, last):
    _, client, ids = big
    listed = client.v1.invoices.list({"limit": 100, "created": created}).auto_paging_iter()
    expected = [] if first is None else ids[first : last + 1][::-1]
    assert _ids(listed) == expected


def test_created_and_a_cursor_together(big):
    _, client, ids = big
    window = {"gte": START + 100, "lt": START + 110}  # invoices 1000 to 1099
    page = client.v1.invoices.list({"limit": 30, "created": window, "starting_after": ids[1050]})
    assert _ids(page.data) == ids[1020:1050][::-1] and page.has_more
    rest = client.v1.invoices.list({"limit": 30, "created": window, "ending_before": ids[1080]})
    assert _ids(rest.data) == ids[1081:1100][::-1] and not rest.has_more


def test_a_filter_walks_its_index_both_ways(big):
    _, client, ids = big
    mine = [i for n, i in enumerate(ids) if n % 3 == 1]  # cus_b's
    page = client.v1.invoices.list({"customer": "cus_b", "limit": 5, "starting_after": ids[50_000]})
    assert _ids(page.data) == [i for i in mine if i < ids[50_000]][::-1][:5]
    page = client.v1.invoices.list({"customer": "cus_b", "limit": 5, "ending_before": ids[50_000]})
    assert _ids(page.data) == [i for i in mine if i > ids[50_000]][:5][::-1]
    newest = client.v1.invoices.list({"customer": "cus_b", "limit": 3})
    assert _ids(newest.data) == mine[::-1][:3] and newest.has_more


def test_events_of_several_types_are_merged_in_order_both_ways(client, customer):
    for i in range(4):
        client.v1.customers.update(customer.id, {"name": f"Jo {i}"})
        client.v1.invoices.create({"customer": customer.id})
    everything = _ids(client.v1.events.list({"limit": 100}).auto_paging_iter())
    wanted = {"customer.updated", "invoice.created"}
    listed = client.v1.events.list({"types": sorted(wanted), "limit": 3}).auto_paging_iter()
    expected = [e.id for e in client.v1.events.list({"limit": 100}).data if e.type in wanted]
    assert _ids(listed) == expected and len(expected) == 8
    wildcard = client.v1.events.list({"type": "invoice.*", "limit": 100}).data
    assert {e.type for e in wildcard} == {"invoice.created"} and len(wildcard) == 4
    back = client.v1.events.list(
        {"types": sorted(wanted), "limit": 3, "ending_before": everything[-1]}
    )
    assert _ids(back.auto_paging_iter()) == expected[::-1]
    assert client.v1.events.list({"type": "invoice.paid"}).data == []


def test_customers_by_email_follow_updates_and_deletes(client):
    first = client.v1.customers.create({"email": "Jo@Example.com"})
    second = client.v1.customers.create({"email": "jo@example.com"})
    assert _ids(client.v1.customers.list({"email": "jo@example.com"}).data) == [second.id]
    found = client.v1.customers.search({"query": "email:'JO@example.COM'"})
    assert _ids(found.data) == [second.id, first.id]
    client.v1.customers.update(first.id, {"email": "new@example.com"})
    assert _ids(client.v1.customers.list({"email": "new@example.com"}).data) == [first.id]
    assert _ids(client.v1.customers.search({"query": "email:'jo@example.com'"}).data) == [second.id]
    client.v1.customers.delete(second.id)
    assert client.v1.customers.list({"email": "jo@example.com"}).data == []


def test_customers_by_creation_time(emulator, client):
    made = [client.v1.customers.create({"email": f"c{i}@example.com"}) for i in range(3)]
    listed = client.v1.customers.list({"created": {"gte": made[0].created}})
    assert _ids(listed.data) == _ids(made)[::-1]
    assert client.v1.customers.list({"created": {"lt": made[0].created}}).data == []


def test_invoices_by_due_date_and_status(client, customer):
    sent = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "due_date": 2_000_000_000}
    )
    client.v1.invoices.create({"customer": customer.id})  # charged automatically: no due date
    assert _ids(client.v1.invoices.list({"due_date": 2_000_000_000}).data) == [sent.id]
    assert _ids(client.v1.invoices.list({"due_date": {"gt": 1_999_999_999}}).data) == [sent.id]
    assert client.v1.invoices.list({"due_date": {"lt": 2_000_000_000}}).data == []
    assert len(client.v1.invoices.list({"status": "draft", "customer": customer.id}).data) == 2
    assert client.v1.invoices.list({"status": "open"}).data == []


def test_pending_invoice_items_true_and_false(client, customer, price):
    pending = client.v1.invoice_items.create({"customer": customer.id, "amount": 500})
    invoice = client.v1.invoices.create({"customer": customer.id})
    client.v1.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price.id}}]})
    on_invoice = client.v1.invoice_items.list({"invoice": invoice.id}).data
    assert _ids(client.v1.invoice_items.list({"pending": True}).data) == [pending.id]
    assert _ids(client.v1.invoice_items.list({"pending": False}).data) == _ids(on_invoice)
    listed = client.v1.invoice_items.list({"customer": customer.id, "pending": True})
    assert _ids(listed.data) == [pending.id]
    dated = client.v1.invoice_items.list({"created": {"gte": pending.date}})
    assert len(dated.data) == 2


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/invoices", {"subscription": "sub_123"}),
        ("/v1/events", {"delivery_success": True}),
        ("/v1/prices", {"recurring": {"interval": "month"}}),
    ],
)
def test_a_declared_filter_the_emulator_does_not_cover_is_refused(client, path, params):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.raw_request("get", path, **params)
    assert refused.value.code == "parameter_unknown"
    assert refused.value.param == next(iter(params))
    assert "does not cover" in refused.value.user_message


def test_a_cursor_that_names_nothing_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.invoices.list({"starting_after": "in_missing"})
    assert refused.value.http_status == 400 and refused.value.param == "starting_after"
