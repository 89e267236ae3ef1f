"""`python -m bench`: run every benchmark and write bench/BENCHMARKS.md.

python -m bench            # the full run (about half an hour on 2 cores)
python -m bench --smoke    # tiny sizes, to keep the scripts working (run by scripts/test)
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys

from bench import (
    convergence,
    emulator_flows,
    invoice_latency,
    invoice_throughput,
    pages_profile,
    reconcile_scale,
    scale,
    webhook_profile,
    webhook_throughput,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTES = os.path.join(ROOT, "bench", "NOTES.md")


def machine():
    """CPU model, `nproc`, memory, Python and the load average, as one line."""
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    with open("/proc/meminfo") as meminfo:
        kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")),
                     platform.machine())  # fmt: skip
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{model}, {cores} cores (nproc), {kib / 1024 / 1024:.1f} GiB memory, "
            f"Python {platform.python_version()}; load average {load} at the start")  # fmt: skip


def smoke():
    """Every script at tiny sizes; checks that what is stored matches what was answered."""
    rows = invoice_latency.measure(latency_ms=5, runs=2, sizes=[1, 3])
    print(invoice_latency.table(rows))
    assert all(calls == 3 for _, way, calls, _, _ in rows if way == "server, known customer")
    hooks = webhook_throughput.measure(seconds=1, connections=4, rounds=1, djstripe=False)
    print(webhook_throughput.table(hooks), webhook_throughput.verdict(hooks), sep="\n\n")
    assert all(r["balanced"] for runs in hooks.values() for r in runs), "a 2xx was not stored"
    print(webhook_profile.table(*webhook_profile.measure(200)))
    sends = invoice_throughput.measure(seconds=1, rounds=1, connections=4)
    print(invoice_throughput.table(sends, invoice_throughput.breakdown(20)))
    assert all(r["balanced"] for runs in sends.values() for r in runs), "a 201 was not stored"
    emulator_flows.main(["--flows", "20", "--processes", "1"])
    scale.main(["--smoke"])
    pages_profile.main(["--invoices", "2000", "--calls", "5", "--repeat", "1"])
    reconcile_scale.main(["--smoke"])
    converged = convergence.measure(invoices=20)
    print(convergence.report(converged))
    assert not converged["divergences"] and not converged["orphans"], "did not converge"


def main(argv=None):
    """Run the benchmarks; write BENCHMARKS.md unless this is a smoke run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; writes nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        smoke()
        return
    started = machine()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    tables = measure()
    with open(NOTES) as notes:
        analysis = notes.read()
    with open(os.path.join(ROOT, "bench", "BENCHMARKS.md"), "w") as out:
        out.write(report(stamp, started, tables, analysis))
    print("Wrote bench/BENCHMARKS.md")


