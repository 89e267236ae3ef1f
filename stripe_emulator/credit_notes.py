"""Credit notes: issue, preview, read, list, update and void, and what they do to the invoice.

On an open (or uncollectible) invoice a credit note first lowers `amount_remaining` and
`amount_due` (its `pre_payment_amount`), never below zero; the rest (`post_payment_amount`,
all of it on a paid invoice) is given back by refunds, a customer balance credit or out of band
(see credit_note_refunds). An open invoice credited down to nothing remaining is paid. A note's
amount is its total: by lines, their amounts less their discounts plus their exclusive tax
(credit_note_amounts). All credit notes of an invoice together never exceed its total
(https://docs.stripe.com/api/credit_notes/create).
"""

from . import credit_note_refunds as payback
from . import outbox
from .credit_note_amounts import by_amount_only, note_amounts
from .credit_note_lines import credit_lines, no_such_param, page_lines
from .errors import StripeAPIError, invalid, not_covered, state
from .indexes import indexed
from .payments import follow_remaining, settle
from .routes import PAGING, route
from .store import list_object, merge_metadata

indexed("credit_note", "invoice")
indexed("credit_note", "customer")
# A credit note embeds its first lines; the rest are read from its lines list.
EMBEDDED_LINES = 10
OWED = ("open", "uncollectible")
CREDITABLE = (*OWED, "paid")
_INVOICE_AMOUNTS = (
    "amount_due",
    "amount_remaining",
    "post_payment_credit_notes_amount",
    "pre_payment_credit_notes_amount",
)


def render_credit_note(store, note):
    """The credit note with its `lines` sub-list as Stripe embeds it."""
    return _with_lines(note, f"/v1/credit_notes/{note['id']}/lines")


def _with_lines(note, url):
    lines = note["_lines"]
    return {**note, "lines": list_object(lines[:EMBEDDED_LINES], url, len(lines) > EMBEDDED_LINES)}


def _refuse_not_covered(params):
    payback.refuse_linked_refunds(params)
    for key in ("effective_at", "shipping_cost"):
        if key in params:
            raise not_covered(key)


def _creditable_invoice(store, invoice_id):
    """The invoice a credit note is for: it must exist and be finalized and not void."""
    invoice = store.objects.get(invoice_id) if isinstance(invoice_id, str) else None
    if invoice is None or invoice["object"] != "invoice":
        raise no_such_param("invoice", invoice_id, "invoice")
    if invoice["status"] not in CREDITABLE:
        raise invalid(
            "invoice",
            "You can only create a credit note for a finalized invoice that is open, paid or "
            f"uncollectible; this invoice is {invoice['status']}.",
        )
    return invoice


def issued_notes(store, invoice):
    """The invoice's credit notes that are issued (not void), oldest first."""
    notes = (store.objects[i] for i in invoice.get("_credit_notes", []))
    return [n for n in notes if n["status"] == "issued"]


def _amounts(store, params, lines, invoice, notes):
    """The credit note's amounts, from its lines or `amount`, within what is left to credit."""
    if lines:
        amounts = note_amounts(store, invoice, lines)
        if "amount" in params and params["amount"] != amounts["total"]:
            raise invalid(
                "amount",
                f"amount must equal the credit note's total from its lines ({amounts['total']}), "
                "their discounts taken off and their tax included.",
            )
    elif "amount" in params:
        if params["amount"] < 1:
            raise invalid("amount", "amount must be a positive integer.")
        _refuse_taxed_amount(invoice)
        amounts = by_amount_only(params["amount"])
    else:
        raise StripeAPIError("Pass amount or lines.", code="parameter_missing", param="amount")
    left = invoice["total"] - sum(n["amount"] for n in notes)
    if amounts["total"] > left:
        raise invalid(
            "amount" if "amount" in params or not lines else "lines",
            f"The credit note's amount ({amounts['total']}) is more than the invoice has left to "
            f"credit ({left}): all credit notes of an invoice together never exceed its total.",
        )
    return amounts


def _refuse_taxed_amount(invoice):
    """A credit by `amount` alone on a taxed invoice is refused: Stripe does not document how
    it splits such an amount between tax and the net amount for tax rates."""
    if any(tax["amount"] for tax in invoice["total_taxes"]):
        raise not_covered(
            "amount",
            "The emulator does not cover a credit note by amount alone on an invoice with tax "
            "yet: credit its lines (lines[][invoice_line_item] with quantity or amount), which "
            "credit their tax with them.",
        )


