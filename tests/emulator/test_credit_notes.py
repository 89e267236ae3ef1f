"""Credit notes through the real SDK: issue, preview, read, list, update, void, and the invoice."""

import shutil

import pytest
import stripe
from werkzeug.test import Client

from stripe_emulator import Emulator
from tests.helpers import sdk_client


def _sent(client, customer, price, quantity=3):
    """A send_invoice invoice of `quantity` times $10.00, finalized and sent."""
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": quantity}]}
    )
    return client.v1.invoices.send_invoice(invoice.id)


@pytest.fixture
def invoice(client, customer, price):
    """An open, sent invoice for $30.00 (3 x $10.00)."""
    return _sent(client, customer, price)


@pytest.fixture
def paid(client, invoice):
    """The invoice, paid out of band."""
    return client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})


def _line(invoice, **credit):
    return {"type": "invoice_line_item", "invoice_line_item": invoice.lines.data[0].id, **credit}


def _types(client, since=None):
    events = [e for e in client.v1.events.list({"limit": 100}).auto_paging_iter()][::-1]
    types = [e.type for e in events]
    return types[types.index(since) + 1 :] if since else types


def _count(client):
    return len(client.v1.credit_notes.list({"limit": 100}).data)


def test_a_credit_note_on_an_open_invoice_lowers_what_remains(client, invoice):
    note = client.v1.credit_notes.create(
        {"invoice": invoice.id, "amount": 500, "reason": "order_change", "memo": "Sorry"}
    )
    assert note.id.startswith("cn_") and note.object == "credit_note"
    assert (note.type, note.status, note.amount, note.total) == ("pre_payment", "issued", 500, 500)
    assert (note.pre_payment_amount, note.post_payment_amount) == (500, 0)
    assert note.out_of_band_amount is None and note.voided_at is None
    assert note.number == f"{invoice.number}-CN-01"
    assert (note.reason, note.memo, note.customer) == ("order_change", "Sorry", invoice.customer)
    assert note.pdf.endswith(f"/credit_notes/{note.id}/pdf")
    after = client.v1.invoices.retrieve(invoice.id)
    assert (after.amount_due, after.amount_remaining, after.total) == (2500, 2500, 3000)
    assert after.pre_payment_credit_notes_amount == 500
    assert after.status == "open"
    second = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 100})
    assert second.number == f"{invoice.number}-CN-02"


def test_create_sends_created_then_the_invoice_update(client, invoice):
    note = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 500})
    assert _types(client, "invoice.sent") == ["credit_note.created", "invoice.updated"]
    updated = client.v1.events.list({"type": "invoice.updated", "limit": 1}).data[0]
    assert updated.data.object.amount_remaining == 2500
    assert updated.data.previous_attributes.to_dict() == {
        "amount_due": 3000,
        "amount_remaining": 3000,
        "pre_payment_credit_notes_amount": 0,
    }
    created = client.v1.events.list({"type": "credit_note.created"}).data[0]
    assert created.data.object.id == note.id and created.data.object.lines.object == "list"


def test_crediting_an_open_invoice_to_nothing_pays_it(client, invoice):
    client.v1.credit_notes.create({"invoice": invoice.id, "amount": 3000})
    after = client.v1.invoices.retrieve(invoice.id)
    assert (after.status, after.amount_remaining, after.amount_paid) == ("paid", 0, 0)
    assert _types(client, "invoice.sent") == [
        "credit_note.created",
        "invoice.updated",
        "payment_intent.canceled",
        "invoice.paid",
    ]


def test_a_line_credited_by_quantity(client, invoice):
    note = client.v1.credit_notes.create(
        {"invoice": invoice.id, "lines": [_line(invoice, quantity=2)]}
    )
    assert note.amount == 2000
    (line,) = note.lines.data
    assert (line.object, line.type, line.quantity, line.unit_amount) == (
        "credit_note_line_item",
        "invoice_line_item",
        2,
        1000,
    )
    assert line.invoice_line_item == invoice.lines.data[0].id
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.create(
            {"invoice": invoice.id, "lines": [_line(invoice, quantity=2)]}
        )
    assert error.value.http_status == 400 and error.value.param == "lines[0][quantity]"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.create(
            {"invoice": invoice.id, "lines": [_line(invoice, amount=100)]}
        )
    assert error.value.param == "lines[0][amount]"  # a line credited by quantity stays so


def test_a_line_credited_by_amount_never_beyond_what_is_left(client, invoice):
    note = client.v1.credit_notes.create(
        {"invoice": invoice.id, "lines": [_line(invoice, amount=2900)]}
    )
    assert note.amount == 2900 and note.lines.data[0].quantity is None
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.create(
            {"invoice": invoice.id, "lines": [_line(invoice, amount=101)]}
        )
    assert error.value.param == "lines[0][amount]"
    client.v1.credit_notes.create({"invoice": invoice.id, "lines": [_line(invoice, amount=100)]})


