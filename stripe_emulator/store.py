"""The emulator's state: every object by id, lists in creation order, and the event log."""

import json
import os
import string
import threading
import time
from collections import defaultdict

import stripe

from .errors import invalid, no_such

# The API version of the installed SDK, which the emulator speaks.
API_VERSION = stripe.api_version
_ALPHABET = string.ascii_letters + string.digits


# JSON text of API data, which holds no cycles: skipping the check is a third faster.
to_json = json.JSONEncoder(check_circular=False).encode


def now():
    """Unix time in whole seconds, as Stripe stamps objects."""
    return int(time.time())


# Random bytes map to letters and digits by `bytes.translate`. The 8 values from 248 (62 * 4)
# up are dropped, so that every character is equally likely.
_TO_ALPHABET = bytes(ord(_ALPHABET[b % 62]) if b < 248 else 0 for b in range(256))
_DROPPED = bytes(range(248, 256))


def random_token(length=24):
    """Letters and digits from the OS's random source, like the random part of a Stripe id."""
    token = b""
    while len(token) < length:
        token += os.urandom(length + 8).translate(_TO_ALPHABET, _DROPPED)
    return token[:length].decode()


def clone(value):
    """A deep copy of JSON-like data (dicts, lists, scalars), much faster than `copy.deepcopy`."""
    if type(value) is dict:
        return {k: clone(v) for k, v in value.items()}
    if type(value) is list:
        return [clone(v) for v in value]
    return value


class Objects(dict):
    """Every object by id. While a change is recorded (`touched` is a set), the ids read
    through `[]` and `get` are noted there.

    Handlers change only objects they have read, so what was read is what may have changed:
    the journal writes those, without each handler having to say what it changed.
    """

    __slots__ = ("touched",)

    def __init__(self, *args):
        super().__init__(*args)
        self.touched = None

    def __getitem__(self, object_id):
        touched = self.touched  # one read: another thread may end the recording meanwhile
        if touched is not None:
            touched.add(object_id)
        return dict.__getitem__(self, object_id)

    def get(self, object_id, default=None):
        """The object with this id, or `default`; noted as read while a change is recorded."""
        touched = self.touched
        if touched is not None:
            touched.add(object_id)
        return dict.get(self, object_id, default)

    # A read that is not noted: for scans that only look (the matches are then read by id).
    peek = dict.get


