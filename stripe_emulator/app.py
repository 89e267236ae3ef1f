"""The Emulator: one emulated Stripe account, its test controls, and its WSGI app."""

import contextlib
import threading
import time

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_path_info

# Importing the modules that declare routes registers them.
from . import (  # noqa: F401
    account,
    api,
    balance_transactions,
    catalog,
    charges,
    controls,
    coupons,
    credit_notes,
    customers,
    hosted,
    invoice_items,
    invoice_previews,
    invoices,
    outbox,
    payments,
    promotion_codes,
    refunds,
    simulation,
    state,
    tax_ids,
    tax_rates,
    test_clocks,
    transitions,
    webhooks,
)
from .errors import StripeAPIError
from .faults import Faults
from .idempotency import IdempotentAnswers
from .routes import ROUTES, Route
from .store import Store
from .wire import error_answer


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
        clock=time.time,
        automations=None,
    ):
        """`state_file`: keep the state in this file, and start from it if it exists; `clock`:
        the emulator's time, Unix seconds as `time.time` gives them (objects' times, the `Date`
        of answers, when events and saved `Idempotency-Key` answers expire); `automations`:
        the account's Automations as test clocks advance (see `test_clocks.automations`)."""
        self.store = Store(clock)
        self.store.automations = test_clocks.automations(automations)
        self.store.renderers["invoice"] = invoices.render_invoice
        self.store.renderers["credit_note"] = credit_notes.render_credit_note
        self.store.renderers["coupon"] = coupons.render_coupon
        self.latency = latency_ms / 1000
        self.processing_seconds = processing_seconds
        self.faults = Faults()
        # With a state file: every change is written there before it is answered.
        self.journal = None
        self.deliverer = webhooks.Deliverer(
            self.store,
            self.faults,
            attempts=webhook_attempts,
            first_retry=webhook_first_retry,
            changing=self.changing,
        )
        self.store.listeners.append(self.deliverer.enqueue)
        self.store.later = self._later
        self.calls = []
        self.idempotent = IdempotentAnswers()
        self._routes = Map(
            [Rule(r.path, methods=[r.method], endpoint=r) for r in ROUTES]
            # A rule belongs to one map: each emulator binds its own copies.
            + [rule.empty() for rule in hosted.RULES + controls.RULES],
            strict_slashes=False,
        ).bind("emulator")
        # The port it is served on (or was, by the run that saved the state file): kept in
        # the state file, so that the next run can reuse it, as hosted invoice URLs name it.
        self._port = None
        if state_file:
            tidy = state.load(self, state_file)
            if self.expire() and tidy:  # what expired meanwhile is not written again
                tidy = False
            self.journal = state.Journal(self, state_file)
            self.idempotent.new = []
            if tidy is not None:  # else the first change makes the file
                self.journal.start(tidy)
            simulation.resume_delayed(self.store, self._later)
            refunds.resume(self.store, self._later)
            test_clocks.resume(self.store, self._later)

    @property
    def port(self):
        """The port it is served on, or was by the run that saved the state file; or None."""
        return self._port

    @port.setter
    def port(self, port):
        with self.changing():
            changed, self._port = port != self._port, port
            if changed and self.journal:
                self.journal.append({"port": port})

    @contextlib.contextmanager
    def changing(self):
        """Hold the store's lock while changing the state; with a state file, what changed is
        written there before this block ends (nested blocks: at the end of the outermost)."""
        store = self.store
        with store.lock:
            if self.journal is None or store.tracking:
                yield
                return
            store.track()
            try:
                yield
            finally:
                record = store.changes() or {}
                answers = self.idempotent.take_new()
                if answers:
                    record["idempotent"] = answers
                if record:
                    self.journal.append(record)

    def expire(self):
        """Forget what Stripe no longer keeps: events after 30 days, `Idempotency-Key` answers
        after 24 hours; how many. Each costs O(1): nothing is scanned when none is due."""
        with self.store.lock:
            moment = self.store.now()
            events = self.store.expire("event", moment - webhooks.EVENT_RETENTION)
            return events + self.idempotent.expire(moment)

    # Test controls, also reachable over HTTP under /_emulator/.

    def fail(self, operation, nth=1, times=1, after=False, error="api_error"):
        """Make the `nth` next call of `operation` (and `times - 1` more) fail: `api_error` (a
        500), or `rate_limit` or `lock_timeout` (a 429 as Stripe's; the SDK retries only a
        lock timeout, which Stripe marks `Stripe-Should-Retry: true`).

        With `after=True` (an `api_error`) the call takes effect first (objects changed, events
        sent, an idempotent answer saved), as when an answer is lost on its way back; a retry
        with the same `Idempotency-Key` then gets the saved answer.
        """
        with self.store.lock:
            self.faults.fail(operation, nth, times, after, error)

    def drop_deliveries(self, event_type="*", times=1, share=None):
        """Drop the next `times` webhook deliveries of events matching `event_type`
        (`*`, `invoice.*`, `invoice.paid`): the events exist, the endpoints never get them.
        With `share` (0 to 1), drop that share of them at random instead, until cleared."""
        with self.store.lock:
            self.faults.disturb_deliveries("drop", event_type, times, share=share)

    def delay_deliveries(self, event_type="*", seconds=2.0, times=1):
        """Deliver the next `times` webhook deliveries of matching events `seconds` late."""
        with self.store.lock:
            self.faults.disturb_deliveries("delay", event_type, times, seconds)

    def clear_faults(self):
        """Remove every armed fault, of calls and of deliveries."""
        with self.store.lock:
            self.faults.clear()

    def outbox(self, invoice=None):
        """The emails Stripe would have sent, newest first; only those about `invoice` if given."""
        with self.store.lock:
            return outbox.emails(self.store, invoice)

    def idempotency_keys(self):
        """The `Idempotency-Key`s this emulator has saved answers for."""
        with self.store.lock:
            return self.idempotent.keys()

    def reset_calls(self):
        """Forget the record of API calls."""
        with self.store.lock:
            self.calls.clear()

    def simulate_payment(self, invoice_id, outcome, base_url="", amount=None):
        """A customer paying on the hosted page: `succeed`, `fail`, `delayed`, `delayed_fail` or
        `succeed_refunds_fail`; a paying outcome pays `amount` (part of what remains) if given."""
        with self.changing(), self._at_clock_of(invoice_id):
            self.store.base_url = base_url
            invoice = simulation.simulate_payment(
                self.store, invoice_id, outcome, self._later, amount
            )
            return self.store.render(invoice)

    def issue_credit_note(self, invoice_id, amount=None, base_url="", **options):
        """Someone in Stripe's Dashboard issuing a credit note of `amount` for an invoice, with
        `lines`, `reason`, `memo`, `refund_amount`, `credit_amount` or `out_of_band_amount` as
        options (Stripe's parameters)."""
        with self.changing(), self._at_clock_of(invoice_id):
            self.store.base_url = base_url
            params = {"invoice": invoice_id, **options}
            if amount is not None:
                params["amount"] = amount
            return self.store.render(credit_notes.issue(self.store, params))

    def refund_invoice(self, invoice_id, amount=None, base_url="", **options):
        """Someone in Stripe's Dashboard refunding an invoice's payments without a credit note:
        all that is left, or `amount` (newest charge first), with `reason` as option; the
        first refund made."""
        with self.changing(), self._at_clock_of(invoice_id):
            self.store.base_url = base_url
            made = refunds.dashboard_refund(self.store, invoice_id, amount, **options)
            return self.store.render(made[0])

    def set_automations(self, setting):
        """Turn the account's Automations on (True, or days as `test_clocks.automations`
        takes) or off (None): what advancing test clocks sends about due dates."""
        chosen = test_clocks.automations(setting)
        with self.store.lock:
            self.store.automations = chosen

    def _at_clock_of(self, invoice_id):
        """Run a change about an invoice at its customer's test clock's time, if it has one."""
        return self.store.frozen_at(test_clocks.clock_of(self.store, invoice_id))

    # The state, for the state file.

    def snapshot(self):
        """Objects, saved idempotent answers and port as JSON-able data.

        It shares the live objects: call with the store's lock held, and encode it before
        letting go of the lock.
        """
        return {
            "port": self.port,
            **self.store.snapshot(),
            "idempotent": self.idempotent.snapshot(),
        }

    def restore(self, snapshot):
        """Start from a `snapshot`; a malformed one raises KeyError, TypeError or ValueError."""
        idempotent = IdempotentAnswers()
        idempotent.restore(snapshot["idempotent"], self.store.now())
        with self.store.lock:
            self.store.restore(snapshot)
            self.idempotent = idempotent
        self._restore_port(snapshot)

    def replay(self, record):
        """Apply one change of a journal (see `state`); a malformed one raises as `restore`."""
        with self.store.lock:
            if "objects" in record:
                self.store.apply(record)
            self.idempotent.add(record.get("idempotent", {}), self.store.now())
        self._restore_port(record)

    def _restore_port(self, data):
        if "port" in data:
            port = data["port"]
            self._port = port if isinstance(port, int) else None

    def _later(self, fn):
        fn = test_clocks.carried(self.store, fn)

        def run():
            with self.changing():
                fn()

        timer = threading.Timer(self.processing_seconds, run)
        timer.daemon = True
        timer.start()

    def close(self):
        """Stop delivering webhooks; rewrite the state file as one snapshot."""
        self.deliverer.close()
        if self.journal:
            self.journal.close()

    # WSGI

    def __call__(self, environ, start_response):
        """Answer one HTTP request: an API call, a hosted page, or a test control."""
        try:
            response = self._dispatch(environ)
        except StripeAPIError as error:
            response = error_answer(error, int(self.store.clock()))
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
        if isinstance(endpoint, Route):
            return api.call(self, environ, method, path, endpoint, args)
        return endpoint(self, Request(environ), **args)
