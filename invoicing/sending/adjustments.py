"""The rules of an invoice's discounts (a coupon or a promotion code) and tax rates (for every
line, or per item) on `POST /invoices`, checked against the account's catalog before anything
is sent: an id that names nothing, an inactive rate, a coupon no longer valid or one in
another currency is a 400 naming the field."""

from invoicing.errors import ApiError

# Stripe's limits: discounts on one invoice, tax rates on one line.
MAX_DISCOUNTS = 20
MAX_TAX_RATES = 5


def _invalid(message, field):
    return ApiError(400, message, field=field)


def _known(catalog, find, wanted):
    """`find()` of the catalog, refreshed once if an id wanted is not in it (it may be new)."""
    found = find()
    if any(w not in found for w in wanted):
        catalog.refresh_on_miss()
        found = find()
    return found


def parse_tax_rates(value, field, catalog):
    """A list of tax rate ids (`txr_...`), each active in the catalog; () when not given."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_TAX_RATES:
        raise _invalid(f"{field} must be a list of at most {MAX_TAX_RATES} tax rate ids.", field)
    if any(not isinstance(rate, str) for rate in value):
        raise _invalid(f"{field} must hold tax rate ids (txr_...).", field)
    rates = _known(catalog, catalog.tax_rates, value)
    for i, rate in enumerate(value):
        if rate not in rates:
            raise _invalid(f"{rate!r} is not an active tax rate.", f"{field}[{i}]")
    if len(set(value)) != len(value):
        raise _invalid(f"{field} names a tax rate twice.", field)
    return tuple(value)


def _coupon_in(coupon, currency, field):
    """Refuse a coupon whose amount off is in another currency than the invoice's."""
    if coupon["amount_off"] is not None and coupon["currency"] != currency:
        raise _invalid(
            f"coupon {coupon['id']!r} takes an amount off in {coupon['currency'].upper()}, "
            f"and this invoice is in {currency.upper()}.",
            field,
        )


def parse_discounts(body, catalog, currency):
    """`discounts`: a list of `{"coupon": id}` or `{"promotion_code": id or code}`, each valid
    in the catalog and in the invoice's currency; () when not given."""
    value = body.get("discounts")
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_DISCOUNTS:
        message = f"discounts must be a list of at most {MAX_DISCOUNTS} discounts."
        raise _invalid(message, "discounts")
    checked = []
    for i, discount in enumerate(value):
        field = f"discounts[{i}]"
        if not isinstance(discount, dict) or len(discount) != 1:
            raise _invalid('each discount is {"coupon": id} or {"promotion_code": id}.', field)
        ((kind, wanted),) = discount.items()
        if kind not in ("coupon", "promotion_code") or not isinstance(wanted, str):
            raise _invalid('each discount is {"coupon": id} or {"promotion_code": id}.', field)
        if kind == "coupon":
            coupons = _known(catalog, catalog.coupons, [wanted])
            if wanted not in coupons:
                raise _invalid(f"{wanted!r} is not a valid coupon.", f"{field}.coupon")
            _coupon_in(coupons[wanted], currency, f"{field}.coupon")
            checked.append({"coupon": wanted})
            continue
        codes = _known(catalog, catalog.promotion_codes, [wanted])
        # A customer types the code itself (SPRING25); an API client may give its id.
        by_code = {code["code"].lower(): code for code in codes.values()}
        code = codes.get(wanted) or by_code.get(wanted.lower())
        if code is None:
            raise _invalid(
                f"{wanted!r} is not an active promotion code.", f"{field}.promotion_code"
            )
        coupon = catalog.coupons().get(code["coupon"])  # the catalog may refresh between reads
        if coupon is None:
            raise _invalid(
                f"{wanted!r} is not an active promotion code.", f"{field}.promotion_code"
            )
        _coupon_in(coupon, currency, f"{field}.promotion_code")
        checked.append({"promotion_code": code["id"]})
    if len({tuple(d.items()) for d in checked}) != len(checked):
        raise _invalid("discounts names one discount twice.", "discounts")
    return tuple(checked)
