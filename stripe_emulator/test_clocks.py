"""Test clocks: create, read, list, delete and advance them; the time their customers' objects
are made at; and what time does to those customers' invoices as a clock advances
(https://docs.stripe.com/api/test_clocks, https://docs.stripe.com/billing/testing/test-clocks).

A customer made with `test_clock` lives at the clock's `frozen_time`: every call about it (or
about its invoices, items, payments, credit notes, charges and refunds) runs at that time
(`Store.frozen_at`), so what the call makes and the events it sends are stamped with it.
Advancing a clock answers `advancing` at once; after the emulator's processing delay, what
happens to its customers' invoices up to the new time happens in order, each at its own moment,
and the clock is `ready`.
"""

import datetime
import functools

from . import customers
from .errors import StripeAPIError, invalid, state
from .indexes import indexed
from .routes import route
from .store import deleted
from .transitions import finalize, send_invoice

KIND = "test_helpers.test_clock"
_LABEL = "test clock"
_HOUR, _DAY = 3600, 86400
# `deletes_after` is 7 days after `created`, as in Stripe's own example of the object
# (created 1680112806, deletes_after 1680717606); the emulator shows it but deletes nothing.
_LIFETIME = 7 * _DAY
# With automatic advancement on, Stripe finalizes a draft an hour after it is made
# (https://docs.stripe.com/invoicing/integration/automatic-advancement-collection).
AUTO_FINALIZE_AFTER = _HOUR
# The account's Automations when turned on without days: `invoice.will_be_due` this many days
# before an open invoice's due date, `invoice.overdue` this many days after it. Stripe sends
# either only as Automations say ("X number of days ... where X is determined by Automations").
DEFAULT_AUTOMATIONS = {"will_be_due": 7, "overdue": 1}
# A name is at most 300 characters (https://docs.stripe.com/api/test_clocks/create).
_NAME_LENGTH = 300
# What a call's parameters may name, through which the customer it is about is found.
_NAMING = ("customer", "invoice", "charge", "payment_intent")

# A clock's customers, for advancing and deleting it, and for `customers.list(test_clock=)`.
indexed("customer", "test_clock", changes=True)


def automations(setting):
    """The account's Automations from `Emulator(automations=...)`: None or False (off), True
    (DEFAULT_AUTOMATIONS), or days as `{"will_be_due": int | None, "overdue": int | None}`."""
    if setting is None or setting is False:
        return None
    if setting is True:
        return dict(DEFAULT_AUTOMATIONS)
    if not isinstance(setting, dict) or set(setting) - set(DEFAULT_AUTOMATIONS):
        raise ValueError(f"automations: True, or days for {', '.join(DEFAULT_AUTOMATIONS)}")
    chosen = {**DEFAULT_AUTOMATIONS, **setting}
    for key, days in chosen.items():
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
            raise ValueError(f"automations: {key} is a whole number of days, 0 or more, or None")
    return chosen


# Which clock a change runs at.


def clock_of_call(store, args, params):
    """The test clock an API call runs at: that of the customer it is about (named, or owning
    what it names), or the `test_clock` a customer is made on; None for the store's clock."""
    if isinstance(params.get("test_clock"), str):
        return _clock(store, params["test_clock"], "test_clock")
    if not store.by_type.get(KIND):
        return None  # no clock exists: every call runs at the store's clock
    named = [*args.values(), *(params.get(key) for key in _NAMING)]
    for object_id in named:
        if isinstance(object_id, str):
            clock = clock_of(store, object_id)
            if clock is not None:
                return clock
    return None


def clock_of(store, object_id):
    """The test clock of the customer that owns the object `object_id` (a customer, invoice,
    invoice item, payment, charge, refund or credit note), or None."""
    peek = store.objects.peek
    obj = peek(object_id)
    for _ in range(3):  # a refund names its charge, an invoice payment its invoice
        if obj is None or obj.get("object") == "customer":
            break
        link = next((obj[k] for k in ("customer", "charge", "invoice") if obj.get(k)), None)
        obj = peek(link) if isinstance(link, str) else None
    clock_id = obj.get("test_clock") if obj and obj.get("object") == "customer" else None
    return peek(clock_id) if clock_id else None


