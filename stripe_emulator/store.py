"""The emulator's state: every object by id, each type in creation order, the indexes that
narrow its lists, the event log, and the emulator's clock."""

import contextlib
import json
import os
import string
import threading
import time
from collections import Counter, defaultdict

import stripe

from . import listing
from .errors import no_such
from .indexes import Indexes
from .order import Order

# The API version of the installed SDK, which the emulator speaks.
API_VERSION = stripe.api_version
_ALPHABET = string.ascii_letters + string.digits


# JSON text of API data, which holds no cycles: skipping the check is a third faster.
to_json = json.JSONEncoder(check_circular=False).encode


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

    def __init__(self, clock=time.time):
        """`clock`: Unix time in seconds, as `time.time` (the default) gives it."""
        self.lock = threading.RLock()
        self.clock = clock
        self._last = 0
        self.objects = Objects()
        self.by_type = defaultdict(Order)
        self._indexes = Indexes(self)
        # While a change is recorded: the ids added and removed, in order; else None.
        self._added = self._removed = None
        self.listeners = []
        # The API request being handled, for each event's `request` field; a new dict for each
        # request (events share it: it never changes).
        self.request = {"id": None, "idempotency_key": None}
        # The snapshot texts of the latest events, each kept once: an answer that is the same
        # text (the object a call made or changed) shares it rather than keeping a copy.
        self._texts = {}
        self.renderers = {"event": _render_event}
        # Runs a function once the emulator's processing delay has passed (a delayed payment,
        # a refund still pending); the emulator sets it.
        self.later = None
        # The test clock (its object) whose `frozen_time` the change being made runs at, or None
        # for the store's clock (see `frozen_at`), and how many objects of each type were made
        # at a clock's time: those break the order of `created` times that lists bisect.
        self.frozen = None
        self.frozen_made = Counter()
        # What time does to invoices as a test clock advances (test_clocks.py); None: off.
        self.automations = None

    def now(self):
        """Unix time in whole seconds, as Stripe stamps objects: the `frozen_time` of the test
        clock a change runs at (see `frozen_at`), else the store's clock (see `wall`)."""
        frozen = self.frozen
        return self.wall() if frozen is None else frozen["frozen_time"]

    @contextlib.contextmanager
    def frozen_at(self, clock):
        """Run the block at a test clock's time (`clock` is its object; None: the store's
        clock), as Stripe stamps the objects of a clock's customers; hold the lock."""
        outer, self.frozen = self.frozen, clock
        try:
            yield
        finally:
            self.frozen = outer

    def wall(self):
        """Unix time in whole seconds by the store's clock; it never goes back, so objects made
        by it in creation order have nondecreasing `created` times."""
        moment = int(self.clock())
        if moment > self._last:
            self._last = moment
        return self._last

    def snapshot(self):
        """Every object and the order of each type, as JSON-able data sharing the live objects.

        Call with the lock held, and encode it before letting go of the lock.
        """
        return {"objects": self.objects, "by_type": {k: list(v) for k, v in self.by_type.items()}}

    def restore(self, snapshot):
        """Replace every object with those of a `snapshot`; a malformed one raises ValueError."""
        objects, by_type = snapshot["objects"], snapshot["by_type"]
        if not isinstance(objects, dict) or not isinstance(by_type, dict):
            raise ValueError("objects and by_type must be objects")
        with self.lock:
            self.objects = Objects(objects)
            self.by_type = defaultdict(Order, {k: Order(ids) for k, ids in by_type.items()})
            self.frozen_made = Counter()
            for kind, order in self.by_type.items():
                for object_id in order:
                    obj = objects[object_id]
                    if obj["object"] != kind:
                        raise ValueError(f"{object_id} is not a {kind}")
                    if kind == "event":
                        _event_texts(obj)
                    self.frozen_made[kind] += "_wall" in obj
                    self._last = max(self._last, _made_at(obj))
            self._indexes = Indexes(self)
            self._indexes.file_all()

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
            if obj["object"] == "event":
                _event_texts(obj)  # a journal line has them as JSON
        new = [i for i in changes["new"] if i not in self.objects]
        for object_id in new:
            self.by_type[objects[object_id]["object"]].append(object_id)
            self.frozen_made[objects[object_id]["object"]] += "_wall" in objects[object_id]
        self.objects.update(objects)
        for object_id in new:
            self._indexes.file(objects[object_id])
        for object_id in set(objects) - set(new):
            self._indexes.refile(objects[object_id])
        for object_id in changes["removed"]:
            obj = self.objects.peek(object_id)
            if obj is not None:
                self._forget(obj)

    def new_id(self, prefix):
        """A fresh id such as `in_1Q2w3E...`."""
        return f"{prefix}_{random_token()}"

    def add(self, obj):
        """Keep a new object; return it. Made at a test clock's time, it is marked so (see
        `_made_frozen`)."""
        if self.frozen is not None:
            self._made_frozen(obj)
        self.objects[obj["id"]] = obj
        self.by_type[obj["object"]].append(obj["id"])
        self._indexes.file(obj)
        if self._added is not None:
            self._added.append(obj["id"])
        return obj

    def remove(self, obj):
        """Forget an object (its id then answers 404)."""
        self._forget(obj)
        if self._removed is not None:
            self._removed.append(obj["id"])

    def _made_frozen(self, obj):
        """Note an object made at a test clock's time: when by the store's clock (`_wall`, by
        which it expires), and its `test_clock` where its type has one."""
        obj["_wall"] = self.wall()
        if obj.get("test_clock", False) is None:
            obj["test_clock"] = self.frozen["id"]
        self.frozen_made[obj["object"]] += 1

    def _forget(self, obj):
        self.frozen_made[obj["object"]] -= "_wall" in obj
        self._indexes.unfile(obj)
        del self.objects[obj["id"]]
        self.by_type[obj["object"]].remove(obj["id"])

    def refile(self, obj):
        """File an object again under the indexes whose value changes (see `indexed`), after
        changing it."""
        self._indexes.refile(obj)

    def filed(self, kind, name, values):
        """The buckets of the objects of `kind` filed under any of `values` by the index
        `name`, for `page(within=...)`."""
        return self._indexes.buckets(kind, name, values)

    def filed_values(self, kind, name):
        """The values the index `name` of `kind` files objects under."""
        return self._indexes.values(kind, name)

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

    def page(self, kind, params, url, match=None, **narrowing):
        """A Stripe list object of `kind`, newest first, paged by `limit`, `starting_after` and
        `ending_before` and filtered by `created` (see `listing.page` for `narrowing`).

        Its items are views (see `view`): a handler returns it to be encoded at once.
        """
        data, has_more = listing.page(self, kind, params, match, **narrowing)
        return list_object([self.view(o) for o in data], url, has_more)

    def page_by(self, kind, params, url, keys, indexed):
        """`page` of the objects of `kind` whose `keys` equal those given in `params`, drawn
        from the index of the first of `indexed` (the narrowest first) given, if any."""
        within = None
        for key in indexed:
            if key in params:
                within = self.filed(kind, key, [params[key]])
                break

        def match(obj):
            return all(params.get(k, obj[k]) == obj[k] for k in keys)

        return self.page(kind, params, url, match, within=within, covers=keys)

    def expire(self, kind, up_to):
        """Forget the objects of `kind` made at `up_to` (a Unix time, by the store's clock) or
        before, oldest first, up to the first newer one; how many. Each costs O(1)."""
        order, peek, count = self.by_type[kind], self.objects.peek, 0
        while (oldest := order.first()) is not None and _made_at(peek(oldest)) <= up_to:
            self.remove(peek(oldest))
            count += 1
        return count

    def shared(self, text):
        """`text`, or the same text of an event's snapshot made lately, kept once."""
        return self._texts.get(text, text)

    def emit(self, event_type, obj, previous=None):
        """Record an event carrying a snapshot of `obj`, then hand it to the listeners."""
        # The snapshot is kept as JSON text: encoding it is cheaper than a deep copy, and text
        # is not walked by the garbage collector, which a growing log of copies is.
        texts = self._texts
        if len(texts) > 64:
            texts.clear()
        shown = to_json(self.view(obj))
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": None,
            "livemode": False,
            "pending_webhooks": 0,
            "request": self.request,
            "type": event_type,
            "_object": texts.setdefault(shown, shown),
            "_previous": to_json(previous) if previous else None,
        }
        self.add(event)
        for listener in self.listeners:
            listener(event)
        return event

    def forget_texts(self):
        """Start a new request: forget the snapshot texts of earlier ones, which only their own
        answers could share."""
        self._texts.clear()


