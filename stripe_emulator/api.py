"""One API call: authenticate, check the parameters, replay or run the handler, answer.

API calls read the WSGI environ directly: a werkzeug Request and Response cost more than the
work of most calls.
"""

import time

from werkzeug.datastructures import Authorization
from werkzeug.wsgi import get_host

from . import payments, refunds, tax_ids, test_clocks
from .errors import StripeAPIError, invalid
from .schema import check, decode, params_class
from .store import random_token, to_json
from .wire import answer, fields

_KEY_PREFIXES = ("sk_test_", "rk_test_")
# Fields an object shows only when asked, by its type: computed from the live object.
_INCLUDABLE = {
    ("invoice", "confirmation_secret"): payments.confirmation_secret,
    ("invoice", "payments"): payments.invoice_payments,
    ("charge", "refunds"): refunds.charge_refunds,
    ("customer", "tax_ids"): tax_ids.customer_tax_ids,
}
# Fields naming another object by id, null when there is none: expanding a null one answers
# null, as Stripe does (any other field cannot be expanded).
_REFERENCES = frozenset(
    {
        "application",
        "balance_transaction",
        "charge",
        "coupon",
        "credit_note",
        "customer",
        "customer_balance_transaction",
        "default_payment_method",
        "default_source",
        "failure_balance_transaction",
        "invoice",
        "invoice_item",
        "latest_charge",
        "latest_revision",
        "on_behalf_of",
        "payment_intent",
        "payment_method",
        "promotion_code",
        "review",
        "subscription",
        "test_clock",
    }
)


def call(emulator, environ, method, path, route, args):
    """Answer one API call to `route` as a WSGI app."""
    authenticate(environ.get("HTTP_AUTHORIZATION", ""))
    store = emulator.store
    with store.lock:
        emulator.calls.append(route.operation)
        fault = emulator.faults.take_call(route.operation)
        emulator.expire()
    if emulator.latency:
        time.sleep(emulator.latency)
    if fault and not fault.after:
        raise fault.exception()
    params = check(decode(fields(environ, method)), params_class(route.params), route.emulates)
    key = environ.get("HTTP_IDEMPOTENCY_KEY") if method == "POST" else None
    # A call that may change the state is in the state file before it is answered.
    with emulator.changing() if emulator.journal and method != "GET" else store.lock:
        moment = store.now()
        if key:
            fingerprint = emulator.idempotent.fingerprint(method, path, params)
            saved = emulator.idempotent.replay(key, fingerprint, moment)
        if key and saved:
            status, body = saved
            headers = {"Idempotent-Replayed": "true", "Idempotency-Key": key}
            request_id = None
        else:
            base_url = f"{environ['wsgi.url_scheme']}://{get_host(environ)}"
            # The answer's Request-Id is also the `request.id` of the events the call makes.
            request_id = f"req_{random_token(14)}"
            status, body = _execute(store, base_url, request_id, route, args, params, key)
            if key:
                emulator.idempotent.save(key, fingerprint, status, body, moment)
            headers = {"Idempotency-Key": key} if key else {}
    if fault:  # an answer lost on its way back: the call took effect all the same
        raise fault.exception()
    return answer(body.encode(), status, headers, request_id, moment)


def _execute(store, base_url, request_id, route, args, params, key):
    """Run the handler: (status, the answer as JSON text)."""
    store.base_url = base_url
    store.request = {"id": request_id, "idempotency_key": key}
    store.forget_texts()
    try:
        # A call about a test clock's customer runs at the clock's time (test_clocks.py).
        with store.frozen_at(test_clocks.clock_of_call(store, args, params)):
            result = route.handler(store, params, **args)
        expand = params.get("expand", [])
        # Encoded here, under the lock, so a plain view of the live object is enough;
        # expanding changes the answer, so it works on a copy.
        shown = store.render(result) if expand else store.view(result)
        for path in expand:
            _expand(store, shown, path, path)
    except StripeAPIError as error:
        return error.status, to_json(error.body(request_id))
    finally:
        store.request = {"id": None, "idempotency_key": None}
    # The same text as the snapshot of an event the call made is kept once (a saved answer).
    return 200, store.shared(to_json(shown))


def authenticate(header):
    """Accept a test secret key as a Bearer token or a Basic user (`curl -u sk_test_...:`)."""
    scheme, _, key = header.partition(" ")
    if scheme.lower() == "basic":
        credentials = Authorization.from_header(header)
        key = (credentials and credentials.username) or ""
    elif scheme.lower() != "bearer":
        key = ""
    if not key:
        raise StripeAPIError(
            "You did not provide an API key. Provide it in the Authorization header, "
            "e.g. 'Authorization: Bearer sk_test_...'.",
            status=401,
        )
    if not key.startswith(_KEY_PREFIXES) or len(key) < 12:
        raise StripeAPIError(f"Invalid API Key provided: {key[:8]}****{key[-4:]}", status=401)


def _expandable(store, value):
    return isinstance(value, str) and value in store.objects


def _expand(store, obj, path, full):
    """Replace the id at `path` with its object, or fill in an includable field."""
    head, _, rest = path.partition(".")
    if head == "data" and obj.get("object") in ("list", "search_result") and rest:
        for item in obj["data"]:
            _expand(store, item, rest, full)
        return
    # Expanding only reads: not noted as read by a change being recorded.
    live = store.objects.peek(obj.get("id"))
    includable = _INCLUDABLE.get((obj.get("object"), head))
    value = obj.get(head)
    if includable and live is not None:
        obj[head] = includable(store, live)
    elif isinstance(value, str) and value in store.objects:
        obj[head] = store.render(store.objects.peek(value))
    elif value == []:  # an empty array of ids (no discounts) stays empty
        return
    elif isinstance(value, list) and all(_expandable(store, i) for i in value):
        # An array of ids, as an invoice's `discounts`: each id becomes its object.
        obj[head] = [store.render(store.objects.peek(i)) for i in value]
        for item in obj[head] if rest else ():
            _expand(store, item, rest, full)
        return
    elif isinstance(value, list) and rest and all(isinstance(i, dict) for i in value):
        # Each hash of an array, as a credit note's `refunds.refund`.
        for item in value:
            _expand(store, item, rest, full)
        return
    elif value is None and head in _REFERENCES and head in obj:
        return
    elif not isinstance(value, dict):
        raise invalid("expand", f"This property cannot be expanded ({full}).")
    if rest and isinstance(obj[head], dict):
        _expand(store, obj[head], rest, full)
