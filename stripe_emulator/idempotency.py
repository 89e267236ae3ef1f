"""Saved answers of `Idempotency-Key`s: a repeat gets the first answer, as on Stripe, for 24
hours; then the key is forgotten and may be used again
(https://docs.stripe.com/api/idempotent_requests)."""

import json
from collections import OrderedDict

from .errors import StripeAPIError
from .store import to_json

# How long Stripe keeps a key's answer.
KEY_RETENTION = 24 * 3600


class IdempotentAnswers:
    """The first answer to each key, with a fingerprint of the request that made it and when it
    was saved, oldest first.

    Not locked on its own: callers hold the store's lock, as every change of state does.
    """

    def __init__(self, retention=KEY_RETENTION):
        # key: (fingerprint, status, body text, saved at), in the order saved.
        self._saved = OrderedDict()
        self.retention = retention
        # The keys saved since `take_new`, when a journal asks for them (else None).
        self.new = None

    @staticmethod
    def fingerprint(method, path, params):
        """What a repeat must match: the method, the path and the parameters."""
        return (method, path, json.dumps(params, sort_keys=True, default=str))

    def replay(self, key, fingerprint, moment):
        """The saved (status, body text) for `key` at `moment`, None if there is none (or it
        has expired); `idempotency_error` if the key was first used with another request."""
        saved = self._saved.get(key)
        if saved is None or saved[3] <= moment - self.retention:
            return None
        if saved[0] != fingerprint:
            raise StripeAPIError(
                "Keys for idempotent requests can only be used with the same parameters "
                f"they were first used with. Try using a key other than '{key}' if you "
                "meant to execute a different request.",
                type="idempotency_error",
            )
        return saved[1], saved[2]

    def save(self, key, fingerprint, status, body, moment):
        """Keep the answer (`body` as JSON text) given at `moment` to the first use of `key`."""
        self._saved.pop(key, None)  # a key used again once expired goes last
        self._saved[key] = (fingerprint, status, body, moment)
        if self.new is not None:
            self.new.append(key)

    def expire(self, moment):
        """Forget the answers saved `retention` or longer before `moment`, oldest first; how
        many. O(1) when none is due."""
        saved, cutoff, count = self._saved, moment - self.retention, 0
        while saved and next(iter(saved.values()))[3] <= cutoff:
            saved.popitem(last=False)
            count += 1
        return count

    def keys(self):
        """The keys with a saved answer."""
        return list(self._saved)

    def take_new(self):
        """The answers saved since the last call: key: (fingerprint, status, body, saved at)."""
        keys, self.new = self.new, []
        return {key: self._saved[key] for key in keys or () if key in self._saved}

    def snapshot(self):
        """The saved answers as JSON-able data: key: [fingerprint, status, body, saved at]."""
        return {
            key: [list(fp), status, body, at] for key, (fp, status, body, at) in self._saved.items()
        }

    def restore(self, snapshot, moment):
        """Replace the saved answers with those of a `snapshot`; a malformed one raises."""
        self._saved = OrderedDict()
        self.add(snapshot, moment)

    def add(self, snapshot, moment):
        """Add the saved answers of a `snapshot` (see `snapshot`; a journal line has each body
        as JSON, not as text); a malformed one raises. An answer saved by a version that did not
        note when (a state file of format 2) counts as saved at `moment`."""
        for key, (fingerprint, status, body, *at) in snapshot.items():
            self._saved.pop(key, None)
            self._saved[key] = (tuple(fingerprint), status, _text(body), at[0] if at else moment)


def _text(body):
    # The emulator encodes its answers with `to_json`: encoding the JSON again gives the text.
    return body if isinstance(body, str) else to_json(body)