class Store:
    """All objects of one emulated account, guarded by one re-entrant lock."""

    def __init__(self):
        self.lock = threading.RLock()
        self.objects = Objects()
        self.by_type = defaultdict(list)
        # While a change is recorded: the ids added and removed, in order; else None.
        self._added = self._removed = None
        self.listeners = []
        # The API request being handled, for each event's `request` field.
        self.request = {"id": None, "idempotency_key": None}
        self.renderers = {"event": _render_event}
        # Runs a function once the emulator's processing delay has passed (a delayed payment,
        # a refund still pending); the emulator sets it.
        self.later = None

    def snapshot(self):
        """Every object and the order of each type, as JSON-able data sharing the live objects.

        Call with the lock held, and encode it before letting go of the lock.
        """
        return {"objects": self.objects, "by_type": self.by_type}

    def restore(self, snapshot):
        """Replace every object with those of a `snapshot`; a malformed one raises ValueError."""
        objects, by_type = snapshot["objects"], snapshot["by_type"]
        if not isinstance(objects, dict) or not isinstance(by_type, dict):
            raise ValueError("objects and by_type must be objects")
        with self.lock:
            self.objects, self.by_type = Objects(objects), defaultdict(list, by_type)

    @property
    def tracking(self):
        """Whether a change is being recorded (between `track` and `changes`)."""
        return self._added is not None

    def track(self):
        """Start noting the objects read, added and removed; call with the lock held."""
        self.objects.touched = set()
        self._added, self._removed = [], []

    def changes(self):
        """Stop noting; what may have changed since `track`, as JSON-able data sharing the live
        objects (encode it before letting go of the lock), or None if nothing was read.

        `objects`: every object read or added that still exists, as it is now; `new`: the ids
        added, in order; `removed`: the ids removed.
        """
        touched, added, removed = self.objects.touched, self._added, self._removed
        self.objects.touched = self._added = self._removed = None
        present = dict.keys(self.objects)
        ids = (touched | set(added)) & present
        if not ids and not removed:
            return None
        return {
            "objects": {i: dict.__getitem__(self.objects, i) for i in ids},
            "new": [i for i in added if i in present],
            "removed": [i for i in removed if i not in present],
        }

    def apply(self, changes):
        """Replay `changes` (see `changes`) on this store, as when loading a journal."""
        objects = changes["objects"]
        for obj in objects.values():
            if obj["object"] == "event" and not isinstance(obj["_data"], str):
                obj["_data"] = to_json(obj["_data"])  # a journal line has it as JSON
        for object_id in changes["new"]:
            if object_id not in self.objects:
                self.by_type[objects[object_id]["object"]].append(object_id)
        self.objects.update(objects)
        for object_id in changes["removed"]:
            obj = self.objects.pop(object_id, None)
            if obj is not None:
                self.by_type[obj["object"]].remove(object_id)

    def new_id(self, prefix):
        """A fresh id such as `in_1Q2w3E...`."""
        return f"{prefix}_{random_token()}"

    def add(self, obj):
        """Keep a new object; return it."""
        self.objects[obj["id"]] = obj
        self.by_type[obj["object"]].append(obj["id"])
        if self._added is not None:
            self._added.append(obj["id"])
        return obj

    def remove(self, obj):
        """Forget an object (its id then answers 404)."""
        del self.objects[obj["id"]]
        self.by_type[obj["object"]].remove(obj["id"])
        if self._removed is not None:
            self._removed.append(obj["id"])

    def get(self, kind, object_id, param=None, label=None):
        """The live object of type `kind` with this id, or a `resource_missing` error."""
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != kind:
            raise no_such(label or kind, object_id, param)
        return obj

    def view(self, obj):
        """The object as the API shows it, without internal (`_`) keys, sharing its live parts.

        Only for reading at once under the lock (encoding an answer); `render` makes a copy
        to keep. Only a live object goes through its type's renderer; an answer built for one
        call (a list, a deleted stub, a snapshot) is already in its shown form.
        """
        renderer = self.renderers.get(obj.get("object"))
        live = self.objects.peek(obj.get("id")) is obj
        shown = renderer(self, obj) if renderer and live else obj
        return {k: v for k, v in shown.items() if k[0] != "_"}

    def render(self, obj):
        """The object as the API shows it: a deep copy, safe to keep and to change."""
        return clone(self.view(obj))

    def page(self, kind, params, url, match=lambda obj: True):
        """A Stripe list object of `kind`, newest first, with `limit`/`starting_after`.

        Its items are views (see `view`): a handler returns it to be encoded at once.
        """
        limit = params.get("limit", 10)
        if not 1 <= limit <= 100:
            raise invalid("limit", "Invalid limit: must be between 1 and 100")
        ids = self.by_type[kind][::-1]
        if "starting_after" in params:
            ids = ids[self._index(ids, params["starting_after"], "starting_after") + 1 :]
        elif "ending_before" in params:
            ids = ids[: self._index(ids, params["ending_before"], "ending_before")]
        found = [self.objects[i] for i in ids if match(self.objects[i])]
        if "ending_before" in params:
            found = found[-limit - 1 :]
            data, has_more = found[-limit:], len(found) > limit
        else:
            data, has_more = found[:limit], len(found) > limit
        return list_object([self.view(o) for o in data], url, has_more)

    @staticmethod
    def _index(ids, object_id, param):
        try:
            return ids.index(object_id)
        except ValueError:
            raise no_such("object", object_id, param) from None

    def emit(self, event_type, obj, previous=None):
        """Record an event carrying a snapshot of `obj`, then hand it to the listeners."""
        data = {"object": self.view(obj)}
        if previous:
            data["previous_attributes"] = previous
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": now(),
            "data": None,
            "livemode": False,
            "pending_webhooks": 0,
            "request": dict(self.request),
            "type": event_type,
            # The snapshot is kept as JSON text: encoding it is cheaper than a deep copy, and
            # text is not walked by the garbage collector, which a growing log of copies is.
            "_data": to_json(data),
        }
        self.add(event)
        for listener in self.listeners:
            listener(event)
        return event


def _render_event(store, event):
    return {**event, "data": json.loads(event["_data"])}


def merge_metadata(current, update):
    """Stripe's metadata update: keys are added or replaced, `""` removes one, and `""` for the
    whole hash removes all."""
    if update == "":
        return {}
    merged = {**current, **update}
    return {k: v for k, v in merged.items() if v != ""}


def created_matches(created, moment):
    """Whether `moment` is `created` (a time) or within its gt/gte/lt/lte bounds, as a list's
    `created` filter asks."""
    if not isinstance(created, dict):
        return moment == created
    tests = {
        "gt": lambda bound: moment > bound,
        "gte": lambda bound: moment >= bound,
        "lt": lambda bound: moment < bound,
        "lte": lambda bound: moment <= bound,
    }
    return all(tests[key](bound) for key, bound in created.items())


def list_object(data, url, has_more=False):
    """Stripe's list envelope."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def deleted(obj):
    """What Stripe answers for a delete."""
    return {"id": obj["id"], "object": obj["object"], "deleted": True}
