"""balance_transactions.py: a customer's balance ledger through the real SDK, adjustments made
through the API, and the transactions finalization records when it applies or carries a
balance."""

import pytest
import stripe

from tests.helpers import draft_invoice, sent_invoice


def _balance_events(client):
    return [
        e.data.previous_attributes.to_dict()
        for e in client.v1.events.list({"type": "customer.updated"}).data
    ]


def test_an_adjustment_moves_the_balance_and_sets_the_currency(client, customer):
    assert customer.currency is None
    credit = client.v1.customers.balance_transactions.create(
        customer.id,
        {"amount": -500, "currency": "USD", "description": "Goodwill", "metadata": {"k": "v"}},
    )
    assert credit.id.startswith("cbtxn_") and credit.object == "customer_balance_transaction"
    assert (credit.type, credit.amount, credit.ending_balance, credit.currency) == (
        "adjustment",
        -500,
        -500,
        "usd",
    )
    assert (credit.customer, credit.invoice, credit.credit_note) == (customer.id, None, None)
    assert (credit.description, credit.metadata.to_dict()) == ("Goodwill", {"k": "v"})
    after = client.v1.customers.retrieve(customer.id)
    assert (after.balance, after.currency) == (-500, "usd")
    assert _balance_events(client) == [{"balance": 0, "currency": None}]
    debit = client.v1.customers.balance_transactions.create(
        customer.id, {"amount": 200, "currency": "usd"}
    )
    assert debit.ending_balance == -300
    assert _balance_events(client)[0] == {"balance": -500}


@pytest.mark.parametrize(
    "params, param",
    [
        ({"amount": 0, "currency": "usd"}, "amount"),
        ({"amount": -100, "currency": "eur"}, "currency"),
        ({"amount": -100}, "currency"),
        ({"amount": -100, "currency": "usd", "invoice": "in_1"}, "invoice"),
    ],
)
def test_refusals_name_the_param(client, customer, params, param):
    client.v1.customers.balance_transactions.create(customer.id, {"amount": -1, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.balance_transactions.create(customer.id, params)
    assert error.value.http_status == 400 and error.value.param == param
    assert client.v1.customers.retrieve(customer.id).balance == -1


def test_list_retrieve_and_update(client, customer):
    other = client.v1.customers.create({"email": "other@example.com"})
    made = [
        client.v1.customers.balance_transactions.create(
            customer.id, {"amount": amount, "currency": "usd"}
        )
        for amount in (-100, -200, 50)
    ]
    theirs = client.v1.customers.balance_transactions.create(
        other.id, {"amount": -1, "currency": "usd"}
    )
    listed = client.v1.customers.balance_transactions.list(customer.id)
    assert [t.id for t in listed.data] == [t.id for t in made[::-1]]
    page = client.v1.customers.balance_transactions.list(
        customer.id, {"limit": 1, "starting_after": made[2].id}
    )
    assert [t.id for t in page.data] == [made[1].id] and page.has_more
    since = client.v1.customers.balance_transactions.list(
        customer.id, {"created": {"gte": made[0].created}}
    )
    assert len(since.data) == 3
    found = client.v1.customers.balance_transactions.retrieve(customer.id, made[0].id)
    assert found.amount == -100
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.balance_transactions.retrieve(customer.id, theirs.id)
    assert error.value.http_status == 404
    before = len(client.v1.events.list({"limit": 100}).data)
    updated = client.v1.customers.balance_transactions.update(
        customer.id, made[0].id, {"description": "Refund credit", "metadata": {"k": "v"}}
    )
    assert (updated.description, updated.metadata.to_dict()) == ("Refund credit", {"k": "v"})
    assert len(client.v1.events.list({"limit": 100}).data) == before  # no event
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.balance_transactions.update(customer.id, made[0].id, {"amount": 1})
    assert error.value.param == "amount"


def test_a_deleted_customer_has_no_ledger(client, customer):
    client.v1.customers.delete(customer.id)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.balance_transactions.list(customer.id)
    assert error.value.http_status == 404


def test_finalization_applies_a_credit_by_a_transaction(client, customer, price):
    client.v1.customers.balance_transactions.create(
        customer.id, {"amount": -500, "currency": "usd"}
    )
    invoice = sent_invoice(client, customer, price)
    assert (invoice.starting_balance, invoice.ending_balance, invoice.amount_due) == (
        -500,
        0,
        1500,
    )
    applied = client.v1.customers.balance_transactions.list(
        customer.id, {"invoice": invoice.id}
    ).data
    assert [(t.type, t.amount, t.ending_balance) for t in applied] == [
        ("applied_to_invoice", 500, 0)
    ]
    assert client.v1.customers.retrieve(customer.id).balance == 0
    assert _balance_events(client)[0] == {"balance": -500}


def test_a_credit_larger_than_the_invoice_leaves_the_rest(client, customer, price):
    client.v1.customers.balance_transactions.create(
        customer.id, {"amount": -5000, "currency": "usd"}
    )
    invoice = sent_invoice(client, customer, price)
    assert (invoice.status, invoice.ending_balance, invoice.amount_paid) == ("paid", -3000, 0)
    (applied,) = client.v1.customers.balance_transactions.list(
        customer.id, {"invoice": invoice.id}
    ).data
    assert (applied.amount, applied.ending_balance) == (2000, -3000)


def test_an_amount_too_small_to_charge_is_carried_to_the_balance(client, customer):
    cheap = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 20, "product_data": {"name": "Sticker"}}
    )
    small = draft_invoice(client, customer)
    client.v1.invoice_items.create(
        {"customer": customer.id, "invoice": small.id, "pricing": {"price": cheap.id}}
    )
    client.v1.invoices.finalize_invoice(small.id)
    (carried,) = client.v1.customers.balance_transactions.list(customer.id).data
    assert (carried.type, carried.amount, carried.invoice) == ("invoice_too_small", 20, small.id)
    assert client.v1.customers.retrieve(customer.id).currency == "usd"
    nxt = draft_invoice(client, customer)
    client.v1.invoice_items.create(
        {"customer": customer.id, "invoice": nxt.id, "pricing": {"price": cheap.id}}
    )
    client.v1.invoices.finalize_invoice(nxt.id)  # 20 + 20 carried: still too small
    kinds = [t.type for t in client.v1.customers.balance_transactions.list(customer.id).data]
    assert kinds == ["invoice_too_small", "applied_to_invoice", "invoice_too_small"]
    assert client.v1.customers.retrieve(customer.id).balance == 40
