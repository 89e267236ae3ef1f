"""Payments: a row per payment of an invoice through Stripe, at its own time, so that what an
invoice owed at any past moment is known after part payments; and which invoice a
PaymentIntent pays."""

from sqlalchemy import select

from invoicing.record.statements import insert_into
from invoicing.record.tables import invoices, payments


def record_payment(db, fields):
    """Keep a paid payment once (paid is final); True if it is new."""
    statement = (
        insert_into(db, payments).values(fields).on_conflict_do_nothing().returning(payments.c.id)
    )
    return db.execute(statement).first() is not None


def invoice_paid_by(db, payment_intent):
    """The id of the local invoice this PaymentIntent pays (its first one, or a part payment),
    or None."""
    found = db.execute(
        select(payments.c.invoice_id).where(payments.c.payment_intent == payment_intent)
    ).scalar()
    if found is None:
        query = select(invoices.c.id).where(invoices.c.payment_intent == payment_intent)
        found = db.execute(query).scalar()
    return found


def payments_for(db, invoice_id):
    """An invoice's payments, oldest first."""
    query = (
        select(payments)
        .where(payments.c.invoice_id == invoice_id)
        .order_by(payments.c.paid_at, payments.c.id)
    )
    return db.execute(query).all()
