"""Refunds: a row per refund of an invoice's payment, made here through a credit note or
elsewhere (Stripe's Dashboard, the API), moved forward by its snapshots; and what an invoice
has refunded in all."""

from sqlalchemy import func, select, update

from invoicing.record.statements import insert_into, stamp
from invoicing.record.tables import credit_notes, invoices, refunds

# A refund waits (pending, requires_action), then ends; a succeeded one can still fail later
# (a card that expired), a failed or canceled one is final.
STATUS_RANK = {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2}
# What a charge counts as refunded: Stripe's `amount_refunded` counts a refund from when it is
# made until it fails or is canceled.
COUNTED = ("pending", "requires_action", "succeeded")


def record_refund(db, fields, invoice_id):
    """Insert a refund of `invoice_id`, or move it forward to a newer status (a repeat or an
    older snapshot changes nothing); then bring the invoice's `amount_refunded` up to date.
    True if anything changed."""
    rank = STATUS_RANK[fields["status"]]
    moved = {
        "status": fields["status"],
        "status_rank": rank,
        "failure_reason": fields.get("failure_reason"),
    }
    statement = (
        insert_into(db, refunds)
        .values({**fields, "invoice_id": invoice_id, "status_rank": rank})
        .on_conflict_do_update(
            index_elements=[refunds.c.id], set_=moved, where=refunds.c.status_rank < rank
        )
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


def refunds_for(db, invoice_id):
    """An invoice's refunds, oldest first, each with the credit note that made it (if one did)
    as `credit_note_id`, from the credit notes' own lists: whichever of a refund and its credit
    note the record heard of first."""
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
    return [{**row._mapping, "credit_note_id": made_by.get(row.id)} for row in db.execute(query)]
