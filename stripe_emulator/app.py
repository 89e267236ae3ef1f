"""The emulator as a WSGI app: Stripe's wire format around the handlers of `routes`."""

import json
import threading
import time

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import catalog, customers, hosted, invoices, payments, webhooks  # noqa: F401 - they register routes
from .errors import StripeAPIError, invalid
from .routes import ROUTES
from .schema import check, decode, params_class
from .store import API_VERSION, Store, random_token

_KEY_PREFIXES = ("sk_test_", "rk_test_")
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
    ):
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
        )

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
        """Stop delivering webhooks."""
        self.deliverer.close()

    # WSGI

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except StripeAPIError as error:
            response = _error_response(error)
        return response(environ, start_response)

    def _dispatch(self, request):
        adapter = self._routes.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException:
            raise StripeAPIError(
                f"Unrecognized request URL ({request.method}: {request.path}).", status=404
            ) from None
        if isinstance(endpoint, str):
            return getattr(self, f"_control_{endpoint}")(request, **args)
        return self._api(request, endpoint, args)

    def _api(self, request, route, args):
        _authenticate(request)
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
        source = request.form if request.method == "POST" else request.args
        params = check(decode(source.items(multi=True)), params_class(route.params))
        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        with self.store.lock:
            if key:
                fingerprint = (
                    request.method,
                    request.path,
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
                    return _json(
                        saved[2], saved[1], {"Idempotent-Replayed": "true", "Idempotency-Key": key}
                    )
            status, body = self._execute(request, route, args, params, key)
            if key:
                self._idempotent[key] = (fingerprint, status, body)
        return _json(body, status, {"Idempotency-Key": key} if key else {})

    def _execute(self, request, route, args, params, key):
        store = self.store
        store.base_url = request.host_url.rstrip("/")
        store.request = {"id": f"req_{random_token(14)}", "idempotency_key": key}
        try:
            result = store.render(route.handler(store, params, **args))
            for path in params.get("expand", []):
                _expand(store, result, path, path)
        except StripeAPIError as error:
            return error.status, error.body()
        finally:
            store.request = {"id": None, "idempotency_key": None}
        return 200, result

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


def _authenticate(request):
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if request.authorization and request.authorization.type == "basic":
        key = request.authorization.username or ""
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


def _json(body, status=200, headers=None):
    response = Response(json.dumps(body), status=status, content_type="application/json")
    response.headers["Request-Id"] = f"req_{random_token(14)}"
    response.headers["Stripe-Version"] = API_VERSION
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _error_response(error):
    headers = {}
    if error.should_retry is not None:
        headers["Stripe-Should-Retry"] = "true" if error.should_retry else "false"
    return _json(error.body(), error.status, headers)