def test_all_credit_notes_never_exceed_the_total(client, invoice):
    client.v1.credit_notes.create({"invoice": invoice.id, "amount": 2000})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.create({"invoice": invoice.id, "amount": 1001})
    assert error.value.http_status == 400 and error.value.param == "amount"
    assert _count(client) == 1


def test_a_paid_invoice_takes_a_post_payment_note_accounted_out_of_band(client, paid):
    note = client.v1.credit_notes.create(
        {"invoice": paid.id, "amount": 1000, "out_of_band_amount": 1000}
    )
    assert (note.type, note.post_payment_amount, note.pre_payment_amount) == (
        "post_payment",
        1000,
        0,
    )
    assert note.out_of_band_amount == 1000
    after = client.v1.invoices.retrieve(paid.id)
    assert (after.status, after.post_payment_credit_notes_amount, after.amount_remaining) == (
        "paid",
        1000,
        0,
    )


@pytest.mark.parametrize(
    "extra, param",
    [
        ({}, "out_of_band_amount"),
        ({"out_of_band_amount": 500}, "out_of_band_amount"),
        ({"refund_amount": 1000}, "refund_amount"),  # paid out of band: nothing to refund
        ({"credit_amount": 600, "out_of_band_amount": 600}, "credit_amount"),
        ({"credit_amount": -1000}, "credit_amount"),
        ({"refunds": [{"refund": "re_123"}]}, "refunds"),
    ],
)
def test_the_post_payment_amount_must_be_accounted_for(client, paid, extra, param):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.create({"invoice": paid.id, "amount": 1000, **extra})
    assert error.value.http_status == 400 and error.value.param == param
    if param == "refunds":
        assert error.value.code == "parameter_unknown" and "does not cover" in str(error.value)
    assert _count(client) == 0


@pytest.mark.parametrize(
    "params, param",
    [
        ({"invoice": "in_missing", "amount": 100}, "invoice"),
        ({"amount": 100, "lines": [{"type": "invoice_line_item", "invoice_line_item": "il_x",
                                    "quantity": 1}]}, "lines[0][invoice_line_item]"),
        ({}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": 3001}, "amount"),
        ({"amount": 100, "out_of_band_amount": 100}, "out_of_band_amount"),
        ({"lines": [{"type": "custom_line_item", "quantity": 1}]}, "lines[0][type]"),
        ({"amount": 100, "shipping_cost": {"shipping_rate": "shr_1"}}, "shipping_cost"),
        ({"amount": 100, "favourite": "x"}, "favourite"),
    ],
)  # fmt: skip
def test_refusals_name_the_param_and_make_nothing(client, invoice, params, param):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.create({"invoice": invoice.id, **params})
    assert error.value.http_status == 400 and error.value.param == param
    if param in ("invoice", "lines[0][invoice_line_item]"):
        assert error.value.code == "resource_missing"
    assert _count(client) == 0
    assert client.v1.invoices.retrieve(invoice.id).amount_remaining == 3000


def test_a_draft_or_void_invoice_takes_no_credit_note(client, customer, price, invoice):
    draft = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    client.v1.invoices.void_invoice(invoice.id)
    for target in (draft.id, invoice.id):
        with pytest.raises(stripe.InvalidRequestError) as error:
            client.v1.credit_notes.create({"invoice": target, "amount": 100})
        assert error.value.http_status == 400 and error.value.param == "invoice"
    assert _count(client) == 0


def test_preview_makes_nothing(client, invoice):
    before = _types(client)
    preview = client.v1.credit_notes.preview(
        {"invoice": invoice.id, "lines": [_line(invoice, quantity=1)]}
    )
    assert (preview.amount, preview.type, preview.number) == (
        1000,
        "pre_payment",
        f"{invoice.number}-CN-01",
    )
    lines = client.v1.credit_notes.preview_lines.list(
        {"invoice": invoice.id, "lines": [_line(invoice, quantity=1)]}
    )
    assert [line.amount for line in lines.data] == [1000]
    assert _types(client) == before and _count(client) == 0
    assert client.v1.invoices.retrieve(invoice.id).amount_remaining == 3000


def test_retrieve_list_and_lines(client, customer, price, invoice):
    other = _sent(client, customer, price, quantity=1)
    first = client.v1.credit_notes.create(
        {"invoice": invoice.id, "lines": [_line(invoice, quantity=1)]}
    )
    second = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 100})
    third = client.v1.credit_notes.create({"invoice": other.id, "amount": 100})
    assert client.v1.credit_notes.retrieve(first.id).amount == 1000
    listed = client.v1.credit_notes.list({"invoice": invoice.id})
    assert [n.id for n in listed.data] == [second.id, first.id]
    assert len(client.v1.credit_notes.list({"customer": customer.id}).data) == 3
    page = client.v1.credit_notes.list({"limit": 1, "starting_after": third.id})
    assert [n.id for n in page.data] == [second.id] and page.has_more
    back = client.v1.credit_notes.list({"ending_before": first.id})
    assert [n.id for n in back.data] == [third.id, second.id]
    lines = client.v1.credit_notes.line_items.list(first.id)
    assert [line.id for line in lines.data] == [first.lines.data[0].id]
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.retrieve("cn_missing")
    assert error.value.http_status == 404


