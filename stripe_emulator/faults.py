"""Faults armed by tests: API calls that fail, and webhook deliveries dropped or delayed."""

import random
from dataclasses import asdict, dataclass


def matches(pattern, event_type):
    """Whether an event type matches `*`, `invoice.*` or itself, as `enabled_events` do."""
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern in ("*", event_type)


@dataclass
class CallFault:
    """The `nth` next call of an operation, and `times - 1` more, fail.

    `after`: the call takes effect first (objects changed, events sent, an idempotent answer
    saved), then its answer is lost: the client gets a 500 all the same.
    """

    skip: int
    times: int
    after: bool


@dataclass
class DeliveryFault:
    """The next `times` webhook deliveries of matching events are dropped or delayed; or, with
    a `share`, that share of them at random, until cleared."""

    webhook: str  # "drop" or "delay"
    type: str
    times: int
    seconds: float
    share: float | None = None


class Faults:
    """Armed faults. Not locked on its own: callers hold the store's lock."""

    def __init__(self):
        self._calls = {}
        self._deliveries = []
        self._random = random.Random()

    def fail(self, operation, nth=1, times=1, after=False):
        """Make the `nth` next call of `operation` (and `times - 1` more) fail."""
        self._calls[operation] = CallFault(nth - 1, times, after)

    def disturb_deliveries(self, webhook, event_type, times, seconds=0.0, share=None):
        """Drop (`webhook="drop"`) or delay the next `times` deliveries of matching events, or
        a `share` of them (0 to 1) at random until cleared."""
        self._deliveries.append(DeliveryFault(webhook, event_type, times, seconds, share))

    def clear(self):
        """Remove every armed fault."""
        self._calls.clear()
        self._deliveries.clear()

    def take_call(self, operation):
        """The fault this call of `operation` meets (counted against it), or None."""
        fault = self._calls.get(operation)
        if fault is None:
            return None
        if fault.skip > 0:
            fault.skip -= 1
            return None
        fault.times -= 1
        if fault.times <= 0:
            del self._calls[operation]
        return fault

    def take_delivery(self, event_type):
        """The fault one delivery of an event of this type meets (counted), or None."""
        for fault in self._deliveries:
            if not matches(fault.type, event_type):
                continue
            if fault.share is not None:
                if self._random.random() < fault.share:
                    return fault
            else:
                fault.times -= 1
                if fault.times <= 0:
                    self._deliveries.remove(fault)
                return fault
        return None

    def shown(self):
        """The armed faults as JSON-able data."""
        return {
            "faults": {operation: asdict(fault) for operation, fault in self._calls.items()},
            "webhooks": [asdict(fault) for fault in self._deliveries],
        }