def _split(invoice, amount):
    """The pre- and post-payment amounts: what lowers what remains due, and the rest."""
    pre = min(amount, invoice["amount_remaining"]) if invoice["status"] in OWED else 0
    return pre, amount - pre


def plan(store, params, note_id=None, preview=False):
    """The invoice and the credit note `params` would make, checked; nothing is changed."""
    _refuse_not_covered(params)
    invoice = _creditable_invoice(store, params["invoice"])
    notes = issued_notes(store, invoice)
    lines = credit_lines(store, invoice, params.get("lines") or [], notes)
    amounts = _amounts(store, params, lines, invoice, notes)
    amount = amounts["total"]
    pre, post = _split(invoice, amount)
    out_of_band = payback.account_for(store, params, invoice, post, preview)
    sequence = len(invoice.get("_credit_notes", [])) + 1
    moment = store.now()
    return invoice, {
        "id": note_id,
        "object": "credit_note",
        "amount": amount,
        "amount_shipping": 0,
        "created": moment,
        "currency": invoice["currency"],
        "customer": invoice["customer"],
        "customer_account": invoice["customer_account"],
        "customer_balance_transaction": None,
        "effective_at": moment,
        "invoice": invoice["id"],
        "livemode": False,
        "memo": params.get("memo"),
        "metadata": params.get("metadata") or {},
        "number": f"{invoice['number']}-CN-{sequence:02d}",
        "out_of_band_amount": out_of_band,
        "pdf": f"{store.base_url}/credit_notes/{note_id}/pdf",
        "post_payment_amount": post,
        "pre_payment_amount": pre,
        "pretax_credit_amounts": [],
        "reason": params.get("reason"),
        "refunds": [],
        "shipping_cost": None,
        "status": "issued",
        **amounts,
        "type": "mixed" if pre and post else "post_payment" if post else "pre_payment",
        "voided_at": None,
        "_lines": lines,
    }


def _move_amounts(store, invoice, note, sign):
    """Credit (`sign` 1) or give back (-1) the note's amounts on the invoice; emit the update."""
    before = {k: invoice[k] for k in _INVOICE_AMOUNTS}
    pre, post = sign * note["pre_payment_amount"], sign * note["post_payment_amount"]
    invoice["amount_due"] -= pre
    invoice["amount_remaining"] -= pre
    invoice["pre_payment_credit_notes_amount"] += pre
    invoice["post_payment_credit_notes_amount"] += post
    store.emit("invoice.updated", invoice, {k: v for k, v in before.items() if invoice[k] != v})
    if invoice["status"] in OWED:  # the PaymentIntent asks for what is now due
        follow_remaining(store, invoice)


def issue(store, params):
    """Issue a credit note: its refunds and balance credit made first, then the note kept, its
    events sent, the invoice's amounts moved, emailed."""
    invoice, note = plan(store, params, store.new_id("cn"))
    payback.give_back(store, invoice, note, params)
    store.add(note)
    invoice["_credit_notes"] = [*invoice.get("_credit_notes", []), note["id"]]
    store.emit("credit_note.created", note)
    _move_amounts(store, invoice, note, 1)
    if invoice["status"] in OWED and invoice["amount_remaining"] == 0:
        settle(store, invoice, out_of_band=True)
    if invoice.get("_sent") and params.get("email_type") != "none":
        outbox.record(store, invoice, "credit_note", note)
    return note


@route(
    "POST",
    "/v1/credit_notes",
    "credit_notes.create",
    "CreditNoteCreateParams",
    emulates=(
        "amount",
        "credit_amount",
        "email_type",
        "invoice",
        "lines[amount]",
        "lines[invoice_line_item]",
        "lines[quantity]",
        "lines[type]",
        "memo",
        "metadata",
        "out_of_band_amount",
        "reason",
        "refund_amount",
    ),
)
def create_credit_note(store, params):
    """Issue a credit note for an open or paid invoice."""
    return issue(store, params)


