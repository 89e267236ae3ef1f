"""Stripe's lists: a page of objects newest first, by `limit`, `starting_after`,
`ending_before` and `created`, each page costing about its size, not the state's.

A list walks its type's creation order, or the buckets of an index that narrow it (a customer's
invoices, the events of some types) merged by that order, between two places: the
`starting_after` or `ending_before` object's, found by a dict, and the `created` bounds', found
by bisection (objects in creation order have nondecreasing `created` times). Other filters are
tests on each object walked past (`match`). A filter a list's parameters declare but the emulator
does not emulate is refused, never dropped.
"""

import heapq

from .errors import invalid, no_such, not_covered

# What every list takes, handled here.
PAGING = frozenset({"limit", "starting_after", "ending_before", "expand", "created"})


def created_matches(created, moment):
    """Whether `moment` is `created` (a time) or within its gt/gte/lt/lte bounds, as a list's
    `created` filter asks."""
    low, high = bounds(created)
    return moment is not None and (low is None or moment >= low) and (high is None or moment < high)


def bounds(created):
    """The times [low, high) a `created` filter (a time, or gt/gte/lt/lte) allows; None for no
    bound."""
    if not isinstance(created, dict):
        return created, created + 1
    low = high = None
    for key, value in created.items():
        if key in ("gt", "gte"):
            value += key == "gt"
            low = value if low is None else max(low, value)
        else:
            value += key == "lte"
            high = value if high is None else min(high, value)
    return low, high


def page(store, kind, params, match=None, within=None, covers=(), created="created"):
    """The objects of a page of `kind`'s list, and whether there are more: ([obj], has_more).

    `match(obj)`: whether an object passes the filters other than `created`; `within`: buckets
    (see `Store.filed`) holding every object that can match, walked in place of the whole type;
    `covers`: the filters the caller handles: any other parameter is refused as not covered;
    `created`: the field the `created` filter reads (an invoice item's is `date`).
    """
    for key in params:
        if key not in PAGING and key not in covers:
            raise not_covered(key)
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise invalid("limit", "Invalid limit: must be between 1 and 100")
    order = store.by_type[kind]
    # Objects made at a test clock's time break the order of `created` times that bisection
    # needs: their type's `created` bounds are then only checked on each object walked past.
    bounded = None if store.frozen_made[kind] else params.get("created")
    lo, hi = _created_span(store, order, bounded, created)
    if "starting_after" in params:
        hi = min(hi, _place(order, params["starting_after"], "starting_after"))
    elif "ending_before" in params:
        lo = max(lo, _place(order, params["ending_before"], "ending_before") + 1)
    # After `ending_before`: the objects just newer than it, walked oldest first.
    ascending = "ending_before" in params
    walks = [o.walk(lo, hi, ascending) for o in ([order] if within is None else within)]
    ids = (
        walks[0] if len(walks) == 1 else heapq.merge(*walks, key=order.place, reverse=not ascending)
    )
    found = _first(store, ids, limit + 1, match, params.get("created"), created)
    data = found[:limit]
    if ascending:
        data.reverse()
    return data, len(found) > limit


def _first(store, ids, count, match, created, field):
    """The first `count` objects of `ids` that pass `match` (and `created`, checked again)."""
    peek, found = store.objects.peek, []
    for object_id in ids:
        obj = peek(object_id)
        if created is not None and not created_matches(created, obj.get(field)):
            continue
        if match is None or match(obj):
            found.append(obj)
            if len(found) == count:
                break
    return found


def _place(order, object_id, param):
    place = order.place(object_id) if isinstance(object_id, str) else None
    if place is None:
        raise no_such("object", object_id, param)
    return place


def _created_span(store, order, created, field):
    """The places [lo, hi) in `order` of the objects whose `field` is within `created`."""
    lo, hi = 0, order.end()
    if created is None:
        return lo, hi
    low, high = bounds(created)
    peek = store.objects.peek

    def moment(object_id):
        return peek(object_id).get(field) or 0

    if low is not None:
        lo = order.at(lo, hi, moment, low)
    if high is not None:
        hi = order.at(lo, hi, moment, high)
    return lo, hi
