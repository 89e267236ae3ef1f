"""A credit note's body, checked: by `amount` or by `lines` (each an invoice line by quantity or
by amount), a reason and memo, and for a paid invoice how the post-payment part is accounted
for (`refund_amount`, `credit_amount`, `out_of_band_amount`). Every refusal is a 400 naming
its field; the result is Stripe's parameters, without the invoice."""

from invoicing.errors import ApiError
from invoicing.record.snapshots import is_stripe_id
from invoicing.text import clean_text

REASONS = ("duplicate", "fraudulent", "order_change", "product_unsatisfactory")
SPLIT = ("refund_amount", "credit_amount", "out_of_band_amount")
_FIELDS = {"amount", "lines", "reason", "memo", *SPLIT}
_LINE_FIELDS = {"line", "quantity", "amount"}
MAX_AMOUNT = 99_999_999_999
MAX_LINES = 100


def _invalid(message, field):
    return ApiError(400, message, field=field)


def _whole(value, field, low, most=MAX_AMOUNT):
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= most:
        raise _invalid(f"{field} must be a whole number from {low} to {most}.", field)
    return value


def _line(value, i):
    field = f"lines[{i}]"
    if not isinstance(value, dict):
        raise _invalid(f"{field} must be an object: {{line, quantity}} or {{line, amount}}.", field)
    unknown = set(value) - _LINE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise _invalid(f"unknown field {name!r} in {field}.", f"{field}.{name}")
    if not is_stripe_id(value.get("line")):
        raise _invalid(f"{field}.line must name an invoice line (il_...).", f"{field}.line")
    if ("quantity" in value) == ("amount" in value):
        raise _invalid(f"{field} takes either quantity or amount.", field)
    by = "quantity" if "quantity" in value else "amount"
    amount = _whole(value[by], f"{field}.{by}", 1)
    return {"type": "invoice_line_item", "invoice_line_item": value["line"], by: amount}


def _lines(value):
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LINES:
        raise _invalid(f"lines must be a list of 1 to {MAX_LINES} lines.", "lines")
    lines = [_line(line, i) for i, line in enumerate(value)]
    named = [line["invoice_line_item"] for line in lines]
    if len(set(named)) != len(named):
        raise _invalid("lines names one invoice line twice.", "lines")
    return lines


def _text(body):
    params = {}
    reason = body.get("reason")
    if reason is not None:
        if reason not in REASONS:
            raise _invalid(f"reason must be one of {', '.join(REASONS)}.", "reason")
        params["reason"] = reason
    memo = body.get("memo")
    if memo is not None:
        if not isinstance(memo, str) or len(memo) > 5000:
            raise _invalid("memo must be a string of at most 5000 characters.", "memo")
        if memo := clean_text(memo, "memo", multiline=True).strip():
            params["memo"] = memo
    return params


def parse(body):
    """Check a credit note body (a JSON object); return Stripe's parameters."""
    unknown = set(body) - _FIELDS
    if unknown:
        raise _invalid(f"unknown field {sorted(unknown)[0]!r}.", sorted(unknown)[0])
    params = {}
    if body.get("lines") is not None:
        params["lines"] = _lines(body["lines"])
    if body.get("amount") is not None:
        params["amount"] = _whole(body["amount"], "amount", 1)
    if not params:
        raise _invalid("give amount, or lines to credit.", "amount")
    params.update(_text(body))
    for key in SPLIT:
        if body.get(key) is not None:
            params[key] = _whole(body[key], key, 0)
    return params


def stripe_field(param):
    """The body's field that a Stripe parameter names: `lines[0][quantity]` is
    `lines[0].quantity`, `lines[0][invoice_line_item]` `lines[0].line`; None for others."""
    if not isinstance(param, str):
        return None
    if param in _FIELDS:
        return param
    if param.startswith("lines["):
        head, _, rest = param.partition("][")
        sub = rest.rstrip("]").replace("invoice_line_item", "line")
        return f"{head}].{sub}" if sub else head
    return None
