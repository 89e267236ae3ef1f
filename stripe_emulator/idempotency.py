"""Saved answers of `Idempotency-Key`s: a repeat gets the first answer, as on Stripe."""

import json

from .errors import StripeAPIError
from .store import to_json


class IdempotentAnswers:
    """The first answer to each key, with a fingerprint of the request that made it.

    Not locked on its own: callers hold the store's lock, as every change of state does.
    """

    def __init__(self):
        self._saved = {}
        # The keys saved since `take_new`, when a journal asks for them (else None).
        self.new = None

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
        if self.new is not None:
            self.new.append(key)

    def keys(self):
        """The keys with a saved answer."""
        return list(self._saved)

    def take_new(self):
        """The answers saved since the last call: key: (fingerprint, status, body bytes)."""
        keys, self.new = self.new, []
        return {key: self._saved[key] for key in keys or ()}

    def snapshot(self):
        """The saved answers as JSON-able data."""
        return self._shown(self._saved)

    def _shown(self, keys):
        saved = self._saved
        return {key: [list(saved[key][0]), saved[key][1], saved[key][2].decode()] for key in keys}

    def restore(self, snapshot):
        """Replace the saved answers with those of a `snapshot`; a malformed one raises."""
        self._saved = {}
        self.add(snapshot)

    def add(self, snapshot):
        """Add the saved answers of a `snapshot` (see `snapshot`; a journal line has each body
        as JSON, not as text); a malformed one raises."""
        self._saved.update(
            (key, (tuple(fingerprint), status, _text(body).encode()))
            for key, (fingerprint, status, body) in snapshot.items()
        )


def _text(body):
    # The emulator encodes its answers with `to_json`: encoding the JSON again gives the text.
    return body if isinstance(body, str) else to_json(body)
