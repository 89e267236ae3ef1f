"""Faults armed by tests: API calls that fail, and webhook deliveries dropped or delayed."""

import random
from dataclasses import asdict, dataclass

from .errors import StripeAPIError

# What a failing call answers: a 500 `api_error`, or a 429 of Stripe's request rate limiter
# (`rate_limit`, which Stripe's libraries do not retry) or of an object lock (`lock_timeout`,
# which Stripe asks to retry with `Stripe-Should-Retry: true`; https://docs.stripe.com/rate-limits).
CALL_ERRORS = ("api_error", "rate_limit", "lock_timeout")
_LOCKED = (
    "This object cannot be accessed right now because another API request or Stripe process is "
    "currently accessing it. If you see this error intermittently, retry the request. If you see "
    "this error frequently and are making multiple concurrent requests to a single object, make "
    "your requests serially or at a lower rate."
)


def matches(pattern, event_type):
    """Whether an event type matches `*`, `invoice.*` or itself, as `enabled_events` do."""
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern in ("*", event_type)


@dataclass
class CallFault:
    """The `nth` next call of an operation, and `times - 1` more, fail with `error` (one of
    CALL_ERRORS).

    `after`: the call takes effect first (objects changed, events sent, an idempotent answer
    saved), then its answer is lost: the client gets a 500 all the same.
    """

    skip: int
    times: int
    after: bool
    error: str = "api_error"

    def exception(self):
        """What the failing call raises, as Stripe answers it."""
        if self.error == "rate_limit":
            return StripeAPIError(
                "Request rate limit exceeded. Learn more about rate limits here "
                "https://stripe.com/docs/rate-limits.",
                status=429,
                code="rate_limit",
            )
        if self.error == "lock_timeout":
            return StripeAPIError(_LOCKED, status=429, code="lock_timeout", should_retry=True)
        return StripeAPIError(
            "An error occurred with our connection to Stripe (injected by the emulator).",
            status=500,
            type="api_error",
            should_retry=False,
        )


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

    def fail(self, operation, nth=1, times=1, after=False, error="api_error"):
        """Make the `nth` next call of `operation` (and `times - 1` more) fail with `error`."""
        if error not in CALL_ERRORS:
            raise ValueError(f"error must be one of {', '.join(CALL_ERRORS)}")
        if after and error != "api_error":
            raise ValueError("a call refused with a 429 never takes effect: after is for api_error")
        self._calls[operation] = CallFault(nth - 1, times, after, error)

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
