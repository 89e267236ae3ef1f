"""Whether the emulator's cost per call and its memory grow with its state.

Measured in process through the real SDK (the emulator's WSGI app behind `WSGIClient`, no
sockets):

- ms per send flow, as the server sends (list the customer by email, create it, create the
  invoice picking up pending items, add 3 lines, send with its payments, pay out of band,
  each POST with an `Idempotency-Key`), in a window at the start and after N flows;
- ms per list page of 100 (first, middle by `starting_after`, `ending_before`, a `created`
  range, by customer; events by `types` and `created`) at 1,000 and at 100,000 invoices;
- memory (tracemalloc) per 1,000 flows, what event snapshots and saved `Idempotency-Key`
  answers hold of it, and what is left once the emulator's clock has moved 31 days on.

    python -m bench.emulator_scale [--flows 10000] [--invoices 100000] [--smoke]
"""

import argparse
import gc
import inspect
import statistics
import time
import tracemalloc

import stripe

from stripe_emulator import Emulator, WSGIClient

_DAY = 86400


class Clock:
    """A clock the bench moves on by hand (real time plus an offset)."""

    def __init__(self):
        self.offset = 0.0

    def __call__(self):
        return time.time() + self.offset


def _emulator(clock=None):
    """A new emulator; on its clock if the emulator takes one (earlier versions did not)."""
    if clock is not None and "clock" in inspect.signature(Emulator).parameters:
        return Emulator(clock=clock)
    return Emulator()


class _Timed(WSGIClient):
    """Counts the time spent inside the emulator, to split it from the SDK's own."""

    inside = 0.0

    def _call(self, *args):
        started = time.perf_counter()
        try:
            return super()._call(*args)
        finally:
            self.inside += time.perf_counter() - started


def _client(emulator):
    """An SDK client of `emulator`, and its transport (which times the emulator's share)."""
    transport = _Timed(emulator)
    client = stripe.StripeClient(
        "sk_test_bench", base_addresses={"api": "http://emulator"}, http_client=transport
    )
    return client, transport


def _timed(transport, call):
    """(ms in all, ms inside the emulator) of one call."""
    inside, started = transport.inside, time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, (transport.inside - inside) * 1000, result


def _line(client):
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )
    return {"pricing": {"price": price.id}, "quantity": 1}


def _flow(client, line, i):
    """One send, as the server makes it."""
    email = f"scale{i}@example.com"
    client.v1.customers.list({"email": email, "limit": 1})
    customer = client.v1.customers.create({"email": email}, {"idempotency_key": f"c{i}"})
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 30,
            "pending_invoice_items_behavior": "include",
            "metadata": {"invoicing_send": f"s{i}"},
        },
        {"idempotency_key": f"s{i}:create"},
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": [line] * 3}, {"idempotency_key": f"s{i}:l"})
    client.v1.invoices.send_invoice(
        invoice.id, {"expand": ["payments"]}, {"idempotency_key": f"s{i}:send"}
    )
    client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True}, {"idempotency_key": f"p{i}"})