def carried(store, fn):
    """`fn`, made to run later at the time of the test clock the current change runs at (a
    delayed payment or a refund settling for a clock's customer)."""
    if store.frozen is None:
        return fn
    clock_id = store.frozen["id"]

    @functools.wraps(fn)
    def at_clock():
        with store.frozen_at(store.objects.peek(clock_id)):
            fn()

    return at_clock


# The API.


def _clock(store, clock_id, param=None):
    return store.get(KIND, clock_id, param, label=_LABEL)


@route(
    "POST",
    "/v1/test_helpers/test_clocks",
    "test_helpers.test_clocks.create",
    "test_helpers.TestClockCreateParams",
    emulates=("customer", "frozen_time", "name"),
)
def create_clock(store, params):
    """Create a test clock frozen at `frozen_time` (past or future); `customer` attaches an
    existing customer to it, for good."""
    name = params.get("name")
    if name is not None and len(name) > _NAME_LENGTH:
        raise invalid("name", f"Invalid name: must be at most {_NAME_LENGTH} characters")
    customer = None
    if "customer" in params:
        customer = customers.live_customer(store, params["customer"], "customer")
        if customer["test_clock"] is not None:
            raise invalid("customer", "This customer is already attached to a test clock.")
    created = store.now()
    clock = store.add(
        {
            "id": store.new_id("clock"),
            "object": KIND,
            "created": created,
            "deletes_after": created + _LIFETIME,
            "frozen_time": params["frozen_time"],
            "livemode": False,
            "name": name,
            "status": "ready",
            "status_details": {},
        }
    )
    store.emit("test_helpers.test_clock.created", clock)
    if customer is not None:
        customer["test_clock"] = clock["id"]
        store.refile(customer)
        with store.frozen_at(clock):
            store.emit("customer.updated", customer, {"test_clock": None})
    return clock


@route(
    "GET",
    "/v1/test_helpers/test_clocks/<test_clock>",
    "test_helpers.test_clocks.retrieve",
    "test_helpers.TestClockRetrieveParams",
)
def retrieve_clock(store, params, test_clock):
    """Retrieve a test clock."""
    return _clock(store, test_clock)


@route(
    "GET",
    "/v1/test_helpers/test_clocks",
    "test_helpers.test_clocks.list",
    "test_helpers.TestClockListParams",
    emulates=("limit", "starting_after", "ending_before"),
)
def list_clocks(store, params):
    """List test clocks, newest first."""
    return store.page(KIND, params, "/v1/test_helpers/test_clocks")


@route(
    "DELETE",
    "/v1/test_helpers/test_clocks/<test_clock>",
    "test_helpers.test_clocks.delete",
    "test_helpers.TestClockDeleteParams",
)
def delete_clock(store, params, test_clock):
    """Delete a test clock and, as Stripe does, the customers attached to it."""
    clock = _clock(store, test_clock)
    with store.frozen_at(clock):
        for customer_id in clock_customers(store, clock["id"]):
            customers.delete_customer(store, {}, customer_id)
    snapshot = store.render(clock)
    store.remove(clock)
    store.emit("test_helpers.test_clock.deleted", snapshot)
    return deleted(clock)


def clock_customers(store, clock_id):
    """The ids of the customers attached to a test clock, oldest first."""
    return [i for bucket in store.filed("customer", "test_clock", [clock_id]) for i in bucket]


@route(
    "POST",
    "/v1/test_helpers/test_clocks/<test_clock>/advance",
    "test_helpers.test_clocks.advance",
    "test_helpers.TestClockAdvanceParams",
    emulates=("frozen_time",),
)
def advance_clock(store, params, test_clock):
    """Start advancing a test clock to a later `frozen_time` (at most two years ahead, as a
    clock without subscriptions may go); it answers `advancing` and is `ready` once done."""
    clock = _clock(store, test_clock)
    if clock["status"] != "ready":
        raise state(
            f"The test clock {test_clock} is {clock['status']}; it can advance again once it "
            "is ready."
        )
    target, current = params["frozen_time"], clock["frozen_time"]
    if target <= current:
        raise invalid(
            "frozen_time",
            f"The frozen_time ({target}) must be after the test clock's current frozen_time "
            f"({current}): a test clock cannot go back in time.",
        )
    if target > _two_years_after(current):
        raise invalid(
            "frozen_time",
            "A test clock without subscriptions cannot advance more than two years ahead of "
            f"its current frozen_time ({current}).",
        )
    clock["status"] = "advancing"
    clock["status_details"] = {"advancing": {"target_frozen_time": target}}
    store.emit("test_helpers.test_clock.advancing", clock)
    store.later(functools.partial(finish_advance, store, clock["id"]))
    return clock


