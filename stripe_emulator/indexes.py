"""Indexes: the objects of a type filed by the value of a field (a customer's invoices, the
events of one type), each value's ids in creation order (a `Bucket`), so that a list narrowed
by that field walks only them."""

from collections import defaultdict

from .order import Bucket

# The fields objects of a type are filed under, for lists narrowed by them:
# {type: {name: (value of an object or None, whether it can change)}}; see `indexed`.
INDEXES = defaultdict(dict)


def indexed(kind, name, value=None, changes=False):
    """File the objects of `kind` by `value(obj)` (the field `name` by default; None: not
    filed), so that a list narrowed by it walks only those. A value that `changes` after the
    object is made is filed again by `Store.refile`."""
    INDEXES[kind][name] = (value or (lambda obj: obj.get(name)), changes)


class Indexes:
    """The store's indexes (see `indexed`): for each, a bucket per value."""

    def __init__(self, store):
        self._store = store
        # {type: [(name, value function, changes, {value: Bucket}, {id: value} if changes)]};
        # an object filed under no value (None) is in no bucket and not in `{id: value}`.
        self._by_kind = {
            kind: [(name, fn, changes, {}, {} if changes else None)
                   for name, (fn, changes) in fields.items()]
            for kind, fields in INDEXES.items()
        }  # fmt: skip

    def file_all(self):
        """File every object, as after restoring a snapshot."""
        store = self._store
        for kind in self._by_kind:
            for object_id in store.by_type[kind]:
                self.file(store.objects.peek(object_id))

    def file(self, obj):
        """File a new object (the newest of its type) under each index of its type."""
        object_id = obj["id"]
        for _, fn, _, buckets, filed in self._by_kind.get(obj["object"], ()):
            value = fn(obj)
            if value is None:
                continue
            bucket = buckets.get(value)
            if bucket is None:
                bucket = buckets[value] = Bucket(self._store.by_type[obj["object"]])
            bucket.append(object_id)
            if filed is not None:
                filed[object_id] = value

    def refile(self, obj):
        """Move an object whose filed values changed to their new buckets."""
        object_id = obj["id"]
        for _, fn, changes, buckets, filed in self._by_kind.get(obj["object"], ()):
            if not changes:
                continue
            old, new = filed.pop(object_id, None), fn(obj)
            if old != new:
                self._take_out(buckets, old, object_id)
                if new is not None:
                    order = self._store.by_type[obj["object"]]
                    buckets.setdefault(new, Bucket(order)).insert(object_id)
            if new is not None:
                filed[object_id] = new

    def unfile(self, obj):
        """Take an object out of its buckets, before it leaves its type's order."""
        object_id = obj["id"]
        for _, fn, _, buckets, filed in self._by_kind.get(obj["object"], ()):
            value = filed.pop(object_id, None) if filed is not None else fn(obj)
            self._take_out(buckets, value, object_id)

    @staticmethod
    def _take_out(buckets, value, object_id):
        """Take an id out of the bucket of `value` (if any); drop the bucket once empty."""
        bucket = buckets.get(value) if value is not None else None
        if bucket is not None:
            bucket.remove(object_id)
            if not bucket:
                del buckets[value]

    def _index(self, kind, name):
        for index in self._by_kind.get(kind, ()):
            if index[0] == name:
                return index
        raise KeyError(f"{kind} objects are not indexed by {name}")

    def buckets(self, kind, name, values):
        """The buckets of `values` (those that hold any object)."""
        buckets = self._index(kind, name)[3]
        return [buckets[v] for v in values if v in buckets]

    def values(self, kind, name):
        """Every value with a bucket."""
        return list(self._index(kind, name)[3])
