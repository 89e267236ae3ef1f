"""Faults armed by tests: API calls that fail on their nth use."""


class Faults:
    """Armed faults by operation name (`invoices.add_lines`).

    Not locked on its own: callers hold the store's lock.
    """

    def __init__(self):
        self._calls = {}

    def fail(self, operation, nth=1, times=1):
        """Make the `nth` next call of `operation` (and `times - 1` more) fail."""
        self._calls[operation] = [nth - 1, times]

    def clear(self):
        """Remove every armed fault."""
        self._calls.clear()

    def take(self, operation):
        """Whether this call of `operation` fails, counting it against its fault."""
        fault = self._calls.get(operation)
        if not fault:
            return False
        if fault[0] > 0:
            fault[0] -= 1
            return False
        fault[1] -= 1
        if fault[1] <= 0:
            del self._calls[operation]
        return True

    def shown(self):
        """The armed faults as JSON-able data: {operation: [calls to skip, times left]}."""
        return {operation: list(fault) for operation, fault in self._calls.items()}
