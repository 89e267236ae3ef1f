"""`python -m bench`: run every benchmark and write BENCHMARKS.md.

python -m bench            # the full run (about 8 minutes on 2 cores)
python -m bench --smoke    # tiny sizes, to keep the scripts working (run by scripts/test)
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys

from bench import emulator_flows, invoice_latency, webhook_throughput

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTES = os.path.join(ROOT, "bench", "NOTES.md")


def machine():
    """`nproc`, memory and Python, as one line."""
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    with open("/proc/meminfo") as meminfo:
        kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    memory = f"{kib / 1024 / 1024:.1f} GiB memory"
    return f"{cores} cores (nproc), {memory}, Python {platform.python_version()}"


def main(argv=None):
    """Run the benchmarks; write BENCHMARKS.md unless this is a smoke run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; writes nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        rows = invoice_latency.measure(latency_ms=5, runs=2, sizes=[1, 3])
        print(invoice_latency.table(rows))
        assert all(calls == 3 for _, way, calls, _, _ in rows if way == "server, known customer")
        hooks = webhook_throughput.measure(seconds=2, connections=4, postgres=True)
        print(webhook_throughput.table(hooks))
        assert all(
            webhook_throughput.balanced(r) for r in hooks.values() if r["stored"] is not None
        )
        emulator_flows.main(["--flows", "20", "--processes", "1"])
        return
    latency = invoice_latency.table(
        invoice_latency.measure(100, 10, [1, 10, 100, 250], {100: 3, 250: 3})
    )
    print(latency)
    hooks = webhook_throughput.table(webhook_throughput.measure())
    print(hooks)
    flows = subprocess.run(
        [sys.executable, "-m", "bench.emulator_flows", "--flows", "2000"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    print(flows)
    with open(NOTES) as notes:
        analysis = notes.read()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = f"""# Benchmarks

Measured {stamp} on {machine()}, by `python -m bench` (the whole run, as written here).

## Stripe round trips per invoice

The emulator answers every call after 100 ms, a typical round trip to Stripe.

{latency}

## Webhook throughput under gunicorn

wrk, 32 connections, 20 s, distinct pre-signed `invoice.paid` events (one in ten for an invoice
the database holds); gunicorn as deployed (`gunicorn.conf.py`).

{hooks}

## The emulator through the SDK

```
{flows.strip()}
```

{analysis}"""
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as out:
        out.write(report)
    print("Wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
