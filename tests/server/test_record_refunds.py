"""record/refunds.py and record/payments.py on SQLite and PostgreSQL: a refund's status moves
only forward whatever order its snapshots come in, the invoice's amount_refunded counts what
Stripe's charge counts, the credit note that made a refund is kept when learnt late, and a
payment is kept once and tells which invoice its PaymentIntent pays."""

from invoicing.record import invoices, payments, refunds


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


def record(engine, fields, credit_note_id=None):
    with engine.begin() as db:
        return refunds.record_refund(db, fields, "in_1", credit_note_id=credit_note_id)


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


def test_the_credit_note_learnt_late_is_kept_and_the_status_stays(engine):
    an_invoice(engine)
    record(engine, refund("succeeded"))
    record(engine, refund("succeeded", refund_id="re_2", amount=300))
    assert record(engine, refund("pending"), credit_note_id="cn_1")
    assert state(engine) == (
        [("succeeded", None, "cn_1"), ("succeeded", None, None)],
        800,
    )
    assert not record(engine, refund("pending"), credit_note_id="cn_1")


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
