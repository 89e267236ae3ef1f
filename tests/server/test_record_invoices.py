"""record/invoices.py on SQLite and PostgreSQL: a row inserted once, then moved only forward by
what Stripe says (an older status never overwrites a newer one, paid and void are final,
amount_paid never goes back, first times are kept), payment attempts by their second, and the
reads the aging and the pages make."""

import pytest

from invoicing.errors import NotFoundError
from invoicing.record import invoices
from invoicing.record.statements import make_change

T = 1_760_000_000  # a moment, in Stripe's seconds


def new_invoice(invoice_id="in_1", status="open", **fields):
    """The fields a send records for a new invoice."""
    return {
        "id": invoice_id, "status": status, "customer": "cus_1", "email": "jo@example.com",
        "amount_due": 2000, "amount_paid": 0, "currency": "usd", "created": T, "lines": [],
        **fields,
    }  # fmt: skip


def recorded(engine, *invoices_fields):
    """Record these invoices, each in a unit of work of its own."""
    for fields in invoices_fields:
        with engine.begin() as db:
            invoices.record_invoice(db, fields)


def row(engine, invoice_id="in_1"):
    with engine.connect() as db:
        return invoices.get_invoice(db, invoice_id)


def advance(engine, status, invoice_id="in_1", **changes):
    with engine.begin() as db:
        return invoices.advance_status(db, invoice_id, status, changes)


def pay_attempt(engine, payment, at, invoice_id="in_1"):
    with engine.begin() as db:
        return make_change(db, invoices.payment_change(invoice_id, payment, at))


def test_a_new_invoice_is_inserted_with_its_rank_and_change_stamps(engine):
    recorded(engine, new_invoice(status="draft"))
    draft = row(engine)
    assert draft.status == "draft" and draft.status_rank == invoices.STATUS_RANK["draft"]
    assert draft.email == "jo@example.com" and draft.amount_due == 2000 and draft.lines == []
    assert draft.payment is None and draft.payment_rank == 0
    assert draft.recorded == draft.changed and draft.changed // 1_000_000 == draft.updated


def test_recording_again_moves_the_row_forward_and_never_back(engine):
    recorded(engine, new_invoice(status="draft"))
    recorded(engine, new_invoice(status="open", number="INV-0001", due_date=T + 30 * 86400))
    opened = row(engine)
    assert (opened.status, opened.number, opened.due_date) == ("open", "INV-0001", T + 2592000)
    # The draft's answer arriving late: an older snapshot, which changes nothing.
    recorded(engine, new_invoice(status="draft", number="STALE", amount_due=1))
    assert row(engine) == opened


@pytest.mark.parametrize(
    ("first", "then", "moves"),
    [
        ("open", "draft", False),
        ("open", "uncollectible", True),
        ("uncollectible", "open", False),
        ("uncollectible", "paid", True),
        ("uncollectible", "void", True),
        ("paid", "open", False),
        ("paid", "uncollectible", False),
        ("paid", "void", False),
        ("void", "paid", False),
        ("void", "open", False),
    ],
)
def test_an_older_status_never_overwrites_a_newer_one_and_paid_and_void_are_final(
    engine, first, then, moves
):
    recorded(engine, new_invoice(status="open"))
    if first != "open":
        assert advance(engine, first) is True
    assert advance(engine, then) is moves
    assert row(engine).status == (then if moves else first)


def test_paid_means_the_payment_succeeded_and_nothing_remains(engine):
    recorded(engine, new_invoice(status="open", amount_remaining=2000))
    assert advance(engine, "paid", amount_paid=2000) is True
    paid = row(engine)
    assert (paid.payment, paid.amount_paid, paid.amount_remaining) == ("succeeded", 2000, 0)
    assert paid.payment_rank == invoices.PAYMENT_RANK["succeeded"]


