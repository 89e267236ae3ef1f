"""The test controls under `/_emulator/`: calls, faults, deliveries, payments, credit notes,
refunds, outbox, automations, info.

Not part of Stripe's API: tests and tools use them to look inside and to arm faults. Those that
change something refuse what a page of another site makes a browser send (a form posted to pay
or fail an invoice): only the emulator's own pages, and programs, which send no `Origin`, may.
"""

import functools

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .errors import StripeAPIError, invalid
from .faults import CALL_ERRORS
from .store import API_VERSION
from .wire import json_answer

_WEBHOOK_FAULTS = ("drop", "delay")
# What a browser sends as `Sec-Fetch-Site` for the emulator's own pages (and a typed URL).
_OWN = ("same-origin", "none")


def same_origin(control):
    """Let the decorated control's POST or DELETE through only from the emulator's own pages
    or from a program; a browser's request made by another site answers 403."""

    @functools.wraps(control)
    def guarded(emulator, request, **args):
        if request.method not in ("GET", "HEAD"):
            refuse_cross_site(request)
        return control(emulator, request, **args)

    return guarded


def refuse_cross_site(request):
    """Raise a 403 if a browser sent `request` for a page of another origin.

    Browsers send `Sec-Fetch-Site` (and `Origin` with every POST); programs (the server, tests,
    curl) send neither, and a page cannot remove them.
    """
    site, origin = request.headers.get("Sec-Fetch-Site"), request.headers.get("Origin")
    if site is not None:
        allowed = site in _OWN
    elif origin is not None:
        allowed = origin == f"{request.scheme}://{request.host}"
    else:
        allowed = True
    if not allowed:
        raise StripeAPIError(
            "The emulator's test controls take requests from its own pages and from programs, "
            f"not from a page of another site (Origin: {origin or 'unknown'}).",
            status=403,
        )


@same_origin
def calls(emulator, request):
    """GET: the API calls received, by operation name; DELETE: forget them."""
    if request.method == "DELETE":
        emulator.reset_calls()
    with emulator.store.lock:
        return json_answer({"calls": list(emulator.calls)})


def _number(body, key, default, kind=int, least=1):
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < least:
        raise invalid(key, f"{key} must be a number of at least {least}.")
    if kind is int and value != int(value):
        raise invalid(key, f"{key} must be a whole number.")
    return kind(value)


@same_origin
def faults(emulator, request):
    """POST: arm a fault; DELETE: clear every fault.

    `{"operation": "invoices.pay", "nth"?: 1, "times"?: 1, "after"?: false, "error"?:
    "api_error" | "rate_limit" | "lock_timeout"}` fails a call (a 500, or a 429 as Stripe's);
    `{"webhook": "drop" | "delay", "type"?: "*", "times"?: 1, "seconds"?: 2}` drops or delays
    webhook deliveries; `{"webhook": "drop", "share": 0.3}` drops that share of them at random.
    """
    if request.method == "DELETE":
        emulator.clear_faults()
    else:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise invalid(None, "Send a JSON object: {operation, ...} or {webhook, ...}.")
        times = _number(body, "times", 1)
        if "webhook" in body:
            kind, event_type = body["webhook"], body.get("type", "*")
            if kind not in _WEBHOOK_FAULTS:
                raise invalid("webhook", "webhook must be drop or delay.")
            if not isinstance(event_type, str) or not event_type:
                raise invalid("type", "type must be an event type such as invoice.paid.")
            share = body.get("share")
            if share is not None and (
                not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1
            ):
                raise invalid("share", "share must be a number from 0 to 1.")
            if kind == "drop":
                emulator.drop_deliveries(event_type, times, share)
            else:
                seconds = _number(body, "seconds", 2.0, float, least=0)
                emulator.delay_deliveries(event_type, seconds, times)
        elif isinstance(body.get("operation"), str):
            _call_fault(emulator, body, times)
        else:
            raise invalid("operation", "Send {operation, nth?, times?, after?} or {webhook, ...}.")
    with emulator.store.lock:
        return json_answer(emulator.faults.shown())


def _call_fault(emulator, body, times):
    """Arm the fault of one operation's calls that `body` describes."""
    after, error = body.get("after", False), body.get("error", "api_error")
    if not isinstance(after, bool):
        raise invalid("after", "after must be true or false.")
    if error not in CALL_ERRORS:
        raise invalid("error", f"error must be one of {', '.join(CALL_ERRORS)}.")
    if after and error != "api_error":
        raise invalid(
            "after", "A call refused with a 429 never takes effect: after is for api_error."
        )
    emulator.fail(body["operation"], _number(body, "nth", 1), times, after, error)


def deliveries(emulator, request):
    """GET: every webhook delivery attempt so far (`status`: HTTP status, null, or dropped)."""
    return json_answer({"deliveries": list(emulator.deliverer.log)})


@same_origin
def pay(emulator, request, invoice):
    """POST `{outcome, amount?}` (JSON, or the hosted page's form with `outcome`): pay as a
    customer would; `amount` pays part of what remains."""
    from_form = not request.is_json
    body = {} if from_form else request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid(None, "Send a JSON object: {outcome, amount?}.")
    outcome = request.form.get("outcome") if from_form else body.get("outcome")
    amount = _number(body, "amount", None) if "amount" in body else None
    base_url = request.host_url.rstrip("/")
    shown = emulator.simulate_payment(invoice, outcome, base_url=base_url, amount=amount)
    if from_form:
        return Response(status=303, headers={"Location": f"/i/{invoice}"})
    return json_answer(shown)