@route(
    "GET",
    "/v1/credit_notes/preview",
    "credit_notes.preview",
    "CreditNotePreviewParams",
    emulates=(
        "amount",
        "credit_amount",
        "invoice",
        "lines[amount]",
        "lines[invoice_line_item]",
        "lines[quantity]",
        "lines[type]",
        "memo",
        "metadata",
        "out_of_band_amount",
        "reason",
        "refund_amount",
    ),
)
def preview_credit_note(store, params):
    """The credit note `params` would make; nothing is made."""
    _, note = plan(store, params, store.new_id("cn"), preview=True)
    return _with_lines(note, "/v1/credit_notes/preview/lines")


@route(
    "GET",
    "/v1/credit_notes/preview/lines",
    "credit_notes.preview_lines.list",
    "CreditNotePreviewLinesListParams",
    emulates=(
        "limit",
        "starting_after",
        "ending_before",
        "amount",
        "credit_amount",
        "invoice",
        "lines[amount]",
        "lines[invoice_line_item]",
        "lines[quantity]",
        "lines[type]",
        "out_of_band_amount",
        "refund_amount",
    ),
)
def preview_lines(store, params):
    """Page through the lines of the credit note `params` would make; nothing is made."""
    keys = ("limit", "starting_after", "ending_before")
    asked = {k: v for k, v in params.items() if k not in keys}
    _, note = plan(store, asked, "preview", preview=True)
    return page_lines(note["_lines"], params, "/v1/credit_notes/preview/lines")


@route("GET", "/v1/credit_notes/<note>", "credit_notes.retrieve", "CreditNoteRetrieveParams")
def retrieve_credit_note(store, params, note):
    """Retrieve a credit note."""
    return store.get("credit_note", note)


@route(
    "GET",
    "/v1/credit_notes",
    "credit_notes.list",
    "CreditNoteListParams",
    emulates=(*PAGING, "invoice", "customer", "customer_account"),
)
def list_credit_notes(store, params):
    """List credit notes, newest first, by invoice, customer and creation time."""
    keys = ("invoice", "customer", "customer_account")
    url = "/v1/credit_notes"
    return store.page_by("credit_note", params, url, keys, ("invoice", "customer"))


@route(
    "GET",
    "/v1/credit_notes/<note>/lines",
    "credit_notes.line_items.list",
    "CreditNoteLineItemListParams",
    emulates=("limit", "starting_after", "ending_before"),
)
def list_credit_note_lines(store, params, note):
    """Page through all lines of a credit note."""
    lines = store.get("credit_note", note)["_lines"]
    return page_lines(lines, params, f"/v1/credit_notes/{note}/lines")


@route(
    "POST",
    "/v1/credit_notes/<note>",
    "credit_notes.update",
    "CreditNoteUpdateParams",
    emulates=("memo", "metadata"),
)
def update_credit_note(store, params, note):
    """Update a credit note's memo and metadata."""
    obj = store.get("credit_note", note)
    previous = {}
    if "memo" in params and params["memo"] != obj["memo"]:
        previous["memo"], obj["memo"] = obj["memo"], params["memo"]
    if "metadata" in params:
        merged = merge_metadata(obj["metadata"] or {}, params["metadata"])
        if merged != obj["metadata"]:
            previous["metadata"], obj["metadata"] = obj["metadata"], merged
    if previous:  # no event for an update that changes nothing
        store.emit("credit_note.updated", obj, previous)
    return obj


@route(
    "POST",
    "/v1/credit_notes/<note>/void",
    "credit_notes.void_credit_note",
    "CreditNoteVoidCreditNoteParams",
)
def void_credit_note(store, params, note):
    """Void an issued credit note of an open invoice, giving back what it credited."""
    obj = store.get("credit_note", note)
    if obj["status"] == "void":
        raise state("This credit note is already void.", "status_transition_invalid")
    invoice = store.objects[obj["invoice"]]
    if invoice["status"] != "open":
        raise state(
            "You can only void a credit note whose invoice is open; this credit note's invoice "
            f"is {invoice['status']}.",
            "status_transition_invalid",
        )
    # A note with a post-payment amount (a refund, a balance credit) left its invoice paid:
    # only notes that lowered what remains due can be voided.
    obj.update(status="void", voided_at=store.now())
    store.emit("credit_note.voided", obj)
    _move_amounts(store, invoice, obj, -1)
    return obj
