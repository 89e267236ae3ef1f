"""Refunds: a row per refund of an invoice's payment, made here through a credit note or
elsewhere (Stripe's Dashboard, the API), moved forward by its snapshots; and what an invoice
has refunded in all."""

from sqlalchemy import case, func, select, update

from invoicing.record.statements import insert_into, stamp
from invoicing.record.tables import credit_notes, invoices, refunds

# A refund waits (pending, requires_action), then ends; a succeeded one can still fail later
# (a card that expired), a failed or canceled one is final.
STATUS_RANK = {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2}
# What a charge counts as refunded: Stripe's `amount_refunded` counts a refund from when it is
# made until it fails or is canceled.
COUNTED = ("pending", "requires_action", "succeeded")


def record_refund(db, fields, invoice_id, credit_note_id=None):
    """Insert a refund of `invoice_id`, or move it forward to a newer status (a repeat or an
    older snapshot changes nothing); then bring the invoice's `amount_refunded` up to date.
    True if anything changed."""
    rank = STATUS_RANK[fields["status"]]
    values = {**fields, "invoice_id": invoice_id, "status_rank": rank}
    if credit_note_id:
        values["credit_note_id"] = credit_note_id
    moved = {
        "status": fields["status"],
        "status_rank": rank,
        "failure_reason": fields.get("failure_reason"),
    }
    newer = refunds.c.status_rank < rank
    if credit_note_id:
        # The credit note that made it, learnt after the refund's own event: kept, status
        # moved only if newer.
        moved = {key: _if(newer, value, refunds.c[key]) for key, value in moved.items()}
        moved["credit_note_id"] = credit_note_id
        newer = newer | refunds.c.credit_note_id.is_(None)
    statement = (
        insert_into(db, refunds)
        .values(values)
        .on_conflict_do_update(index_elements=[refunds.c.id], set_=moved, where=newer)
        .returning(refunds.c.id)
    )
    # RETURNING says whether a row went in or moved; rowcount is not reliable on psycopg.
    changed = db.execute(statement).first() is not None
    if changed:
        refunded = (
            select(func.coalesce(func.sum(refunds.c.amount), 0))
            .where(refunds.c.invoice_id == invoice_id, refunds.c.status.in_(COUNTED))
            .scalar_subquery()
        )
        db.execute(
            update(invoices)
            .where(invoices.c.id == invoice_id)
            .values(amount_refunded=refunded, **stamp())
        )
    return changed


def _if(condition, value, otherwise):
    return case((condition, value), else_=otherwise)


def refunds_for(db, invoice_id):
    """An invoice's refunds, oldest first, each with the credit note that made it (if one did)
    as `credit_note_id`: kept when made here, else from the credit notes' own list."""
    made_by = {}
    notes = select(credit_notes.c.id, credit_notes.c.refund_ids).where(
        credit_notes.c.invoice_id == invoice_id
    )
    for note_id, refund_ids in db.execute(notes):
        made_by.update(dict.fromkeys(refund_ids or [], note_id))
    query = (
        select(refunds)
        .where(refunds.c.invoice_id == invoice_id)
        .order_by(refunds.c.created, refunds.c.id)
    )
    return [
        {**row._mapping, "credit_note_id": row.credit_note_id or made_by.get(row.id)}
        for row in db.execute(query)
    ]
