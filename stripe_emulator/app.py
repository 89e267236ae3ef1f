"""The emulator as a WSGI app: Stripe's wire format around the handlers of `routes`."""

import json
import threading
import time
from urllib.parse import parse_qsl

from werkzeug.datastructures import Authorization
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import get_host, get_input_stream, get_path_info

from . import catalog, customers, hosted, invoices, payments, state, webhooks  # noqa: F401 - they register routes
from .errors import StripeAPIError, invalid
from .routes import ROUTES
from .schema import check, decode, params_class
from .store import API_VERSION, Store, random_token

_KEY_PREFIXES = ("sk_test_", "rk_test_")
_FORM = "application/x-www-form-urlencoded"
_INCLUDABLE = {
    "confirmation_secret": payments.confirmation_secret,
    "payments": payments.invoice_payments,
}


class Emulator:
    """One emulated Stripe account: its state, its webhook deliveries, and its WSGI app."""

    def __init__(
        self,
        *,
        latency_ms=0,
        processing_seconds=3.0,
        webhook_attempts=5,
        webhook_first_retry=1.0,
        state_file=None,
    ):
        """`state_file`: keep the state in this JSON file, and start from it if it exists."""
        self.store = Store()
        self.store.renderers["invoice"] = invoices.render_invoice
        self.latency = latency_ms / 1000
        self.processing_seconds = processing_seconds
        self.deliverer = webhooks.Deliverer(
            self.store, attempts=webhook_attempts, first_retry=webhook_first_retry
        )
        self.store.listeners.append(self.deliverer.enqueue)
        self.calls = []
        self._idempotent = {}
        self._faults = {}
        self._routes = Map(
            [Rule(r.path, methods=[r.method], endpoint=r) for r in ROUTES]
            + [
                Rule("/i/<invoice>", methods=["GET"], endpoint="hosted_page"),
                Rule("/i/<invoice>/pdf", methods=["GET"], endpoint="hosted_pdf"),
                Rule("/_emulator/invoices/<invoice>/payments", methods=["POST"], endpoint="pay"),
                Rule("/_emulator/calls", methods=["GET", "DELETE"], endpoint="calls"),
                Rule("/_emulator/faults", methods=["POST", "DELETE"], endpoint="faults"),
                Rule("/_emulator/deliveries", methods=["GET"], endpoint="deliveries"),
            ],
            strict_slashes=False,
        ).bind("emulator")
        # The port it is served on (or was, by the run that saved the state file): kept in
        # the state file, so that the next run can reuse it, as hosted invoice URLs name it.
        self.port = None
        self._saver = None
        if state_file:
            state.load(self, state_file)
            invoices.resume_delayed(self.store, self._later)
            self._saver = state.Saver(self, state_file)
            self.store.listeners.append(lambda event: self._saver.changed())

    # Test controls, also reachable over HTTP under /_emulator/.

    def fail(self, operation, nth=1, times=1):
        """Make the `nth` next call of `operation` (and `times - 1` more) fail with `api_error`."""
        with self.store.lock:
            self._faults[operation] = [nth - 1, times]

    def clear_faults(self):
        """Remove every armed fault."""
        with self.store.lock:
            self._faults.clear()

    def idempotency_keys(self):
        """The `Idempotency-Key`s this emulator has saved answers for."""
        with self.store.lock:
            return list(self._idempotent)

    def reset_calls(self):
        """Forget the record of API calls."""
        with self.store.lock:
            self.calls.clear()

    def simulate_payment(self, invoice_id, outcome):
        """A customer paying on the hosted page: `succeed`, `fail`, `delayed`, `delayed_fail`."""
        with self.store.lock:
            self.store.base_url = ""
            invoice = invoices.simulate_payment(self.store, invoice_id, outcome, self._later)
            return self.store.render(invoice)

    def _later(self, fn):
        timer = threading.Timer(self.processing_seconds, fn)
        timer.daemon = True
        timer.start()

    def close(self):
        """Stop delivering webhooks; write the state file a last time."""
        self.deliverer.close()
        if self._saver:
            self._saver.close()

    # WSGI

    def __call__(self, environ, start_response):
        try:
            response = self._dispatch(environ)
        except StripeAPIError as error:
            response = _error_response(error)
        return response(environ, start_response)

    def _dispatch(self, environ):
        method, path = environ["REQUEST_METHOD"], get_path_info(environ) or "/"
        try:
            # No routes depend on the host, so one adapter bound once serves every request.
            endpoint, args = self._routes.match(path, method)
        except HTTPException:
            raise StripeAPIError(
                f"Unrecognized request URL ({method}: {path}).", status=404
            ) from None
        if isinstance(endpoint, str):
            return getattr(self, f"_control_{endpoint}")(Request(environ), **args)
        # API calls read the environ directly: a werkzeug Request and Response cost more
        # than the work of most calls.
        return self._api(environ, method, path, endpoint, args)

    def _api(self, environ, method, path, route, args):
        _authenticate(environ.get("HTTP_AUTHORIZATION", ""))
        with self.store.lock:
            self.calls.append(route.operation)
            fault = self._take_fault(route.operation)
        if self.latency:
            time.sleep(self.latency)
        if fault:
            raise StripeAPIError(
                "An error occurred with our connection to Stripe (injected by the emulator).",
                status=500,
                type="api_error",
                should_retry=False,
            )
        params = check(decode(_fields(environ, method)), params_class(route.params))
        key = environ.get("HTTP_IDEMPOTENCY_KEY") if method == "POST" else None
        with self.store.lock:
            if key:
                fingerprint = (
                    method,
                    path,
                    json.dumps(params, sort_keys=True, default=str),
                )
                saved = self._idempotent.get(key)
                if saved and saved[0] != fingerprint:
                    raise StripeAPIError(
                        "Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{key}' if you "
                        "meant to execute a different request.",
                        type="idempotency_error",
                    )
                if saved:
                    return _answer(
                        saved[2], saved[1], {"Idempotent-Replayed": "true", "Idempotency-Key": key}
                    )
            base_url = f"{environ['wsgi.url_scheme']}://{get_host(environ)}"
            # The answer's Request-Id is also the `request.id` of the events the call makes.
            request_id = f"req_{random_token(14)}"
            status, body = self._execute(base_url, request_id, route, args, params, key)
            if key:
                self._idempotent[key] = (fingerprint, status, body)
            if self._saver and method != "GET":
                self._saver.changed()
        return _answer(body, status, {"Idempotency-Key": key} if key else {}, request_id)

    def _execute(self, base_url, request_id, route, args, params, key):
        store = self.store
        store.base_url = base_url
        store.request = {"id": request_id, "idempotency_key": key}
        try:
            result = route.handler(store, params, **args)
            expand = params.get("expand", [])
            # Encoded here, under the lock, so a plain view of the live object is enough;
            # expanding changes the answer, so it works on a copy.
            shown = store.render(result) if expand else store.view(result)
            for path in expand:
                _expand(store, shown, path, path)
        except StripeAPIError as error:
            return error.status, _encode(error.body())
        finally:
            store.request = {"id": None, "idempotency_key": None}
        return 200, _encode(shown)

    def _take_fault(self, operation):
        fault = self._faults.get(operation)
        if not fault:
            return False
        if fault[0] > 0:
            fault[0] -= 1
            return False
        fault[1] -= 1
        if fault[1] <= 0:
            del self._faults[operation]
        return True

    def _control_calls(self, request):
        if request.method == "DELETE":
            self.reset_calls()
        with self.store.lock:
            return _json({"calls": list(self.calls)})

    def _control_faults(self, request):
        if request.method == "DELETE":
            self.clear_faults()
            return _json({"faults": {}})
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("operation"), str):
            raise invalid("operation", "Send JSON: {operation, nth?, times?}.")
        self.fail(body["operation"], int(body.get("nth", 1)), int(body.get("times", 1)))
        return _json({"faults": {k: v for k, v in self._faults.items()}})

    def _control_deliveries(self, request):
        return _json({"deliveries": list(self.deliverer.log)})

    def _control_pay(self, request, invoice):
        from_form = not request.is_json
        outcome = (
            request.form.get("outcome") if from_form else (request.get_json() or {}).get("outcome")
        )
        with self.store.lock:
            self.store.base_url = request.host_url.rstrip("/")
            result = invoices.simulate_payment(self.store, invoice, outcome, self._later)
            shown = self.store.render(result)
        if from_form:
            return Response(status=303, headers={"Location": f"/i/{invoice}"})
        return _json(shown)

    def _hosted(self, invoice):
        with self.store.lock:
            obj = self.store.get("invoice", invoice)
            intent = self.store.objects.get(obj["_payment_intent"])
            processing = bool(intent and intent["status"] == "processing")
            return self.store.render(obj), list(obj["_lines"]), processing

    def _control_hosted_page(self, request, invoice):
        shown, lines, processing = self._hosted(invoice)
        html = hosted.page(shown, lines, processing)
        return Response(html, content_type="text/html; charset=utf-8")

    def _control_hosted_pdf(self, request, invoice):
        shown, lines, _ = self._hosted(invoice)
        name = f"Invoice-{shown['number'] or shown['id']}.pdf"
        return Response(
            hosted.pdf(shown, lines),
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )


def _fields(environ, method):
    """The call's parameters as (key, value) pairs: the query of a GET, the form of a POST."""
    if method != "POST":
        return parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("CONTENT_TYPE", "").partition(";")[0].strip() != _FORM:
        return []
    body = get_input_stream(environ).read().decode("utf-8", "replace")
    return parse_qsl(body, keep_blank_values=True)


def _authenticate(header):
    scheme, _, key = header.partition(" ")
    if scheme.lower() == "basic":  # `curl -u sk_test_...:`
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


def _expand(store, obj, path, full):
    """Replace the id at `path` with its object, or fill in an includable field."""
    head, _, rest = path.partition(".")
    if head == "data" and obj.get("object") in ("list", "search_result") and rest:
        for item in obj["data"]:
            _expand(store, item, rest, full)
        return
    live = store.objects.get(obj.get("id"))
    if obj.get("object") == "invoice" and head in _INCLUDABLE and live is not None:
        obj[head] = _INCLUDABLE[head](store, live)
    elif isinstance(obj.get(head), str) and obj[head] in store.objects:
        obj[head] = store.render(store.objects[obj[head]])
    elif not isinstance(obj.get(head), dict):
        raise invalid("expand", f"This property cannot be expanded ({full}).")
    if rest and isinstance(obj[head], dict):
        _expand(store, obj[head], rest, full)


class _Answer:
    """A JSON answer as a WSGI app."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __call__(self, environ, start_response):
        start_response(f"{self.status} {HTTP_STATUS_CODES.get(self.status, '')}", self.headers)
        return [self.body]


def _encode(body):
    return json.dumps(body).encode()


def _json(body, status=200, headers=None):
    return _answer(_encode(body), status, headers)


def _answer(data, status=200, headers=None, request_id=None):
    fixed = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(data))),
        ("Request-Id", request_id or f"req_{random_token(14)}"),
        ("Stripe-Version", API_VERSION),
    ]
    return _Answer(status, fixed + list((headers or {}).items()), data)


def _error_response(error):
    headers = {}
    if error.should_retry is not None:
        headers["Stripe-Should-Retry"] = "true" if error.should_retry else "false"
    return _json(error.body(), error.status, headers)