_REASONS = ("duplicate", "fraudulent", "order_change", "product_unsatisfactory")
_REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
_CREDIT_FIELDS = ("amount", "lines", "reason", "memo", "refund_amount", "credit_amount",
                  "out_of_band_amount")  # fmt: skip


def _json_object(request, shape):
    """The request's JSON object, with no field but those of `shape` (a tuple of names)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid(None, f"Send a JSON object with {', '.join(shape)}.")
    unknown = sorted(set(body) - set(shape))
    if unknown:
        raise invalid(unknown[0], f"Unknown field: {unknown[0]}.")
    return body


def _choice(body, key, choices):
    if body[key] not in choices:
        raise invalid(key, f"{key} must be one of {', '.join(choices)}.")
    return body[key]


def _credit_lines(body):
    """The `lines` of the credit control as Stripe's: `[{invoice_line_item, quantity|amount}]`,
    each of type invoice_line_item."""
    lines = body["lines"]
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise invalid("lines", "lines must be a list of {invoice_line_item, quantity|amount}.")
    shaped = []
    for i, line in enumerate(lines):
        unknown = sorted(set(line) - {"invoice_line_item", "quantity", "amount"})
        if unknown:
            raise invalid(f"lines[{i}][{unknown[0]}]", f"Unknown field: {unknown[0]}.")
        if not isinstance(line.get("invoice_line_item"), str):
            raise invalid(f"lines[{i}][invoice_line_item]", "invoice_line_item must be an id.")
        counts = {k: _number(line, k, None, least=1) for k in ("quantity", "amount") if k in line}
        shaped.append({"type": "invoice_line_item", **line, **counts})
    return shaped


@same_origin
def credit(emulator, request, invoice):
    """POST `{amount?, lines?, reason?, memo?, refund_amount?, credit_amount?,
    out_of_band_amount?}`: issue a credit note for the invoice as someone in Stripe's Dashboard
    would, behind the server's back."""
    body = _json_object(request, _CREDIT_FIELDS)
    options = {}
    if "reason" in body:
        options["reason"] = _choice(body, "reason", _REASONS)
    if "memo" in body:
        if not isinstance(body["memo"], str):
            raise invalid("memo", "memo must be a string.")
        options["memo"] = body["memo"]
    if "out_of_band_amount" in body:
        options["out_of_band_amount"] = _number(body, "out_of_band_amount", 0)
    for key in ("refund_amount", "credit_amount"):
        if key in body:
            options[key] = _number(body, key, 0, least=0)
    if "lines" in body:
        options["lines"] = _credit_lines(body)
    amount = _number(body, "amount", None) if "amount" in body or "lines" not in body else None
    base_url = request.host_url.rstrip("/")
    return json_answer(emulator.issue_credit_note(invoice, amount, base_url, **options))


@same_origin
def refund(emulator, request, invoice):
    """POST `{amount?, reason?}`: refund the invoice's payments as someone in Stripe's Dashboard
    would, without a credit note; answers the (first) refund made."""
    body = _json_object(request, ("amount", "reason"))
    options = {}
    if "reason" in body:
        options["reason"] = _choice(body, "reason", _REFUND_REASONS)
    amount = _number(body, "amount", None) if "amount" in body else None
    base_url = request.host_url.rstrip("/")
    return json_answer(emulator.refund_invoice(invoice, amount, base_url, **options))


@same_origin
def automations(emulator, request):
    """GET: the account's Automations as test clocks advance (null: off); POST
    `{"will_be_due"?: days | null, "overdue"?: days | null}`: turn them on (days before and
    after an open invoice's due date); DELETE: turn them off."""
    if request.method == "DELETE":
        emulator.set_automations(None)
    elif request.method == "POST":
        body = _json_object(request, ("will_be_due", "overdue"))
        try:
            emulator.set_automations(body)
        except ValueError as error:
            raise invalid(None, str(error)) from None
    with emulator.store.lock:
        return json_answer({"automations": emulator.store.automations})


def show_outbox(emulator, request):
    """GET: the emails Stripe would have sent, newest first (`?invoice=in_...` filters)."""
    return json_answer({"data": emulator.outbox(request.args.get("invoice"))})


def info(emulator, request):
    """GET: what this is, so that a server can find an emulator already on a port."""
    return json_answer({"object": "emulator", "api_version": API_VERSION, "port": emulator.port})


RULES = [
    Rule("/_emulator/invoices/<invoice>/payments", methods=["POST"], endpoint=pay),
    Rule("/_emulator/invoices/<invoice>/credit_notes", methods=["POST"], endpoint=credit),
    Rule("/_emulator/invoices/<invoice>/refunds", methods=["POST"], endpoint=refund),
    Rule("/_emulator/calls", methods=["GET", "DELETE"], endpoint=calls),
    Rule("/_emulator/faults", methods=["POST", "DELETE"], endpoint=faults),
    Rule("/_emulator/deliveries", methods=["GET"], endpoint=deliveries),
    Rule("/_emulator/outbox", methods=["GET"], endpoint=show_outbox),
    Rule("/_emulator/automations", methods=["GET", "POST", "DELETE"], endpoint=automations),
    Rule("/_emulator/info", methods=["GET"], endpoint=info),
]
