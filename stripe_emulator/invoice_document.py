"""What the hosted invoice page and the PDF show of an invoice besides its lines, as Stripe's
do: who it is billed and shipped to (address, phone, tax IDs), each line's discounts and
taxes, the totals (subtotal, each discount, each tax, total, amount due and paid)."""

from decimal import Decimal

# How a tax ID's type is written on an invoice: `eu_vat` → `EU VAT`.
_TAX_ID_WORDS = {"vat": "VAT", "ein": "EIN", "gst": "GST", "abn": "ABN"}


def labels(store, invoice):
    """Names for the invoice's discounts and tax rates, by id: `Spring (10% off)`,
    `VAT 20% (included)`."""
    found = {"discounts": {}, "rates": {}}
    discount_ids = {d["discount"] for d in invoice["total_discount_amounts"] or []}
    for discount_id in discount_ids:
        discount = store.objects.peek(discount_id)
        if discount is not None:
            found["discounts"][discount_id] = _discount_label(store, discount)
    for tax in invoice["total_taxes"] or []:
        rate = store.objects.peek(tax["tax_rate_details"]["tax_rate"])
        if rate is not None:
            found["rates"][rate["id"]] = _rate_label(rate)
    return found


def _discount_label(store, discount):
    coupon = store.objects.peek(discount["source"]["coupon"])
    off = discount["_off"]
    terms = (
        f"{Decimal(str(off['percent_off'])).normalize():f}% off"
        if off["percent_off"] is not None
        else "amount off"
    )
    name = (coupon or {}).get("name") or discount["source"]["coupon"]
    return f"{name} ({terms})"


def _rate_label(rate):
    percent = f"{Decimal(str(rate['percentage'])).normalize():f}%"
    where = f" {rate['jurisdiction']}" if rate["jurisdiction"] else ""
    included = " (included)" if rate["inclusive"] else ""
    return f"{rate['display_name']}{where} {percent}{included}"


def address_lines(address):
    """An address as the lines it is written on; none for no address."""
    if not address:
        return []
    town = " ".join(p for p in (address["postal_code"], address["city"]) if p)
    rest = [address["line1"], address["line2"], town, address["state"], address["country"]]
    return [part for part in rest if part]


def tax_id_text(tax_id):
    """`{"type": "eu_vat", "value": "DE123"}` → `EU VAT DE123`."""
    words = [_TAX_ID_WORDS.get(w, w.upper()) for w in tax_id["type"].split("_")]
    return f"{' '.join(words)} {tax_id['value']}"


def billed(invoice):
    """Who the invoice is to, line by line: name and email, address, phone, tax IDs."""
    name, email = invoice["customer_name"], invoice["customer_email"]
    head = f"{name} <{email}>" if name and email else (name or email or "—")
    lines = [head, *address_lines(invoice["customer_address"])]
    if invoice["customer_phone"]:
        lines.append(invoice["customer_phone"])
    lines += [tax_id_text(t) for t in invoice.get("customer_tax_ids") or []]
    return lines


def shipped(invoice):
    """Where the invoice's goods go: its shipping details, else the customer's; none."""
    shipping = invoice["shipping_details"] or invoice["customer_shipping"]
    if not shipping:
        return []
    return [shipping["name"], *address_lines(shipping.get("address"))]


def line_notes(line, named):
    """A line's discounts and taxes as (text, amount) rows, a discount as a negative amount."""
    notes = [
        (named["discounts"].get(d["discount"], "Discount"), -d["amount"])
        for d in line["discount_amounts"] or []
        if d["amount"]
    ]
    for tax in line["taxes"] or []:
        rate = tax["tax_rate_details"]["tax_rate"]
        notes.append((named["rates"].get(rate, "Tax"), tax["amount"]))
    return notes


def totals(invoice, lines, named):
    """The totals as (label, amount) rows: the lines' sum, each discount (the lines' own
    too), each tax (an included one already in the amounts), total, amount due and paid."""
    rows = [("Subtotal", sum(line["amount"] for line in lines))]
    rows += [
        (named["discounts"].get(d["discount"], "Discount"), -d["amount"])
        for d in invoice["total_discount_amounts"] or []
        if d["amount"]
    ]
    for tax in invoice["total_taxes"] or []:
        rate = tax["tax_rate_details"]["tax_rate"]
        rows.append((named["rates"].get(rate, "Tax"), tax["amount"]))
    rows += [
        ("Total", invoice["total"]),
        ("Amount due", invoice["amount_due"]),
        ("Amount paid", invoice["amount_paid"]),
    ]
    return rows