def measure():
    """Every script at full size, each table printed as it comes; return the tables by name."""
    latency = invoice_latency.table(
        invoice_latency.measure(100, 10, [1, 10, 100, 250], {100: 3, 250: 3})
    )
    print(latency)
    measured = webhook_throughput.measure()
    hooks = webhook_throughput.table(measured)
    verdict = webhook_throughput.verdict(measured)
    print(hooks, verdict, sep="\n\n")
    profile = webhook_profile.table(*webhook_profile.measure())
    print(profile)
    sends = invoice_throughput.table(invoice_throughput.measure(), invoice_throughput.breakdown())
    print(sends)
    flows = subprocess.run(
        [sys.executable, "-m", "bench.emulator_flows", "--flows", "2000"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    print(flows)
    converged = convergence.report(convergence.measure())
    print(converged)
    at_scale = "\n\n".join(scale.main([]))
    reconciled = reconcile_scale.main([])
    return {
        "scale": at_scale,
        "reconciled": reconciled,
        "latency": latency,
        "hooks": hooks,
        "verdict": verdict,
        "profile": profile,
        "sends": sends,
        "flows": flows,
        "converged": converged,
    }


def report(stamp, started, tables, analysis):
    """BENCHMARKS.md: the tables of `measure`, each with what it measures, then the notes."""
    sections = [
        _opening(stamp, started),
        _webhook_section(tables["hooks"], tables["verdict"], tables["profile"]),
        _sends_section(tables["sends"]),
        _convergence_section(tables["converged"]),
        _latency_section(tables["latency"]),
        _flows_section(tables["flows"]),
        _scale_section(tables["scale"]),
        _reconcile_section(tables["reconciled"]),
        analysis,
    ]
    return "\n\n".join(sections)


def _scale_section(at_scale):
    """The page routes and the export with the record at scale, beside 1,000 invoices."""
    return f"""## The record at scale

`python -m bench.scale`: the record filled by SQL (a fifth of the invoices open, each paid one
with its payment, 5,000 customers; then `VACUUM ANALYZE` on PostgreSQL and `ANALYZE` on
SQLite, as a live database's autovacuum would have), then each page route for 5 s from wrk's 8
concurrent connections under gunicorn (2 workers), after a second of the same load unmeasured
(so that both workers have run the route), and the invoice export streamed whole; each
beside the same at 1,000 invoices. Targets on PostgreSQL at 1,000,000 invoices: every page
route p99 ≤ 50 ms and within twice its figure at 1,000, receivables a year ago ≤ 250 ms,
export ≥ 20,000 rows/s with peak memory within 20 MiB of the 1,000-invoice run.

{at_scale}"""


def _reconcile_section(reconciled):
    """Reconcile's Stripe calls with 100,000 open invoices, beside 1,000."""
    return f"""## Reconcile at scale

`python -m bench.reconcile_scale`: 100,000 open invoices at the emulator and in the record
(beside 1,000), 1,000 of them paid since the last pass; each pass is `flask --app server
reconcile`, whose seconds include starting the process. Targets: at most a call per 100
changed invoices and a constant, and never more than 20 calls a second.

{reconciled}"""


def _opening(stamp, started):
    """The title, and when and where the run was measured."""
    return f"""# Benchmarks

Measured {stamp} on {started}, by `python -m bench` (the whole run, as written here). The
machine is shared: figures swing from run to run, so every comparison below is between
targets measured in this same run, with the spread of its rounds."""


def _webhook_section(hooks, verdict, profile):
    """Webhook throughput under gunicorn beside its references, the verdict, the profile."""
    return f"""## Webhook throughput under gunicorn, beside its references

Every target runs under the server's deployed gunicorn settings (`gunicorn.conf.py`: its
worker class, `invoicing.web.buffered_worker.BufferedWorker`, and the same worker count;
dj-stripe under gunicorn's sync worker, since its virtualenv has no Flask, which that class's
package imports), loaded by wrk (2
threads, 32 connections, 15 s a run) with distinct pre-signed `invoice.paid` events; 3
rounds, the order of the targets rotated each round, each run on a fresh database after a 2 s
warm-up. Figures are the median of the rounds, with the
lowest and highest in brackets. Worker CPU is user + system time of the gunicorn workers
(from /proc) per 2xx answer; it leaves out PostgreSQL's own processes. Preemptions are the
workers' nonvoluntary context switches (another process took the core while a worker could
still run), per 1,000 events: how much the rest of the machine cut into them. RSS is per
worker, after the run. "Every 2xx stored": each 2xx answer's event is in the database (dj-stripe:
a valid `WebhookEventTrigger`, and processed in the default mode).

{hooks}

The server's webhook targets: each a ratio to a reference measured in the same round, given
as the median of the rounds' ratios (lowest to highest in brackets), since the host's speed
drifts between rounds more than two targets of one round differ:

{verdict}

The same events sent to the server's WSGI app in process (no socket, no gunicorn), its CPU time
sampled (`bench/webhook_profile.py`): what the request itself costs, beside what the workers
spend on it above.

{profile}"""


def _sends_section(sends):
    """Sending invoices with an emulated Stripe that answers at once."""
    return f"""## Sending invoices (`POST /invoices`) with Stripe answering at once

The server as deployed, in test mode, its Stripe API base pointed at an emulator in its own
process that answers without delay (3 Stripe calls per invoice, the customer known); wrk with
16 connections, 15 s a run, 3 rounds. The emulator's CPU is shown apart: it stands in for
Stripe.

{sends}"""


def _convergence_section(converged):
    """Whether every invoice's record converges with Stripe after faults."""
    return f"""## Convergence under faults

500 invoices sent by 8 careful clients (retrying what failed with the same Idempotency-Key)
to the server as deployed (4 gunicorn workers, PostgreSQL), then paid, failed, voided, marked
uncollectible or left open at random, while 30% of webhook deliveries are dropped at random,
a worker is killed (SIGKILL) every 3 s, one Stripe step of one send in ten fails (before or
after taking effect), and the database stops for 3 s. Then the faults stop, deliveries settle
and `flask --app server reconcile` runs once; every invoice at Stripe is compared with the
record (`bench/convergence.py`).

{converged}"""


def _latency_section(latency):
    """Stripe round trips per invoice, each answered after a typical delay."""
    return f"""## Stripe round trips per invoice

The emulator answers every call after 100 ms, a typical round trip to Stripe.

{latency}"""


def _flows_section(flows):
    """The output of the emulator's flows through the SDK, as a code block."""
    return f"""## The emulator through the SDK

```
{flows.strip()}
```"""


if __name__ == "__main__":
    main()
