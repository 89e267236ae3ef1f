"""Credit note lines: each credits an invoice line by quantity or by amount, within what is left
of it, with its share of the line's discounts and taxes (credit_note_amounts); and paging through
a credit note's lines."""

from .credit_note_amounts import credited_so_far, line_amounts, note_taken
from .errors import StripeAPIError, invalid, missing, not_covered
from .store import list_object

_LINE_FIELDS_NOT_COVERED = ("description", "tax_amounts", "tax_rates", "unit_amount")


def no_such_param(kind, object_id, param):
    """An id passed as a parameter that names nothing: 400, where one in the URL is a 404."""
    return StripeAPIError(f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def _credited_lines(notes):
    """For each invoice line credited so far: quantity and amount credited, and how."""
    credited = {}
    for note in notes:
        for line in note["_lines"]:
            done = credited.setdefault(line["invoice_line_item"], credited_so_far())
            done["amount"] += line["amount"]
            done["quantity"] += line["quantity"] or 0
            done["by"] = "amount" if line["quantity"] is None else "quantity"
            note_taken(done, line)
    return credited


def _check_line_params(line, prefix):
    """Refuse what a credit note line the emulator covers cannot have; return its line id."""
    if line["type"] != "invoice_line_item":
        raise not_covered(
            f"{prefix}[type]",
            "The emulator does not cover custom_line_item credit note lines yet; credit an "
            "invoice_line_item by quantity or amount.",
        )
    for key in (*_LINE_FIELDS_NOT_COVERED, "unit_amount_decimal"):
        if key in line:
            raise not_covered(f"{prefix}[{key}]")
    if "invoice_line_item" not in line:
        raise missing(f"{prefix}[invoice_line_item]")
    if ("quantity" in line) == ("amount" in line):
        raise invalid(prefix, f"Pass either {prefix}[quantity] or {prefix}[amount].")
    return line["invoice_line_item"]


def _by_amount(line, prefix, invoice_line, done):
    """The gross amount a credit by `amount` credits, checked; and whether it completes the line."""
    if any(found["amount"] for found in invoice_line["discount_amounts"]):
        # Stripe documents a credit line's `amount` as before discounts, but not whether an
        # amount asked of a discounted line is before or after them: refused, not guessed.
        raise not_covered(
            f"{prefix}[amount]",
            "The emulator does not cover crediting a discounted invoice line by amount yet; "
            "credit it by quantity, which credits the discount in proportion.",
        )
    amount, left = line["amount"], invoice_line["amount"] - done["amount"]
    if not 1 <= amount <= left:
        raise invalid(
            f"{prefix}[amount]",
            f"The amount to credit must be from 1 to the line's remaining amount ({left}).",
        )
    return amount, amount == left


def _credit_line(store, invoice, line, prefix, invoice_line, done):
    """One credit note line for `line` of the request, within what is left of the invoice line."""
    by = "quantity" if "quantity" in line else "amount"
    if done["by"] not in (None, by):
        raise invalid(
            f"{prefix}[{by}]",
            f"This invoice line was credited by {done['by']}; credit it by {done['by']} again.",
        )
    quantity = unit = None
    if by == "quantity":
        quantity, left = line["quantity"], invoice_line["quantity"] - done["quantity"]
        if not 1 <= quantity <= left:
            raise invalid(
                f"{prefix}[quantity]",
                f"The quantity to credit must be from 1 to the line's remaining quantity ({left}).",
            )
        unit = invoice_line["amount"] // invoice_line["quantity"]
        amount, completes = unit * quantity, quantity == left
    else:
        amount, completes = _by_amount(line, prefix, invoice_line, done)
    shares = line_amounts(store, invoice, invoice_line, amount, done, completes)
    done.update(by=by, amount=done["amount"] + amount, quantity=done["quantity"] + (quantity or 0))
    credit = {
        "id": store.new_id("cnli"),
        "object": "credit_note_line_item",
        "amount": amount,
        "description": invoice_line["description"],
        **shares,
        "invoice_line_item": invoice_line["id"],
        "livemode": False,
        "metadata": line.get("metadata") or {},
        "pretax_credit_amounts": [],
        "quantity": quantity,
        "type": "invoice_line_item",
        "unit_amount": unit,
        "unit_amount_decimal": None if unit is None else str(unit),
    }
    note_taken(done, credit)  # a later line of the same request credits what is left after it
    return credit


def credit_lines(store, invoice, requested, notes):
    """The credit note's lines for the requested `lines`, each checked against the invoice."""
    by_id = {line["id"]: line for line in invoice["_lines"]}
    credited = _credited_lines(notes)
    lines = []
    for i, line in enumerate(requested):
        prefix = f"lines[{i}]"
        line_id = _check_line_params(line, prefix)
        if line_id not in by_id:
            raise no_such_param("invoice line item", line_id, f"{prefix}[invoice_line_item]")
        done = credited.setdefault(line_id, credited_so_far())
        lines.append(_credit_line(store, invoice, line, prefix, by_id[line_id], done))
    return lines


def page_lines(lines, params, url):
    """A list object of `lines`, in order, paged by limit, starting_after and ending_before."""
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise invalid("limit", "Invalid limit: must be between 1 and 100")
    ids = [line["id"] for line in lines]
    start, end = 0, len(lines)
    for key in ("starting_after", "ending_before"):
        if key in params and params[key] not in ids:
            raise invalid(key, f"No such credit note line item: '{params[key]}'")
    if "starting_after" in params:
        start = ids.index(params["starting_after"]) + 1
    elif "ending_before" in params:
        end = ids.index(params["ending_before"])
        start = max(0, end - limit)
    page = lines[start : min(end, start + limit)]
    more = start + limit < end if "ending_before" not in params else start > 0
    return list_object(page, url, more)
