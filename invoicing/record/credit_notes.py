"""Credit notes: a row per credit note Stripe issued for an invoice, moved forward by its
snapshots (void is final), and what an invoice's issued credit notes credit in all."""

from sqlalchemy import func, select, update

from invoicing.record.statements import insert_into, stamp
from invoicing.record.tables import credit_notes, invoices


def record_credit_note(db, fields):
    """Insert a credit note, or update it to a newer snapshot unless it is void already; then
    bring its invoice's `amount_credited` up to date. True if anything changed."""
    values = {key: value for key, value in fields.items() if key != "id"}
    statement = (
        insert_into(db, credit_notes)
        .values(fields)
        .on_conflict_do_update(
            index_elements=[credit_notes.c.id],
            set_=values,
            where=credit_notes.c.status != "void",
        )
        .returning(credit_notes.c.id)
    )
    # RETURNING says whether a row went in or moved; rowcount is not reliable on psycopg.
    changed = db.execute(statement).first() is not None
    credited = (
        select(func.coalesce(func.sum(credit_notes.c.amount), 0))
        .where(credit_notes.c.invoice_id == fields["invoice_id"], credit_notes.c.status == "issued")
        .scalar_subquery()
    )
    db.execute(
        update(invoices)
        .where(invoices.c.id == fields["invoice_id"])
        .values(amount_credited=credited, **stamp())
    )
    return changed


def credit_notes_for(db, invoice_id):
    """An invoice's credit notes, oldest first."""
    query = (
        select(credit_notes)
        .where(credit_notes.c.invoice_id == invoice_id)
        .order_by(credit_notes.c.created, credit_notes.c.id)
    )
    return db.execute(query).all()


def get_credit_note(db, credit_note_id):
    """One credit note row, or None."""
    return db.execute(select(credit_notes).where(credit_notes.c.id == credit_note_id)).first()
