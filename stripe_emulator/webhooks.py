"""Events, webhook endpoints, and the signed delivery of events to those endpoints."""

import hashlib
import hmac
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections import deque

from .errors import invalid
from .faults import matches
from .indexes import indexed
from .routes import PAGING, route
from .store import merge_metadata, random_token

indexed("event", "type")
# How long Stripe keeps events: list and retrieve reach the last 30 days
# (https://docs.stripe.com/api/events).
EVENT_RETENTION = 30 * 86400
# What a delivery carries, as Stripe's own webhook requests do.
_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign(payload, secret, timestamp):
    """The `Stripe-Signature` header value for `payload` (bytes) at `timestamp`."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@route(
    "POST",
    "/v1/webhook_endpoints",
    "webhook_endpoints.create",
    "WebhookEndpointCreateParams",
    emulates=("api_version", "description", "enabled_events", "metadata", "url"),
)
def create_webhook_endpoint(store, params):
    """Register a URL for events; the answer carries its signing `secret`, once."""
    if not params["url"].startswith(("http://", "https://")):
        raise invalid("url", "Invalid URL: the URL must start with http:// or https://")
    endpoint = store.add(
        {
            "id": store.new_id("we"),
            "object": "webhook_endpoint",
            # None unless asked: events then use the account's version, which is the SDK's.
            "api_version": params.get("api_version"),
            "application": None,
            "created": store.now(),
            "description": params.get("description"),
            "enabled_events": params["enabled_events"],
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "status": "enabled",
            "url": params["url"],
            "_secret": f"whsec_{random_token(32)}",
        }
    )
    return {**store.render(endpoint), "secret": endpoint["_secret"]}


@route(
    "GET",
    "/v1/webhook_endpoints/<endpoint>",
    "webhook_endpoints.retrieve",
    "WebhookEndpointRetrieveParams",
)
def retrieve_webhook_endpoint(store, params, endpoint):
    """Retrieve a webhook endpoint (without its secret, as on Stripe)."""
    return store.get("webhook_endpoint", endpoint)


@route(
    "POST",
    "/v1/webhook_endpoints/<endpoint>",
    "webhook_endpoints.update",
    "WebhookEndpointUpdateParams",
    emulates=("description", "disabled", "enabled_events", "metadata", "url"),
)
def update_webhook_endpoint(store, params, endpoint):
    """Change a webhook endpoint's URL, events, description, metadata, or disable it."""
    obj = store.get("webhook_endpoint", endpoint)
    if "url" in params and not params["url"].startswith(("http://", "https://")):
        raise invalid("url", "Invalid URL: the URL must start with http:// or https://")
    for key in ("url", "enabled_events", "description"):
        if key in params:
            obj[key] = params[key]
    if "metadata" in params:
        obj["metadata"] = merge_metadata(obj["metadata"], params["metadata"])
    if "disabled" in params:
        obj["status"] = "disabled" if params["disabled"] else "enabled"
    return obj


@route(
    "GET",
    "/v1/webhook_endpoints",
    "webhook_endpoints.list",
    "WebhookEndpointListParams",
    emulates=("limit", "starting_after", "ending_before"),
)
def list_webhook_endpoints(store, params):
    """List webhook endpoints."""
    return store.page("webhook_endpoint", params, "/v1/webhook_endpoints")


@route(
    "DELETE",
    "/v1/webhook_endpoints/<endpoint>",
    "webhook_endpoints.delete",
    "WebhookEndpointDeleteParams",
)
def delete_webhook_endpoint(store, params, endpoint):
    """Delete a webhook endpoint; nothing more is delivered to it."""
    obj = store.get("webhook_endpoint", endpoint)
    store.remove(obj)
    return {"id": obj["id"], "object": "webhook_endpoint", "deleted": True}


@route("GET", "/v1/events/<event>", "events.retrieve", "EventRetrieveParams")
def retrieve_event(store, params, event):
    """Retrieve an event."""
    return store.get("event", event)


