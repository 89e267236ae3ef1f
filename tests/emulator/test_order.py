"""order.py: ids in creation order with holes where ids were removed (cut off in front, rebuilt
when many), checked against a plain list through any sequence of appends and removals: what is
walked between two places, what bisection finds, and a bucket kept in the same order."""

from hypothesis import given, settings
from hypothesis import strategies as st

from stripe_emulator.order import Bucket, Order


def _number(object_id):
    return int(object_id[3:])


def _run(first, steps, rnd):
    """The order, a bucket of its even-numbered ids, and the live ids (the
    model), after adding `first` ids, then `steps` steps drawn from `rnd`: add the next id, remove
    the oldest (as expiry does) or remove one at random; enough to cut holes off and rebuild."""
    order, live, made = Order(), [], 0
    bucket = Bucket(order)
    for step in range(first + steps):
        draw = 0.0 if step < first else rnd.random()
        if draw < 0.3:
            object_id = f"id_{made:05d}"
            order.append(object_id)
            if made % 2 == 0:
                bucket.append(object_id)
            live.append(object_id)
            made += 1
        elif live:
            object_id = live.pop(0 if draw < 0.4 else rnd.randrange(len(live)))
            bucket.remove(object_id)  # before it leaves the order, as the store does
            order.remove(object_id)
    return order, bucket, live


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 400),
    st.integers(0, 600),
    st.randoms(use_true_random=False),
    st.integers(0, 700),
    st.integers(0, 700),
)
def test_an_order_and_its_bucket_follow_any_appends_and_removals(first, steps, rnd, a, b):
    order, bucket, live = _run(first, steps, rnd)
    evens = [i for i in live if _number(i) % 2 == 0]
    assert list(order) == live and list(reversed(order)) == live[::-1] and len(order) == len(live)
    assert list(bucket) == evens and len(bucket) == len(evens)
    assert order.first() == (live[0] if live else None)
    assert [order.place(i) for i in live] == sorted(order.place(i) for i in live)
    lo, hi = sorted((a, b))
    # Places from lo to hi, by the numbers of the ids there (places follow the numbers).
    low = order.at(0, order.end(), _number, lo)
    high = order.at(low, order.end(), _number, hi)
    wanted = [i for i in live if lo <= _number(i) < hi]
    assert list(order.walk(low, high, ascending=True)) == wanted
    assert list(order.walk(low, high)) == wanted[::-1]
    assert list(bucket.walk(low, high)) == [i for i in wanted if _number(i) % 2 == 0][::-1]


def test_a_bucket_files_an_id_again_in_its_place():
    order = Order([f"id_{n}" for n in range(10)])
    bucket = Bucket(order)
    for object_id in ("id_2", "id_7"):
        bucket.append(object_id)
    bucket.insert("id_5")
    bucket.insert("id_0")
    bucket.insert("id_5")  # already there
    assert list(bucket) == ["id_0", "id_2", "id_5", "id_7"]
    bucket.remove("id_2")
    bucket.remove("id_3")  # not there
    bucket.insert("id_9")
    assert list(bucket) == ["id_0", "id_5", "id_7", "id_9"]


def test_removing_the_oldest_one_by_one_cuts_the_front_off():
    order = Order([f"id_{n:05d}" for n in range(10_000)])
    for n in range(9_990):
        order.remove(f"id_{n:05d}")
    assert len(order.ids) < 5_000  # the holes in front were cut off
    assert list(order) == [f"id_{n:05d}" for n in range(9_990, 10_000)]
    assert order.place("id_09995") == 9_995  # places do not move when the front is cut
