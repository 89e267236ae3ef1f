"""Ids in creation order, found by place and walked a page at a time.

A page of a list must cost the size of the page, not of the state. An `Order` (every id of one
type) knows each id's place, a number that grows along the order; a `Bucket` (the ids filed
under one value of an index, such as one customer's invoices) is kept in the same order and
finds a place by bisection on those numbers. `created` bounds are found by bisection too: ids in
creation order have nondecreasing `created` times, as the store's clock never goes back.

A removed id leaves a hole (None), skipped by walks; holes at the front (expired events) are cut
off, and the list is rebuilt once holes are half of it, so that removing costs O(1) amortized.
"""

_FEW = 64


def bisect(ids, key, target, lo=0, hi=None):
    """The first index in `ids[lo:hi]` whose id has `key(id) >= target`, a hole counting as the
    next id after it (keys must not decrease along `ids`)."""
    hi = len(ids) if hi is None else hi
    while lo < hi:
        mid = (lo + hi) // 2
        live = mid
        while live < hi and ids[live] is None:
            live += 1
        if live < hi and key(ids[live]) < target:
            lo = live + 1
        else:  # holes up to `hi` count as the id at `hi`, at or past `target`
            hi = mid
    return lo


def _walk(ids, start, stop, ascending):
    """The ids of `ids[start:stop]` without holes, oldest first if `ascending`, else newest
    first."""
    span = range(start, stop) if ascending else range(stop - 1, start - 1, -1)
    for i in span:
        object_id = ids[i]
        if object_id is not None:
            yield object_id


class _Ids:
    """Ids in creation order with holes where ids were removed; `_lead` holes first."""

    __slots__ = ("_holes", "_lead", "ids")

    def __init__(self, ids=()):
        self.ids = list(ids)
        self._holes = self._lead = 0

    def __iter__(self):
        return (i for i in self.ids if i is not None)

    def __reversed__(self):
        return (i for i in reversed(self.ids) if i is not None)

    def __len__(self):
        return len(self.ids) - self._holes

    def __bool__(self):
        return len(self.ids) > self._holes

    def __repr__(self):
        return f"{type(self).__name__}({list(self)!r})"

    def first(self):
        """The oldest id, or None if there is none."""
        return self.ids[self._lead] if self._lead < len(self.ids) else None

    def _hole(self, index):
        """Make a hole at `index`. Holes in front are cut off once they are a quarter of the
        list, the list rebuilt once holes are half of it: O(1) amortized per removal."""
        ids = self.ids
        ids[index] = None
        self._holes += 1
        if index == self._lead:
            lead = index
            while lead < len(ids) and ids[lead] is None:
                lead += 1
            self._lead = lead
            if lead >= max(_FEW, len(ids) // 4) or lead == len(ids):
                self._cut(lead)
        if self._holes > _FEW and 2 * self._holes > len(ids):
            self._rebuild()

    def _cut(self, front):
        del self.ids[:front]
        self._holes -= front
        self._lead = 0

    def _rebuild(self):
        self.ids = [i for i in self.ids if i is not None]
        self._holes = self._lead = 0

    def _find(self, key, target, start=0, stop=None):
        """`bisect` over the ids after the holes in front."""
        return bisect(self.ids, key, target, max(start, self._lead), stop)

    def span(self, lo, hi):
        """The indexes in `ids` from place `lo` up to place `hi` (not included)."""
        raise NotImplementedError

    def walk(self, lo, hi, ascending=False):
        """The ids from place `lo` up to place `hi`, newest first (oldest first if
        `ascending`)."""
        start, stop = self.span(lo, hi)
        return _walk(self.ids, start, stop, ascending)


class Order(_Ids):
    """Every id of one type in creation order, each with its place."""

    __slots__ = ("_base", "_places")

    def __init__(self, ids=()):
        super().__init__(ids)
        self._base = 0  # the place of ids[0]
        self._places = {object_id: i for i, object_id in enumerate(self.ids)}
        if len(self._places) != len(self.ids) or None in self._places:
            raise ValueError("an order lists each id once")

    def __contains__(self, object_id):
        return object_id in self._places

    def append(self, object_id):
        """Add the newest id."""
        self._places[object_id] = self._base + len(self.ids)
        self.ids.append(object_id)

    def remove(self, object_id):
        """Remove an id (KeyError if it is not here)."""
        self._hole(self._places.pop(object_id) - self._base)

    def place(self, object_id):
        """The id's place, or None if it is not here. Places grow along the order."""
        return self._places.get(object_id)

    def end(self):
        """The place after the newest id."""
        return self._base + len(self.ids)

    def _cut(self, front):
        super()._cut(front)
        self._base += front

    def _rebuild(self):
        super()._rebuild()
        base = self._base
        self._places = {object_id: base + i for i, object_id in enumerate(self.ids)}

    def span(self, lo, hi):
        """The indexes in `ids` from place `lo` up to place `hi` (not included)."""
        size, lead = len(self.ids), self._lead
        return min(max(lo - self._base, lead), size), min(max(hi - self._base, lead), size)

    def at(self, lo, hi, key, target):
        """The first place from `lo` up to `hi` whose id has `key(id) >= target` (else `hi`)."""
        start, stop = self.span(lo, hi)
        return self._base + self._find(key, target, start, stop)


class Bucket(_Ids):
    """The ids filed under one value of an index, in their type's creation order."""

    __slots__ = ("_order",)

    def __init__(self, order):
        super().__init__()
        self._order = order

    def _place(self, object_id):
        return self._order.place(object_id)

    def append(self, object_id):
        """Add the newest id of its type."""
        self.ids.append(object_id)

    def insert(self, object_id):
        """File an id (already in its type's order) in its place; nothing if it is here."""
        index = self._find(self._place, self._place(object_id))
        while index < len(self.ids) and self.ids[index] is None:
            index += 1
        if index == len(self.ids) or self.ids[index] != object_id:
            self.ids.insert(index, object_id)

    def remove(self, object_id):
        """Take an id out (before it leaves its type's order); nothing if it is not here."""
        index = self._find(self._place, self._place(object_id))
        while index < len(self.ids) and self.ids[index] is None:
            index += 1
        if index < len(self.ids) and self.ids[index] == object_id:
            self._hole(index)

    def span(self, lo, hi):
        """The indexes in `ids` from place `lo` up to place `hi` (not included)."""
        start = self._find(self._place, lo)
        return start, self._find(self._place, hi, start)
