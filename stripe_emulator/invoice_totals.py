"""A draft's amounts from its lines, discounts and tax rates, as Stripe computes them
(https://docs.stripe.com/billing/taxes/tax-rates, https://docs.stripe.com/api/invoices/object).

Per line, in this order: the line's own discounts, each on what is left of the line; then the
invoice's discounts, over its discountable lines: a percentage off each line, an amount off
shared out pro rata to what is left of each line (rounded per line, the cents left over going
to the lines with the largest remainders); then its tax rates (the line's own, else the
invoice's `default_tax_rates`) on what is left after every discount: an inclusive rate's tax is
taken out of that amount (amount - amount / (1 + rate)), an exclusive rate's is added to it,
each rounded per line. Amounts are in the currency's smallest unit, a zero-decimal currency's
(JPY) included, so the same arithmetic serves every currency.
"""

from decimal import ROUND_HALF_UP, Decimal

from .discounts import terms

_HUNDRED = Decimal(100)


def whole(value):
    """A Decimal amount rounded half up to a whole smallest unit."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _item(store, line):
    return store.objects[line["parent"]["invoice_item_details"]["invoice_item"]]


def _off(store, discount_id, left):
    """What a discount takes of an amount `left` on its own (a line's discount)."""
    off = terms(store, discount_id)
    if off["percent_off"] is not None:
        return whole(Decimal(left) * Decimal(str(off["percent_off"])) / _HUNDRED)
    return min(left, off["amount_off"])


def _shared(amount, lefts):
    """`amount` shared out over `lefts` pro rata, whole units, summing to `amount`."""
    base = sum(lefts)
    if base == 0:
        return [0] * len(lefts)
    exact = [Decimal(amount) * left / base for left in lefts]
    shares = [int(e) for e in exact]
    by_remainder = sorted(range(len(lefts)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def _invoice_discounts(store, invoice, lines, lefts):
    """Apply the invoice's discounts over its discountable lines: each line's amounts."""
    amounts = [[] for _ in lines]
    open_lines = [i for i, line in enumerate(lines) if line["discountable"]]
    for discount_id in invoice["discounts"]:
        off = terms(store, discount_id)
        if off["percent_off"] is not None:
            rate = Decimal(str(off["percent_off"])) / _HUNDRED
            shares = [whole(Decimal(lefts[i]) * rate) for i in open_lines]
        else:
            available = sum(lefts[i] for i in open_lines)
            shares = _shared(min(off["amount_off"], available), [lefts[i] for i in open_lines])
        for i, share in zip(open_lines, shares, strict=True):
            lefts[i] -= share
            amounts[i].append({"amount": share, "discount": discount_id})
    return amounts


def _tax(rate, amount, taxable):
    return {
        "amount": amount,
        "tax_behavior": "inclusive" if rate["inclusive"] else "exclusive",
        "tax_rate_details": {"tax_rate": rate["id"]},
        "taxability_reason": "standard_rated",
        "taxable_amount": taxable,
        "type": "tax_rate_details",
    }


def inclusive_part(amount, rates):
    """The tax the inclusive `rates` take out of `amount`: amount - amount / (1 + rates)."""
    percent = sum(Decimal(str(r["percentage"])) for r in rates if r["inclusive"])
    return amount - whole(Decimal(amount) * _HUNDRED / (_HUNDRED + percent))


def line_taxes(rates, amount):
    """A line's `taxes` on `amount` (after discounts): inclusive ones taken out of it, shared
    between inclusive rates pro rata to their percentages; exclusive ones on the rest."""
    inclusive = [r for r in rates if r["inclusive"]]
    included = inclusive_part(amount, rates)
    net = amount - included
    percents = [Decimal(str(r["percentage"])) for r in inclusive]
    shares = _shared(included, percents) if sum(percents) else [0] * len(inclusive)
    taxes = [_tax(r, share, net) for r, share in zip(inclusive, shares, strict=True)]
    for rate in rates:
        if not rate["inclusive"]:
            tax = whole(Decimal(net) * Decimal(str(rate["percentage"])) / _HUNDRED)
            taxes.append(_tax(rate, tax, net))
    return taxes


def _line_amounts(store, invoice):
    """Each line's discounts (its own, then the invoice's) and taxes, set on the line; what
    the lines' own discounts took, and their inclusive tax before the invoice's discounts."""
    lines, lefts, own_off, included_before = invoice["_lines"], [], 0, 0
    items = [_item(store, line) for line in lines]
    for line, item in zip(lines, items, strict=True):
        left, amounts = line["amount"], []
        for discount_id in item["discounts"]:
            off = _off(store, discount_id, left)
            left -= off
            amounts.append({"amount": off, "discount": discount_id})
        line["discount_amounts"], line["discounts"] = amounts, list(item["discounts"])
        own_off += line["amount"] - left
        included_before += inclusive_part(left, _rates(invoice, item))
        lefts.append(left)
    for line, shares, item, left in zip(
        lines, _invoice_discounts(store, invoice, lines, lefts), items, lefts, strict=True
    ):
        line["discount_amounts"] += shares
        line["taxes"] = line_taxes(_rates(invoice, item), left)
    return own_off, included_before


def _rates(invoice, item):
    return item["tax_rates"] or invoice["default_tax_rates"]


def line_rates(store, invoice, line):
    """The tax rates that apply to an invoice line: its item's own, else the invoice's."""
    return _rates(invoice, _item(store, line))


def summed(lines):
    """Lines' discount amounts per discount and taxes per rate and behaviour (an invoice's or a
    credit note's)."""
    discounts, taxes = {}, {}
    for line in lines:
        for found in line["discount_amounts"]:
            discounts[found["discount"]] = discounts.get(found["discount"], 0) + found["amount"]
        for tax in line["taxes"]:
            key = (tax["tax_rate_details"]["tax_rate"], tax["tax_behavior"])
            if key in taxes:
                taxes[key]["amount"] += tax["amount"]
                taxes[key]["taxable_amount"] += tax["taxable_amount"]
            else:
                taxes[key] = {**tax, "tax_rate_details": dict(tax["tax_rate_details"])}
    shown = [{"amount": v, "discount": k} for k, v in discounts.items()]
    return shown, list(taxes.values())


def total(store, invoice):
    """Compute a draft's amounts from its lines, discounts, tax rates and the customer's
    balance it starts from; return the previous values of those that changed (an event's
    `previous_attributes`)."""
    own_off, included_before = _line_amounts(store, invoice)
    lines = invoice["_lines"]
    discounts, taxes = summed(lines)
    subtotal = sum(line["amount"] for line in lines) - own_off
    invoice_off = sum(d["amount"] for d in discounts) - own_off
    included = sum(t["amount"] for t in taxes if t["tax_behavior"] == "inclusive")
    added = sum(t["amount"] for t in taxes if t["tax_behavior"] == "exclusive")
    amount = subtotal - invoice_off + added
    due = max(0, amount + invoice["starting_balance"])
    amounts = {
        "amount_due": due,
        "amount_remaining": due - invoice["amount_paid"],
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal - included_before,
        "total": amount,
        "total_discount_amounts": discounts,
        "total_excluding_tax": amount - added - included,
        "total_taxes": taxes,
    }
    previous = {k: invoice[k] for k, v in amounts.items() if invoice[k] != v}
    invoice.update(amounts)
    return previous