def test_update_changes_memo_and_metadata_only(client, invoice):
    note = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 100})
    updated = client.v1.credit_notes.update(note.id, {"memo": "Goodwill", "metadata": {"k": "v"}})
    assert (updated.memo, updated.metadata.to_dict()) == ("Goodwill", {"k": "v"})
    event = client.v1.events.list({"type": "credit_note.updated"}).data[0]
    assert event.data.previous_attributes.to_dict() == {"memo": None, "metadata": {}}
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.update(note.id, {"amount": 5})
    assert error.value.param == "amount"


def test_void_gives_back_what_it_credited(client, invoice):
    note = client.v1.credit_notes.create(
        {"invoice": invoice.id, "lines": [_line(invoice, quantity=2)]}
    )
    voided = client.v1.credit_notes.void_credit_note(note.id)
    assert voided.status == "void" and voided.voided_at
    after = client.v1.invoices.retrieve(invoice.id)
    assert (after.amount_remaining, after.amount_due, after.pre_payment_credit_notes_amount) == (
        3000,
        3000,
        0,
    )
    assert _types(client, "invoice.sent") == [
        "credit_note.created",
        "invoice.updated",
        "credit_note.voided",
        "invoice.updated",
    ]
    again = client.v1.credit_notes.create(
        {"invoice": invoice.id, "lines": [_line(invoice, quantity=2)]}
    )
    assert again.number == f"{invoice.number}-CN-02"  # a void note keeps its number
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.credit_notes.void_credit_note(note.id)


def test_void_is_refused_once_the_invoice_is_paid(client, paid):
    note = client.v1.credit_notes.create(
        {"invoice": paid.id, "amount": 100, "out_of_band_amount": 100}
    )
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.credit_notes.void_credit_note(note.id)
    assert error.value.http_status == 400
    assert client.v1.credit_notes.retrieve(note.id).status == "issued"


def test_the_outbox_records_a_credit_note_email(emulator, client, invoice):
    note = client.v1.credit_notes.create(
        {"invoice": invoice.id, "amount": 500, "reason": "duplicate"}
    )
    email = emulator.outbox(invoice.id)[0]
    assert (email["kind"], email["credit_note"]) == ("credit_note", note.id)
    assert (
        email["subject"]
        == f"Credit note {note.number} from Emulated account for invoice {invoice.number}"
    )
    assert "Amount credited: $5.00" in email["text"] and "Amount due now: $25.00" in email["text"]
    client.v1.credit_notes.create({"invoice": invoice.id, "amount": 100, "email_type": "none"})
    assert len([e for e in emulator.outbox(invoice.id) if e["kind"] == "credit_note"]) == 1


def test_the_pdf_is_served(emulator, client, invoice):
    note = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 500})
    answer = Client(emulator).get(f"/credit_notes/{note.id}/pdf")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")


def test_the_control_issues_a_credit_note_behind_the_servers_back(emulator, client, invoice):
    http = Client(emulator)
    answer = http.post(f"/_emulator/invoices/{invoice.id}/credit_notes", json={"amount": 700})
    assert answer.status_code == 200 and answer.json["amount"] == 700
    assert client.v1.invoices.retrieve(invoice.id).amount_remaining == 2300
    refused = http.post(
        f"/_emulator/invoices/{invoice.id}/credit_notes",
        json={"amount": 1},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert refused.status_code == 403
    too_much = http.post(f"/_emulator/invoices/{invoice.id}/credit_notes", json={"amount": 9999})
    assert too_much.status_code == 400 and too_much.json["error"]["param"] == "amount"
    shown = emulator.issue_credit_note(invoice.id, 300, reason="duplicate")
    assert shown["number"] == f"{invoice.number}-CN-02"
    assert _count(client) == 2


def test_credit_notes_survive_a_restart(tmp_path):
    path, copy = tmp_path / "state.json", tmp_path / "copy.json"
    emulator = Emulator(state_file=str(path))
    try:
        client = sdk_client(emulator)
        customer = client.v1.customers.create({"email": "jo@example.com"})
        price = client.v1.prices.create(
            {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold"}}
        )
        invoice = _sent(client, customer, price)
        kept = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 500})
        voided = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 200})
        client.v1.credit_notes.void_credit_note(voided.id)
        emulator.issue_credit_note(invoice.id, 100)
        with emulator.store.lock:
            shutil.copy(path, copy)
    finally:
        emulator.close()
    again = Emulator(state_file=str(copy))
    try:
        client = sdk_client(again)
        assert client.v1.credit_notes.retrieve(kept.id).amount == 500
        assert client.v1.credit_notes.retrieve(voided.id).status == "void"
        assert client.v1.invoices.retrieve(invoice.id).amount_remaining == 2400
        third = client.v1.credit_notes.create({"invoice": invoice.id, "amount": 100})
        assert third.number == f"{invoice.number}-CN-04"
    finally:
        again.close()
