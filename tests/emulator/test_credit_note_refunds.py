"""credit_note_refunds.py: a credit note's post-payment amount given back by refunds of the
invoice's payments, by a credit to the customer's balance, or out of band; previews, voids and
the Dashboard-like control with those fields."""

import pytest
import stripe
from werkzeug.test import Client

from tests.helpers import sent_invoice


@pytest.fixture
def paid(emulator, client, customer, price):
    """A $30.00 invoice paid by card on the hosted page."""
    invoice = sent_invoice(client, customer, price, quantity=3)
    emulator.simulate_payment(invoice.id, "succeed")
    return client.v1.invoices.retrieve(invoice.id)


def _types(client, since):
    types = [e.type for e in client.v1.events.list({"limit": 100}).auto_paging_iter()][::-1]
    return types[len(types) - types[::-1].index(since) :]


def test_refund_amount_refunds_the_payment(client, paid):
    note = client.v1.credit_notes.create(
        {
            "invoice": paid.id,
            "amount": 1000,
            "refund_amount": 1000,
            "reason": "duplicate",
            "expand": ["refunds.refund"],
        }
    )
    assert (note.type, note.post_payment_amount, note.out_of_band_amount) == (
        "post_payment",
        1000,
        None,
    )
    (entry,) = note.refunds
    assert (entry.type, entry.amount_refunded, entry.payment_record_refund) == (
        "refund",
        1000,
        None,
    )
    assert (entry.refund.object, entry.refund.amount, entry.refund.status) == (
        "refund",
        1000,
        "succeeded",
    )
    assert entry.refund.reason == "duplicate"
    assert note.customer_balance_transaction is None
    shown = client.v1.credit_notes.retrieve(note.id)
    assert shown.refunds[0].refund == entry.refund.id  # an id unless expanded
    expanded = client.v1.credit_notes.retrieve(note.id, {"expand": ["refunds.refund"]})
    assert expanded.refunds[0].refund.charge == entry.refund.charge
    assert _types(client, "invoice.payment_succeeded") == [
        "refund.created",
        "charge.refunded",
        "credit_note.created",
        "invoice.updated",
    ]
    after = client.v1.invoices.retrieve(paid.id)
    assert (after.amount_paid, after.post_payment_credit_notes_amount) == (3000, 1000)


def test_a_refund_spreads_over_charges_newest_first(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price, quantity=3)
    emulator.simulate_payment(invoice.id, "succeed", amount=2000)
    emulator.simulate_payment(invoice.id, "succeed")  # the newest: $10.00
    note = client.v1.credit_notes.create(
        {"invoice": invoice.id, "amount": 2500, "refund_amount": 2500, "expand": ["refunds.refund"]}
    )
    assert [(r.amount_refunded, r.refund.amount) for r in note.refunds] == [(1000, 1000),
                                                                          (1500, 1500)]  # fmt: skip
    charges = {c.amount: c for c in client.v1.charges.list().data}
    assert (charges[1000].amount_refunded, charges[2000].amount_refunded) == (1000, 1500)


@pytest.mark.parametrize("how", ["out of band", "refunded in the Dashboard"])
def test_refund_amount_beyond_what_stripe_can_refund_is_refused(
    emulator, client, customer, price, how
):
    invoice = sent_invoice(client, customer, price)
    if how == "out of band":
        client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})
    else:
        emulator.simulate_payment(invoice.id, "succeed")
        emulator.refund_invoice(invoice.id, 1500)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.create({"invoice": invoice.id, "amount": 600, "refund_amount": 600})
    assert error.value.http_status == 400 and error.value.param == "refund_amount"
    assert client.v1.credit_notes.list().data == []


def test_credit_amount_credits_the_balance_which_the_next_invoice_takes(
    client, customer, price, paid
):
    note = client.v1.credit_notes.create(
        {
            "invoice": paid.id,
            "amount": 700,
            "credit_amount": 700,
            "expand": ["customer_balance_transaction"],
        }
    )
    credit = note.customer_balance_transaction
    assert (credit.type, credit.amount, credit.ending_balance) == ("credit_note", -700, -700)
    assert (credit.credit_note, credit.invoice) == (note.id, paid.id)
    assert note.refunds == []
    assert client.v1.customers.retrieve(customer.id).balance == -700
    assert _types(client, "invoice.payment_succeeded") == [
        "customer.updated",
        "credit_note.created",
        "invoice.updated",
    ]
    updated = client.v1.events.list({"type": "customer.updated"}).data[0]
    assert updated.data.previous_attributes.balance == 0
    nxt = sent_invoice(client, customer, price)
    assert (nxt.starting_balance, nxt.amount_due) == (-700, 1300)
    kinds = [t.type for t in client.v1.customers.balance_transactions.list(customer.id).data]
    assert kinds == ["applied_to_invoice", "credit_note"]


