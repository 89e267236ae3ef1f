"""Stripe's error objects, raised inside the emulator and rendered as Stripe renders them."""


class StripeAPIError(Exception):
    """An error answered in Stripe's shape: `{"error": {"type", "code", "param", "message"}}`."""

    def __init__(
        self,
        message,
        *,
        status=400,
        type="invalid_request_error",
        code=None,
        param=None,
        should_retry=None,
        extra=None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        # Stripe sends `Stripe-Should-Retry` on some errors; the SDK obeys it.
        self.should_retry = should_retry
        # More of Stripe's error fields, such as a card error's `decline_code`.
        self.extra = extra or {}

    def doc_url(self):
        """Stripe's page about this error's code, or None without a code."""
        if not self.code:
            return None
        return f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"

    def body(self, request_id=None):
        """The JSON body Stripe sends with this error; with the request's id, it links to the
        request's log entry as Stripe's errors do."""
        error = {"type": self.type, "message": self.message, **self.extra}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = self.doc_url()
        if self.param:
            error["param"] = self.param
        if request_id:
            error["request_log_url"] = request_log_url(request_id)
        return {"error": error}


def request_log_url(request_id):
    """Where Stripe's dashboard shows a test-mode request: the form of URL Stripe's errors
    carry (an emulated account has no dashboard behind it)."""
    return f"https://dashboard.stripe.com/test/logs/{request_id}"


def missing(param):
    """A required parameter was not sent."""
    return StripeAPIError(
        f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def unknown(param):
    """A parameter the API version does not declare was sent."""
    return StripeAPIError(
        f"Received unknown parameter: {param}", code="parameter_unknown", param=param
    )


def not_covered(param, message=None):
    """A declared parameter the emulator does not emulate: refused, never dropped."""
    return StripeAPIError(
        message or f"The emulator does not cover {param} yet; leave it unset.",
        code="parameter_unknown",
        param=param,
    )


def invalid(param, message, code=None):
    """A parameter has a value the API refuses."""
    return StripeAPIError(message, code=code, param=param)


def no_such(kind, object_id, param=None):
    """An id that names nothing: 404 `resource_missing` in the URL; passed as the parameter
    `param`, a 400 naming it, as Stripe answers."""
    return StripeAPIError(
        f"No such {kind}: '{object_id}'",
        status=400 if param else 404,
        code="resource_missing",
        param=param,
    )


def state(message, code=None):
    """An operation the object's state does not allow."""
    return StripeAPIError(message, code=code)