def _two_years_after(moment):
    """The same moment two calendar years later (29 February going to 28 February)."""
    start = datetime.datetime.fromtimestamp(moment, datetime.UTC)
    try:
        later = start.replace(year=start.year + 2)
    except ValueError:
        later = start.replace(year=start.year + 2, day=28)
    return int(later.timestamp())


def resume(store, schedule):
    """Schedule again the advances that were under way when the state was saved."""
    for clock_id in store.by_type.get(KIND, ()):
        if store.objects.peek(clock_id)["status"] == "advancing":
            schedule(functools.partial(finish_advance, store, clock_id))


# What time does, as a clock advances.


def finish_advance(store, clock_id):
    """Bring a clock's customers' invoices up to its target time, each step at its own
    moment in order (its events stamped then), then make the clock `ready` there."""
    with store.lock:
        clock = store.objects.get(clock_id)
        if clock is None or clock["status"] != "advancing":
            return  # deleted meanwhile
        target = clock["status_details"]["advancing"]["target_frozen_time"]
        start, done = clock["frozen_time"], set()
        with store.frozen_at(clock):
            while (step := _next_step(store, clock, start, target, done)) is not None:
                moment, key, act = step
                done.add(key)
                clock["frozen_time"] = moment  # the clock passes through each step's moment
                act(store, *key)
        clock.update(frozen_time=target, status="ready", status_details={})
        store.emit("test_helpers.test_clock.ready", clock)


def _next_step(store, clock, start, target, done):
    """The earliest thing due to happen to the clock's invoices after `start` and no earlier
    than where the clock is, up to `target`: (moment, (invoice id, kind), action), or None."""
    now, steps = clock["frozen_time"], []
    for invoice in _clock_invoices(store, clock["id"]):
        for moment, kind, act in _steps(store, invoice, now):
            key = (invoice["id"], kind)
            # A draft late for finalizing is finalized at once; what was due before the
            # advance started, or before where the clock is, was missed and stays so.
            late_ok = kind == "finalize" or moment > start
            if key not in done and now <= moment <= target and late_ok:
                steps.append((moment, key, act))
    return min(steps, key=lambda step: step[0]) if steps else None


def _clock_invoices(store, clock_id):
    """The invoices of a clock's customers, oldest first within each customer."""
    buckets = store.filed("invoice", "customer", clock_customers(store, clock_id))
    return [store.objects[i] for bucket in buckets for i in bucket]


def _steps(store, invoice, now):
    """What is due to happen to one invoice, as (moment, kind, action): a draft with automatic
    advancement is finalized an hour after it was made (at once if that is past); with
    Automations on, an open invoice is announced as soon due, then as overdue."""
    if invoice["status"] == "draft" and invoice["auto_advance"]:
        due = invoice["automatically_finalizes_at"] or invoice["created"] + AUTO_FINALIZE_AFTER
        return [(max(due, now), "finalize", _auto_finalize)]
    settings, due_date = store.automations, invoice["due_date"]
    if settings is None or invoice["status"] != "open" or due_date is None:
        return []
    steps = []
    if settings["will_be_due"] is not None:
        steps.append((due_date - settings["will_be_due"] * _DAY, "will_be_due", _announce))
    if settings["overdue"] is not None:
        steps.append((due_date + settings["overdue"] * _DAY, "overdue", _announce))
    return steps


def _auto_finalize(store, invoice_id, kind):
    """Finalize a draft as automatic advancement does; one to be sent is emailed too. One that
    cannot be finalized stays a draft, its `invoice.finalization_failed` sent."""
    invoice = store.objects[invoice_id]
    try:
        if invoice["collection_method"] == "send_invoice":
            send_invoice(store, {}, invoice_id)
        else:
            finalize(store, invoice)
    except StripeAPIError:
        pass  # no caller to answer: the event told what failed


_EVENTS = {"will_be_due": "invoice.will_be_due", "overdue": "invoice.overdue"}


def _announce(store, invoice_id, kind):
    """Send `invoice.will_be_due` or `invoice.overdue` (by `kind`) for an invoice still open."""
    invoice = store.objects[invoice_id]
    if invoice["status"] == "open":
        store.emit(_EVENTS[kind], invoice)