def _spread(values):
    """`median (p10 to p90)` of a list of ms."""
    ordered = sorted(values)
    p10, p90 = ordered[len(ordered) // 10], ordered[(len(ordered) * 9) // 10]
    return f"{statistics.median(ordered):.2f} ({p10:.2f} to {p90:.2f})"


def flows(total, window):
    """ms per flow (in all, and inside the emulator) in a window of `window` flows at the
    start and after each mark up to `total`: [(flows made before, [ms], [ms inside])]."""
    emulator = _emulator()
    client, transport = _client(emulator)
    line = _line(client)
    for i in range(20):  # warm up imports and caches
        _flow(client, line, f"w{i}")
    marks = sorted({0, *(m for m in (total // 5, total) if m)})
    done, found = 0, []
    for mark in marks:
        while done < mark:
            _flow(client, line, done)
            done += 1
        times, inside = [], []
        for j in range(window):
            spent, within, _ = _timed(transport, lambda n=f"m{mark}-{j}": _flow(client, line, n))
            times.append(spent)
            inside.append(within)
        found.append((mark, times, inside))
    emulator.close()
    return found


def _fill(emulator, client, count):
    """`count` paid invoices of 10 customers, put in the store directly (copies of one made
    through the API), `created` 10 to a second, ending now; and an event for each."""
    line = _line(client)
    customers = [client.v1.customers.create({"email": f"c{i}@example.com"}).id for i in range(10)]
    store = emulator.store
    with store.lock:
        model = dict(store.objects[client.v1.invoices.create({"customer": customers[0]}).id])
    client.v1.invoices.add_lines(model["id"], {"lines": [line]})
    start = int(time.time()) - count // 10 - 1
    with store.lock:
        for i in range(count):
            invoice = {**model, "id": f"in_scale{i:07d}", "customer": customers[i % 10]}
            invoice["created"] = start + i // 10
            store.add(invoice)
            event = store.emit("invoice.paid", invoice)
            event["created"] = invoice["created"]
    return start, customers


def _pages(client, start, count, customers):
    """The list calls measured, by name: each the JSON of a page (the SDK's `raw_request`,
    which makes no StripeObjects: 100 of them cost more than the emulator's answer)."""
    middle = f"in_scale{count // 2:07d}"
    mid_time = start + count // 20

    def listing(path, **params):
        return lambda: client.raw_request("get", path, limit=100, **params).data

    return {
        "invoices: first page": listing("/v1/invoices"),
        "invoices: starting_after (middle)": listing("/v1/invoices", starting_after=middle),
        "invoices: ending_before (middle)": listing("/v1/invoices", ending_before=middle),
        "invoices: created gte/lt (middle)": listing(
            "/v1/invoices", created={"gte": mid_time, "lt": mid_time + 10}
        ),
        "invoices: customer": listing("/v1/invoices", customer=customers[3]),
        "events: types + created gte": listing(
            "/v1/events", types=["invoice.paid"], created={"gte": mid_time}
        ),
    }


def pages(counts, repeat):
    """ms per list page inside the emulator, by call and number of invoices: {name: {count:
    [ms]}}."""
    found = {}
    for count in counts:
        emulator = _emulator()
        client, transport = _client(emulator)
        start, customers = _fill(emulator, client, count)
        gc.collect()
        for name, call in _pages(client, start, count, customers).items():
            times = []
            for _ in range(repeat + 1):
                _, inside, page = _timed(transport, call)
                times.append(inside)
            assert len(page["data"]) == 100, (name, len(page["data"]))
            found.setdefault(name, {})[count] = times[1:]
        emulator.close()
        del emulator, client
        gc.collect()
    return found


def _held(emulator):
    """Bytes of event snapshot text, and of saved `Idempotency-Key` answers (their bodies and
    parameters) not shared with an event's text, in the emulator: each text object once."""
    store, texts = emulator.store, {}
    with store.lock:
        for event_id in store.by_type["event"]:
            event = store.objects.peek(event_id)
            for key in ("_data", "_object", "_previous"):  # `_data` before the texts were split
                if isinstance(event.get(key), str):
                    texts[id(event[key])] = len(event[key])
        events = sum(texts.values())
        answers = 0
        for fingerprint, _, body, *_ in emulator.idempotent._saved.values():
            answers += len(fingerprint[2]) + (0 if id(body) in texts else len(body))
    return events, answers


def memory(count):
    """Traced bytes per flow over `count` flows; then after the clock moves 31 days on (if the
    emulator takes a clock): {name: value}."""
    clock = Clock()
    emulator = _emulator(clock)
    client, _ = _client(emulator)
    line = _line(client)
    for i in range(20):
        _flow(client, line, f"w{i}")
    gc.collect()
    held = _held(emulator)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(count):
        _flow(client, line, i)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    events, answers = (now - then for now, then in zip(_held(emulator), held, strict=True))
    found = {"flows": count, "per flow": (after - before) / count}
    found.update({"event text per flow": events / count, "answers per flow": answers / count})
    if "clock" in inspect.signature(Emulator).parameters:
        clock.offset += 31 * _DAY
        _flow(client, line, "later")  # a call lets the emulator expire what is due
        gc.collect()
        found["per flow, 31 days on"] = (tracemalloc.get_traced_memory()[0] - before) / count
    tracemalloc.stop()
    emulator.close()
    return found


def report(flow_times, page_times, memory_found):
    """The figures as Markdown tables."""
    rows = [
        "| flows made before | ms per flow, median (p10 to p90) | of which inside the emulator |",
        "| ---: | --- | --- |",
    ]
    rows += [f"| {m:,} | {_spread(t)} | {_spread(i)} |" for m, t, i in flow_times]
    counts = sorted({c for by_count in page_times.values() for c in by_count})
    heads = " | ".join(f"{c:,} invoices: ms inside the emulator" for c in counts)
    rows += ["", f"| list page of 100 | {heads} |", "| --- |" + " --- |" * len(counts)]
    for name, by_count in page_times.items():
        rows.append(f"| {name} | " + " | ".join(_spread(by_count[c]) for c in counts) + " |")
    return "\n".join([*rows, "", *_memory_rows(memory_found)])


def _memory_rows(found):
    """The memory figures as a table, in KiB per flow."""
    kib = 1024
    rows = [
        "| memory (tracemalloc) | KiB per flow |",
        "| --- | ---: |",
        f"| over {found['flows']:,} flows | {found['per flow'] / kib:.1f} |",
        f"| of which event snapshot text | {found['event text per flow'] / kib:.1f} |",
        f"| of which saved answers (unshared) | {found['answers per flow'] / kib:.1f} |",
    ]
    if "per flow, 31 days on" in found:
        left = found["per flow, 31 days on"] / kib
        rows.append(f"| left once the clock is 31 days on | {left:.1f} |")
    return [*rows, f"\nMiB per 1,000 flows: {found['per flow'] * 1000 / kib / kib:.1f}"]


def main(argv=None):
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=10_000, help="flows before the last window")
    parser.add_argument("--window", type=int, default=200, help="flows timed per window")
    parser.add_argument("--invoices", type=int, default=100_000, help="the larger list")
    parser.add_argument("--memory-flows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30, help="timings per list call")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, in a few seconds")
    args = parser.parse_args(argv)
    if args.smoke:
        args.flows, args.window, args.invoices, args.memory_flows, args.repeat = 40, 10, 2000, 30, 5
    flow_times = flows(args.flows, args.window)
    page_times = pages([1000, args.invoices], args.repeat)
    print(report(flow_times, page_times, memory(args.memory_flows)))


if __name__ == "__main__":
    main()