@route("GET", "/v1/events", "events.list", "EventListParams", emulates=(*PAGING, "type", "types"))
def list_events(store, params):
    """List events, newest first, of the last 30 days, by `type` (`*` wildcards too), `types`
    and creation time; `delivery_success` is refused, as deliveries are not tracked per event."""
    wanted = [*(params.get("types") or []), *([params["type"]] if "type" in params else [])]
    within = None
    if wanted:
        names = [
            t for t in store.filed_values("event", "type") if any(matches(w, t) for w in wanted)
        ]
        within = store.filed("event", "type", names)
    return store.page("event", params, "/v1/events", within=within, covers=("type", "types"))


class Deliverer:
    """POSTs each event to every matching endpoint, off the request path, with retries."""

    def __init__(
        self,
        store,
        faults,
        *,
        attempts=5,
        first_retry=1.0,
        timeout=10.0,
        workers=4,
        changing=None,
    ):
        """`faults`: the armed faults, which may drop or delay a delivery; `changing()`: the
        block in which to change an event (the emulator's, which journals it)."""
        self.store = store
        self._changing = changing or (lambda: store.lock)
        self.faults = faults
        self.attempts = attempts
        self.first_retry = first_retry
        self.timeout = timeout
        self.log = deque(maxlen=10_000)
        self._queue = queue.Queue()
        self._busy = 0
        self._idle = threading.Condition()
        self._timers = set()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"webhook-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def enqueue(self, event):
        """Queue one delivery per enabled endpoint that listens for this event's type.

        Called with the store's lock held, as events are made.
        """
        # Endpoints are only looked at here: not noted as read by a change being recorded.
        peek = self.store.objects.peek
        endpoints = [
            peek(i)
            for i in self.store.by_type["webhook_endpoint"]
            if peek(i)["status"] == "enabled"
            and any(matches(t, event["type"]) for t in peek(i)["enabled_events"])
        ]
        if not endpoints or self._closed:
            return
        event["pending_webhooks"] = len(endpoints)
        payload = json.dumps(self.store.view(event), indent=2).encode()
        for endpoint in endpoints:
            job = (endpoint["url"], endpoint["_secret"], event, payload, 1)
            fault = self.faults.take_delivery(event["type"])
            if fault is None:
                self._put(job)
            elif fault.webhook == "delay":
                self._later(job, fault.seconds)
            else:  # dropped: it never reaches the endpoint, retries included
                self._record(job, "dropped")
                event["pending_webhooks"] -= 1

    def _put(self, job):
        with self._idle:
            self._busy += 1
        self._queue.put(job)

    def _done(self):
        with self._idle:
            self._busy = max(0, self._busy - 1)
            self._idle.notify_all()

    def _work(self):
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                self._attempt(*job)
            finally:
                self._done()

    def _attempt(self, url, secret, event, payload, attempt):
        timestamp = int(time.time())
        request = urllib.request.Request(
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign(payload, secret, timestamp),
                "User-Agent": _USER_AGENT,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, OSError):
            status = None  # refused, reset or timed out
        ok = status is not None and 200 <= status < 300
        job = (url, secret, event, payload, attempt)
        self._record(job, status)
        if not ok and attempt < self.attempts:
            job = (url, secret, event, payload, attempt + 1)
            self._later(job, self.first_retry * 2 ** (attempt - 1))
            return
        with self._changing():
            # Read through the store, so that a change being recorded includes the event.
            event = self.store.objects.get(event["id"], event)
            event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)

    def _record(self, job, status):
        """Log one attempt: its HTTP status, None if it could not connect, or `dropped`."""
        url, _, event, _, attempt = job
        self.log.append(
            {
                "event": event["id"],
                "type": event["type"],
                "url": url,
                "attempt": attempt,
                "status": status,
            }
        )

    def _later(self, job, delay):
        with self._idle:
            self._busy += 1
        timer = threading.Timer(delay, self._fire, (job,))
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    def _fire(self, job):
        self._timers.discard(threading.current_thread())
        self._queue.put(job)

    def wait_idle(self, timeout=10.0):
        """Block until every delivery, retries included, has finished; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self):
        """Stop delivering: cancel retries, stop the threads, release `wait_idle`."""
        self._closed = True
        for timer in list(self._timers):
            timer.cancel()
        for _ in self._threads:
            self._queue.put(None)
        with self._idle:
            self._busy = 0
            self._idle.notify_all()
