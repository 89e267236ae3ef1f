"""record/refunds.py and record/payments.py on SQLite and PostgreSQL: a refund's status moves
only forward whatever order its snapshots come in, the invoice's amount_refunded counts what
Stripe's charge counts, the credit note that made a refund is kept when learnt late, and a
payment is kept once and tells which invoice its PaymentIntent pays."""

from invoicing.record import credit_notes, invoices, payments, refunds


def an_invoice(engine, invoice_id="in_1"):
    fields = {"id": invoice_id, "status": "paid", "customer": "cus_1", "email": "jo@example.com",
              "amount_due": 2000, "amount_paid": 2000, "currency": "usd", "lines": [],
              "created": 1, "payment_intent": "pi_first"}  # fmt: skip
    with engine.begin() as db:
        invoices.record_invoice(db, fields)


def refund(status, amount=500, refund_id="re_1", failure=None):
    return {"id": refund_id, "payment_intent": "pi_first", "charge": "ch_1", "amount": amount,
            "currency": "usd", "status": status, "reason": None, "failure_reason": failure,
            "created": 10}  # fmt: skip


def record(engine, fields):
    with engine.begin() as db:
        return refunds.record_refund(db, fields, "in_1")


def record_note(engine, refund_ids):
    note = {"id": "cn_1", "invoice_id": "in_1", "number": None, "status": "issued",
            "type": "post_payment", "currency": "usd", "amount": 500, "pre_payment_amount": 0,
            "post_payment_amount": 500, "refund_amount": 500, "credit_amount": 0,
            "out_of_band_amount": 0, "reason": None, "memo": None, "pdf": None, "lines": [],
            "refund_ids": refund_ids, "created": 10, "voided_at": None}  # fmt: skip
    with engine.begin() as db:
        credit_notes.record_credit_note(db, note)


def state(engine):
    with engine.connect() as db:
        rows = refunds.refunds_for(db, "in_1")
        refunded = invoices.get_invoice(db, "in_1").amount_refunded
    return [(r["status"], r["failure_reason"], r["credit_note_id"]) for r in rows], refunded


def test_a_refund_moves_forward_only(engine):
    an_invoice(engine)
    assert record(engine, refund("pending"))
    assert state(engine) == ([("pending", None, None)], 500)
    assert record(engine, refund("succeeded"))
    assert not record(engine, refund("pending"))  # an older snapshot, late
    assert not record(engine, refund("succeeded"))  # a repeat
    assert state(engine) == ([("succeeded", None, None)], 500)
    assert record(engine, refund("failed", failure="expired_or_canceled_card"))
    assert state(engine) == ([("failed", "expired_or_canceled_card", None)], 0)
    assert not record(engine, refund("succeeded"))
    assert state(engine)[1] == 0


def test_a_refund_names_its_credit_note_whichever_came_first(engine):
    an_invoice(engine)
    record(engine, refund("succeeded"))  # its event before its credit note's
    record_note(engine, ["re_1", "re_3"])
    record(engine, refund("pending", refund_id="re_3", amount=100))  # and after
    record(engine, refund("succeeded", refund_id="re_2", amount=300))  # made elsewhere
    assert not record(engine, refund("pending"))
    assert state(engine) == (
        [("succeeded", None, "cn_1"), ("succeeded", None, None), ("pending", None, "cn_1")],
        900,
    )


def test_a_payment_is_kept_once_and_names_its_invoice(engine):
    an_invoice(engine)
    paid = {"id": "inpay_2", "invoice_id": "in_1", "payment_intent": "pi_part", "amount": 700,
            "currency": "usd", "paid_at": 20}  # fmt: skip
    with engine.begin() as db:
        assert payments.record_payment(db, paid)
        assert not payments.record_payment(db, {**paid, "amount": 1})
    with engine.connect() as db:
        assert payments.invoice_paid_by(db, "pi_part") == "in_1"
        assert payments.invoice_paid_by(db, "pi_first") == "in_1"  # the invoice's own
        assert payments.invoice_paid_by(db, "pi_other") is None
        assert [(p.amount, p.paid_at) for p in payments.payments_for(db, "in_1")] == [(700, 20)]