def test_refund_credit_and_out_of_band_together(client, customer, paid):
    note = client.v1.credit_notes.create(
        {
            "invoice": paid.id,
            "amount": 1500,
            "refund_amount": 600,
            "credit_amount": 500,
            "out_of_band_amount": 400,
        }
    )
    assert (note.refunds[0].amount_refunded, note.out_of_band_amount) == (600, 400)
    assert client.v1.customers.retrieve(customer.id).balance == -500


def test_a_mixed_credit_note_on_a_part_paid_invoice(emulator, client, customer, price):
    invoice = sent_invoice(client, customer, price)
    emulator.simulate_payment(invoice.id, "succeed", amount=1200)
    note = client.v1.credit_notes.create(
        {"invoice": invoice.id, "amount": 1000, "refund_amount": 200}
    )
    assert (note.type, note.pre_payment_amount, note.post_payment_amount) == ("mixed", 800, 200)
    after = client.v1.invoices.retrieve(invoice.id)
    assert (after.status, after.amount_paid, after.amount_remaining) == ("paid", 1200, 0)


def test_preview_computes_and_makes_nothing(client, customer, paid):
    before = client.v1.events.list({"limit": 100}).data
    preview = client.v1.credit_notes.preview(
        {
            "invoice": paid.id,
            "amount": 900,
            "refund_amount": 400,
            "credit_amount": 500,
            "expand": ["refunds.refund", "customer_balance_transaction"],
        }
    )
    assert (preview.post_payment_amount, preview.refunds, preview.customer_balance_transaction) == (
        900,
        [],
        None,
    )
    # A split that falls short is previewed all the same (Stripe's preview is how a caller
    # learns the whole amount); one that goes over is refused.
    short = client.v1.credit_notes.preview(
        {"invoice": paid.id, "amount": 900, "refund_amount": 400}
    )
    assert short.post_payment_amount == 900
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.preview({"invoice": paid.id, "amount": 900, "refund_amount": 901})
    assert error.value.param == "refund_amount"
    assert client.v1.events.list({"limit": 100}).data == before
    assert client.v1.refunds.list().data == []
    assert client.v1.customers.retrieve(customer.id).balance == 0


def test_a_note_that_gave_money_back_left_its_invoice_paid_so_stays(
    emulator, client, customer, price
):
    invoice = sent_invoice(client, customer, price, quantity=3)
    emulator.simulate_payment(invoice.id, "succeed", amount=1000)
    note = client.v1.credit_notes.create(
        {"invoice": invoice.id, "amount": 2500, "credit_amount": 300, "refund_amount": 200}
    )
    assert client.v1.invoices.retrieve(invoice.id).status == "paid"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.void_credit_note(note.id)
    assert error.value.http_status == 400
    assert client.v1.customers.retrieve(customer.id).balance == -300


def test_the_control_takes_refund_credit_and_lines(emulator, client, customer, paid):
    http = Client(emulator)
    url = f"/_emulator/invoices/{paid.id}/credit_notes"
    line = paid.lines.data[0].id
    answer = http.post(
        url,
        json={
            "lines": [{"invoice_line_item": line, "quantity": 1}],
            "refund_amount": 600,
            "credit_amount": 400,
        },
    )
    assert answer.status_code == 200, answer.json
    note = answer.json
    assert (note["amount"], note["lines"]["data"][0]["quantity"]) == (1000, 1)
    assert note["refunds"][0]["amount_refunded"] == 600
    assert client.v1.customers.retrieve(customer.id).balance == -400
    again = emulator.issue_credit_note(
        paid.id, lines=[{"type": "invoice_line_item", "invoice_line_item": line, "quantity": 1}],
        out_of_band_amount=1000,
    )  # fmt: skip
    assert again["amount"] == 1000
    for body, param in (
        ({"lines": [{"invoice_line_item": line, "colour": 1}]}, "lines[0][colour]"),
        ({"lines": [{"quantity": 1}]}, "lines[0][invoice_line_item]"),
        ({"lines": "all"}, "lines"),
        ({"amount": 100, "refund_amount": -1}, "refund_amount"),
        ({"amount": 100, "credit_amount": 200}, "credit_amount"),
    ):
        wrong = http.post(url, json=body)
        assert wrong.status_code == 400 and wrong.json["error"]["param"] == param, body


@pytest.mark.parametrize("path", ["refunds", "refunds.refund.nothing", "memo"])
def test_what_cannot_be_expanded_is_refused(client, paid, path):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.create(
            {"invoice": paid.id, "amount": 100, "refund_amount": 100, "expand": [path]}
        )
    assert error.value.http_status == 400 and error.value.param == "expand"
