"""Seconds and Stripe round trips to send an invoice: this server against the quickstart's way.

The emulator answers every API call after `--latency-ms` (100 by default, a typical round trip
to Stripe). For 1, 10, 100 and 250 items it sends invoices through `POST /invoices` (a known
customer, and a new one) and, against the same emulator, the quickstart's way: a customer
created every time, one `invoiceitems.create` per item, then send.

    python -m bench.invoice_latency [--latency-ms 100] [--runs 10] [--sizes 1,10,100,250]
"""

import argparse
import itertools
import time

import requests
import stripe

from bench.harness import Site, summary
from invoicing.config import EMULATOR_KEY

_emails = itertools.count()


def quickstart_send(client, price_id, items):
    """The quickstart's way: a customer every time, one call per item, then send."""
    customer = client.v1.customers.create({"email": f"quick{next(_emails)}@example.com"})
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30}
    )
    for _ in range(items):
        client.v1.invoice_items.create(
            {"customer": customer.id, "invoice": invoice.id, "pricing": {"price": price_id}}
        )
    return client.v1.invoices.send_invoice(invoice.id)


def _timed(site, fn):
    site.emulator.reset_calls()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started, len(site.emulator.calls)


def measure(latency_ms, runs, sizes, quickstart_runs=None):
    """Rows of (items, way, calls, median s, p95 s) for each size and way."""
    site = Site(latency_ms=latency_ms)
    http = requests.Session()
    client = stripe.StripeClient(EMULATOR_KEY, base_addresses={"api": site.emulator_server.url})
    try:
        price = http.get(f"{site.url}/prices").json()["data"][0]["id"]
        known = "known@example.com"
        http.post(f"{site.url}/invoices", json={"email": known, "items": [{"price": price}]})
        rows = []
        for size in sizes:
            body = {"items": [{"price": price, "quantity": 1}] * size}

            def server_send(email, body=body):
                answer = http.post(f"{site.url}/invoices", json={"email": email, **body})
                answer.raise_for_status()

            ways = {
                "server, known customer": (lambda: server_send(known), runs),
                "server, new customer": (
                    lambda: server_send(f"n{next(_emails)}@example.com"),
                    runs,
                ),
                "quickstart": (
                    lambda size=size: quickstart_send(client, price, size),
                    (quickstart_runs or {}).get(size, runs),
                ),
            }
            for way, (fn, count) in ways.items():
                results = [_timed(site, fn) for _ in range(count)]
                median, p95 = summary([seconds for seconds, _ in results])
                calls = max(c for _, c in results)
                rows.append((size, way, calls, median, p95))
        return rows
    finally:
        http.close()
        site.stop()


def table(rows):
    """A Markdown table with the ratio of the quickstart's median to the server's (known)."""
    lines = [
        "| items | way | Stripe calls | median s | p95 s | quickstart ÷ this |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    known = {size: median for size, way, _, median, _ in rows if way == "server, known customer"}
    for size, way, calls, median, p95 in rows:
        ratio = f"{median / known[size]:.1f}x" if way == "quickstart" else ""
        lines.append(f"| {size} | {way} | {calls} | {median:.3f} | {p95:.3f} | {ratio} |")
    return "\n".join(lines)


def main(argv=None):
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sizes", default="1,10,100,250")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    # The quickstart's way at 100 and 250 items takes 10 and 25 s a run: fewer runs there.
    slow = {100: min(args.runs, 3), 250: min(args.runs, 3)}
    rows = measure(args.latency_ms, args.runs, sizes, slow)
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
