"""What a credit note credits of the discounts and taxes of the invoice lines it credits, and its
totals, as Stripe shows them (https://docs.stripe.com/api/credit_notes/object,
https://docs.stripe.com/api/credit_notes/line_item).

A credit line's `amount` is the gross amount it credits, before discounts and exclusive tax, as
an invoice line's is (an inclusive tax is inside it). Its `discount_amounts` are the invoice
line's, each in proportion to the part of the line credited, rounded half up; its `taxes` are
the line's tax rates on what is left after them, by the invoice's own arithmetic
(invoice_totals.line_taxes), never more than the line has left of each tax. The credit that
completes a line takes what is left of each discount and tax, so that a line's credits come to
exactly what it billed. The credit note's `total` (and `amount`, what it lowers the invoice or
gives back by) is its lines' amounts less their discounts plus their exclusive tax.
"""

from decimal import Decimal

from .invoice_totals import inclusive_part, line_rates, line_taxes, summed, whole


def credited_so_far():
    """What earlier credits took of one invoice line, empty."""
    return {"quantity": 0, "amount": 0, "by": None, "discounts": {}, "taxes": {}}


def _tax_key(tax):
    return tax["tax_rate_details"]["tax_rate"], tax["tax_behavior"]


def note_taken(done, line):
    """Add a credit line's discounts and taxes to what its invoice line has had credited."""
    for found in line["discount_amounts"]:
        key = found["discount"]
        done["discounts"][key] = done["discounts"].get(key, 0) + found["amount"]
    for tax in line["taxes"]:
        taken = done["taxes"].setdefault(_tax_key(tax), {"amount": 0, "taxable_amount": 0})
        taken["amount"] += tax["amount"]
        taken["taxable_amount"] += tax["taxable_amount"]


def _discounts(invoice_line, credited, done, completes):
    """The credit's share of each of the invoice line's discounts."""
    shares = []
    for found in invoice_line["discount_amounts"]:
        left = found["amount"] - done["discounts"].get(found["discount"], 0)
        share = left
        if not completes and invoice_line["amount"]:
            exact = Decimal(found["amount"]) * credited / invoice_line["amount"]
            share = min(left, whole(exact))
        shares.append({"amount": share, "discount": found["discount"]})
    return shares


def _left(tax, done):
    taken = done["taxes"].get(_tax_key(tax), {"amount": 0, "taxable_amount": 0})
    return tax["amount"] - taken["amount"], tax["taxable_amount"] - taken["taxable_amount"]


def _taxes(rates, invoice_line, net, done, completes):
    """The credit's taxes: the line's `rates` on `net`, or, for the credit completing the line,
    what is left of each of the line's taxes."""
    billed = {_tax_key(tax): tax for tax in invoice_line["taxes"]}
    if completes:
        taxes = []
        for tax in invoice_line["taxes"]:
            amount, taxable = _left(tax, done)
            taxes.append({**tax, "amount": amount, "taxable_amount": taxable})
        return taxes
    taxes = line_taxes(rates, net)
    for tax in taxes:
        if _tax_key(tax) in billed:  # several partial credits never take more than was billed
            tax["amount"] = min(tax["amount"], _left(billed[_tax_key(tax)], done)[0])
    return taxes


def line_amounts(store, invoice, invoice_line, credited, done, completes):
    """The discount and tax fields of a credit line crediting `credited` (gross) of
    `invoice_line`; `done` is what earlier credits of the line took."""
    discounts = _discounts(invoice_line, credited, done, completes)
    net = credited - sum(d["amount"] for d in discounts)
    rates = line_rates(store, invoice, invoice_line)
    return {
        "discount_amount": sum(d["amount"] for d in discounts),
        "discount_amounts": discounts,
        "tax_rates": [dict(rate) for rate in rates],
        "taxes": _taxes(rates, invoice_line, net, done, completes),
    }


def note_amounts(store, invoice, lines):
    """The credit note's amounts from its credit lines: subtotal (less the lines' own
    discounts), discounts, taxes and total."""
    by_id = {line["id"]: line for line in invoice["_lines"]}
    discounts, taxes = summed(lines)
    subtotal = excluding = 0
    for line in lines:
        invoice_line = by_id[line["invoice_line_item"]]
        mine = invoice_line["discounts"]  # the line's own, which its subtotal leaves out
        own = sum(d["amount"] for d in line["discount_amounts"] if d["discount"] in mine)
        subtotal += line["amount"] - own
        rates = line_rates(store, invoice, invoice_line)
        excluding += line["amount"] - own - inclusive_part(line["amount"] - own, rates)
    off = sum(d["amount"] for d in discounts)
    included = sum(t["amount"] for t in taxes if t["tax_behavior"] == "inclusive")
    added = sum(t["amount"] for t in taxes if t["tax_behavior"] == "exclusive")
    total = sum(line["amount"] for line in lines) - off + added
    return {
        "discount_amount": off,
        "discount_amounts": discounts,
        "subtotal": subtotal,
        "subtotal_excluding_tax": excluding,
        "total": total,
        "total_excluding_tax": total - added - included,
        "total_taxes": taxes,
    }


def by_amount_only(amount):
    """The amounts of a credit note by `amount` alone: no lines, so no discount or tax share."""
    return {
        "discount_amount": 0,
        "discount_amounts": [],
        "subtotal": amount,
        "subtotal_excluding_tax": amount,
        "total": amount,
        "total_excluding_tax": amount,
        "total_taxes": [],
    }
