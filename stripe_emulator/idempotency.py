"""Saved answers of `Idempotency-Key`s: a repeat gets the first answer, as on Stripe."""

import json

from .errors import StripeAPIError


class IdempotentAnswers:
    """The first answer to each key, with a fingerprint of the request that made it.

    Not locked on its own: callers hold the store's lock, as every change of state does.
    """

    def __init__(self):
        self._saved = {}

    @staticmethod
    def fingerprint(method, path, params):
        """What a repeat must match: the method, the path and the parameters."""
        return (method, path, json.dumps(params, sort_keys=True, default=str))

    def replay(self, key, fingerprint):
        """The saved (status, body) for `key`, None if there is none; `idempotency_error` if
        the key was first used with another request."""
        saved = self._saved.get(key)
        if saved is None:
            return None
        if saved[0] != fingerprint:
            raise StripeAPIError(
                "Keys for idempotent requests can only be used with the same parameters "
                f"they were first used with. Try using a key other than '{key}' if you "
                "meant to execute a different request.",
                type="idempotency_error",
            )
        return saved[1], saved[2]

    def save(self, key, fingerprint, status, body):
        """Keep the answer (`body` as encoded bytes) given to the first use of `key`."""
        self._saved[key] = (fingerprint, status, body)

    def keys(self):
        """The keys with a saved answer."""
        return list(self._saved)

    def snapshot(self):
        """The saved answers as JSON-able data."""
        return {
            key: [list(fingerprint), status, body.decode()]
            for key, (fingerprint, status, body) in self._saved.items()
        }

    def restore(self, snapshot):
        """Replace the saved answers with those of a `snapshot`; a malformed one raises."""
        self._saved = {
            key: (tuple(fingerprint), status, body.encode())
            for key, (fingerprint, status, body) in snapshot.items()
        }