def _made_at(obj):
    """When an object was made by the store's clock (not a test clock's)."""
    return obj.get("_wall") or obj.get("created") or 0


def _render_event(store, event):
    data = {"object": json.loads(event["_object"])}
    if event["_previous"] is not None:
        data["previous_attributes"] = json.loads(event["_previous"])
    return {**event, "data": data}


def _event_texts(event):
    """Give a loaded event its snapshot as JSON texts: `_object` and `_previous` (a state file
    has them as JSON; one of format 2 or earlier, as `_data`)."""
    if "_data" in event:
        data = event.pop("_data")
        data = json.loads(data) if isinstance(data, str) else data
        event["_object"], event["_previous"] = data["object"], data.get("previous_attributes")
    for key in ("_object", "_previous"):
        if event[key] is not None and not isinstance(event[key], str):
            event[key] = to_json(event[key])


def merge_metadata(current, update):
    """Stripe's metadata update: keys are added or replaced, `""` removes one, and `""` for the
    whole hash removes all."""
    if update == "":
        return {}
    merged = {**current, **update}
    return {k: v for k, v in merged.items() if v != ""}


def list_object(data, url, has_more=False):
    """Stripe's list envelope."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def deleted(obj):
    """What Stripe answers for a delete."""
    return {"id": obj["id"], "object": obj["object"], "deleted": True}