def test_amount_paid_never_goes_back(engine):
    recorded(engine, new_invoice(status="open", amount_paid=500, amount_remaining=1500))
    # An older snapshot of the same open invoice, from before the first part was paid.
    assert advance(engine, "open", amount_paid=300, amount_remaining=1700) is False
    assert (row(engine).amount_paid, row(engine).amount_remaining) == (500, 1500)
    assert advance(engine, "open", amount_paid=800, amount_remaining=1200) is True
    assert (row(engine).amount_paid, row(engine).amount_remaining) == (800, 1200)


def test_a_repeat_changes_nothing_and_keeps_the_change_stamp(engine):
    recorded(engine, new_invoice(status="open"))
    assert advance(engine, "open", number="INV-0001") is True
    before = row(engine)
    assert advance(engine, "open", number="INV-0001") is False
    assert row(engine).changed == before.changed  # pages polling `?since=` see nothing new


def test_the_first_time_it_opened_and_closed_is_kept(engine):
    recorded(engine, new_invoice(status="draft"))
    assert advance(engine, "open", finalized_at=T + 10) is True
    assert advance(engine, "uncollectible", closed_at=T + 20) is True
    assert advance(engine, "paid", finalized_at=T + 99, closed_at=T + 30) is True
    paid = row(engine)
    assert (paid.status, paid.finalized_at, paid.closed_at) == ("paid", T + 10, T + 20)


def test_payment_attempts_move_by_their_second_and_within_one_the_last_heard_wins(engine):
    recorded(engine, new_invoice(status="open"))
    assert pay_attempt(engine, "failed", T) is True
    # A retry in the failure's own second: processing, heard of last.
    assert pay_attempt(engine, "processing", T) is True
    assert row(engine).payment == "processing"
    assert pay_attempt(engine, "processing", T) is False  # a redelivery
    assert pay_attempt(engine, "failed", T - 1) is False  # an older attempt
    assert row(engine).payment == "processing"
    assert pay_attempt(engine, "failed", T + 1) is True
    assert (row(engine).payment, row(engine).payment_at) == ("failed", T + 1)


def test_a_succeeded_payment_is_final(engine):
    recorded(engine, new_invoice(status="open"))
    assert advance(engine, "paid", amount_paid=2000) is True
    assert pay_attempt(engine, "failed", T + 3600) is False
    assert pay_attempt(engine, "processing", T + 3600) is False
    assert row(engine).payment == "succeeded"


def test_open_at_a_moment_is_what_was_opened_by_then_and_not_yet_closed(engine):
    recorded(
        engine,
        new_invoice("in_closed", finalized_at=T + 100),
        new_invoice("in_open", finalized_at=T + 150),
        new_invoice("in_draft", status="draft"),
    )
    assert advance(engine, "paid", "in_closed", amount_paid=2000, closed_at=T + 200) is True

    def open_at(moment):
        with engine.connect() as db:
            return sorted(i.id for i in invoices.open_at(db, moment))

    assert open_at(T + 50) == []
    assert open_at(T + 120) == ["in_closed"]
    assert open_at(T + 160) == ["in_closed", "in_open"]
    assert open_at(T + 200) == ["in_open"]


def test_unfinished_invoices_are_those_neither_paid_nor_void(engine):
    recorded(engine, *(new_invoice(f"in_{n}") for n in ("open", "paid", "void", "bad")))
    advance(engine, "paid", "in_paid", amount_paid=2000)
    advance(engine, "void", "in_void")
    advance(engine, "uncollectible", "in_bad")
    with engine.connect() as db:
        assert sorted(invoices.unfinished_invoice_ids(db)) == ["in_bad", "in_open"]


@pytest.mark.parametrize("invoice_id", ["in_nope", "in_\x00", "", "in_" + "x" * 300])
def test_an_unknown_or_impossible_id_is_not_found(engine, invoice_id):
    recorded(engine, new_invoice())
    with engine.connect() as db, pytest.raises(NotFoundError):
        invoices.require_invoice(db, invoice_id)
