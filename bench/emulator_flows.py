"""How many complete invoicing flows per second the emulator serves through the real SDK.

A flow: create a customer, create a send_invoice invoice, add 3 lines in one call, send it,
pay it. Each process runs its own emulator in process (the SDK's transport hands requests to
the WSGI app directly), so the figure is the emulator plus the SDK, with no sockets.

    python -m bench.emulator_flows [--flows 2000] [--processes 2] [--runs 3]
"""

import argparse
import multiprocessing
import statistics
import time

import stripe

from stripe_emulator import Emulator, WSGIClient


class _TimedClient(WSGIClient):
    """Counts the time spent inside the emulator, to split it from the SDK's own."""

    inside = 0.0

    def _call(self, *args):
        started = time.perf_counter()
        try:
            return super()._call(*args)
        finally:
            self.inside += time.perf_counter() - started


class _Replay(stripe.HTTPClient):
    """Answers each call with a recorded answer: the SDK's cost alone, with no emulator."""

    name = "replay"

    def __init__(self, answers):
        super().__init__()
        self.answers = answers
        self.next = 0

    def request(self, method, url, headers, post_data=None, **kwargs):
        answer = self.answers[self.next % len(self.answers)]
        self.next += 1
        return answer

    def close(self):
        pass


class _Recording(WSGIClient):
    answers = ()

    def request(self, *args, **kwargs):
        answer = super().request(*args, **kwargs)
        self.answers = (*self.answers, answer)
        return answer


def _flow(client, line, i):
    customer = client.v1.customers.create({"email": f"bench{i}@example.com"})
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    client.v1.invoices.add_lines(invoice.id, {"lines": [line] * 3})
    client.v1.invoices.send_invoice(invoice.id)
    client.v1.invoices.pay(invoice.id, {"paid_out_of_band": True})


def _client(transport):
    return stripe.StripeClient(
        "sk_test_bench", base_addresses={"api": "http://emulator"}, http_client=transport
    )


def _setup(transport):
    """A client over `transport`, and a line of a new price to put on each invoice."""
    client = _client(transport)
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )
    return client, {"pricing": {"price": price.id}, "quantity": 1}


def sdk_ceiling(flows):
    """Flows per second of the SDK alone, replaying one flow's recorded answers."""
    emulator = Emulator()
    recorder = _Recording(emulator)
    client, line = _setup(recorder)
    recorder.answers = ()
    _flow(client, line, 0)
    emulator.close()
    replay = _client(_Replay(recorder.answers))
    started = time.perf_counter()
    for i in range(flows):
        _flow(replay, line, i)
    return flows / (time.perf_counter() - started)


def run(flows):
    """Run `flows` flows against a new emulator; return (seconds, seconds inside the emulator)."""
    emulator = Emulator()
    transport = _TimedClient(emulator)
    client, line = _setup(transport)
    transport.inside = 0.0
    started = time.perf_counter()
    for i in range(flows):
        _flow(client, line, i)
    elapsed = time.perf_counter() - started
    emulator.close()
    return elapsed, transport.inside


def parallel(flows, processes, runs):
    """Flows per second of `processes` processes each running `flows` flows, once per run."""
    rates = []
    with multiprocessing.Pool(processes) as pool:
        pool.map(run, [min(flows, 50)] * processes)  # warm up each process
        for _ in range(runs):
            started = time.perf_counter()
            pool.map(run, [flows] * processes)
            rates.append(flows * processes / (time.perf_counter() - started))
    return rates


def main(argv=None):
    """Print flows per second for one process and for several in parallel."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=2000, help="flows per process")
    parser.add_argument("--processes", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--runs", type=int, default=3, help="parallel runs; the median is shown")
    args = parser.parse_args(argv)
    run(min(args.flows, 50))  # warm up imports and caches
    elapsed, inside = run(args.flows)
    single = args.flows / elapsed
    print(f"1 process:   {single:4.0f} flows/s  ({args.flows} flows in {elapsed:.2f} s)")
    print(
        f"             {inside / args.flows * 1000:.2f} ms per flow inside the emulator "
        f"({args.flows / inside:.0f} flows/s), "
        f"{(elapsed - inside) / args.flows * 1000:.2f} ms in the SDK"
    )
    ceiling = sdk_ceiling(args.flows)
    print(f"             SDK alone, replaying recorded answers: {ceiling:.0f} flows/s")
    if args.processes > 1:
        rates = parallel(args.flows, args.processes, args.runs)
        shown = ", ".join(f"{r:.0f}" for r in rates)
        print(
            f"{args.processes} processes: {statistics.median(rates):4.0f} flows/s  "
            f"(median of {len(rates)} runs of {args.flows * args.processes} flows: {shown})"
        )
    return single


if __name__ == "__main__":
    main()
