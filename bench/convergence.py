"""Convergence under faults: invoices sent and paid (in full or in part), failed, voided,
credited (here or behind the server's back), refunded (here through a credit note, or behind
the server's back), credited to the customer's balance or marked paid outside Stripe at random
while webhook deliveries are dropped, workers are killed, Stripe fails at each step and the
database goes away once; then reconciliation, and a comparison of the local record (every
invoice's amounts, credits and refunds, every customer's balance) with Stripe.

    python -m bench.convergence [--invoices 500] [--smoke]

The server runs as deployed (`gunicorn server:app`, PostgreSQL), its emulator served from
this process so that faults can be armed. Clients retry what failed with the same
Idempotency-Key, as a careful client does. Printed: invoices checked, divergences between the
record and Stripe, orphan drafts at Stripe, and the time until convergence.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.gunicorn_run import ROOT, Gunicorn
from invoicing.record import tables
from invoicing.record.database import make_engine
from stripe_emulator import Emulator, serve
from tests.helpers.postgres import Postgres
from tests.helpers.serving import free_port

STEPS = ("customers.create", "invoices.create", "invoices.add_lines", "invoices.send_invoice")
ACTIONS = ("pay", "pay", "fail", "void", "uncollectible", "open", "credit", "credit_behind",
           "mark_paid", "part_pay", "refund", "refund_behind", "balance")  # fmt: skip
# Actions on an invoice paid first.
AFTER_PAYING = ("refund", "refund_behind", "balance")
COUNTED = ("pending", "requires_action", "succeeded")


class Run:
    """One run: the emulator, PostgreSQL, gunicorn, and what the faults did."""

    def __init__(self, invoices, seed):
        self.random = random.Random(seed)
        self.invoices = invoices
        self.emulator = Emulator(latency_ms=10, webhook_first_retry=0.5)
        self.emulator_server = serve(self.emulator)
        self.database = Postgres().start()
        self.database_url = self.database.create_database("convergence")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "DATABASE_"))},
            "DATABASE_URL": self.database_url,
            "STRIPE_API_BASE": self.emulator_server.url,
            "DOMAIN": self.url,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "4",
            "RECONCILE_SECONDS": "0",
            "ABANDONED_SEND_SECONDS": "0",
        }
        self.gunicorn = None
        self.counts = {"kills": 0, "stripe_faults": 0, "outage_s": 0.0, "client_errors": 0}
        self.sent = []
        self.http = requests.Session()

    def start(self):
        """Start gunicorn and wait for it (DOMAIN names its port, so the port is chosen here)."""
        self.gunicorn = Gunicorn("server:app", self.env, port=self.port)

    def stop(self):
        """Stop everything."""
        if self.gunicorn:
            self.gunicorn.stop()
        self.emulator_server.stop()
        self.database.stop()

    def _request(self, method, path, body, key=None, tries=6):
        """A careful client: retries what failed (same Idempotency-Key; a key still in use is a
        409 worth retrying), gives up after six."""
        headers = {"Idempotency-Key": key} if key else {}
        for attempt in range(tries):
            try:
                answer = requests.request(
                    method, self.url + path, json=body, headers=headers, timeout=30
                )
                busy = answer.status_code == 409 and key is not None
                if answer.status_code < 500 and not busy:
                    return answer
            except requests.RequestException:
                pass
            self.counts["client_errors"] += 1
            time.sleep(0.2 * 2**attempt)
        return None

    def _one(self, index, prices):
        if self.random.random() < 0.1:  # Stripe fails one step of this send
            self.emulator.fail(self.random.choice(STEPS), after=self.random.random() < 0.5)
            self.counts["stripe_faults"] += 1
        items = [{"price": self.random.choice(prices), "quantity": self.random.randint(1, 3)}]
        body = {"email": f"c{index % 60}@example.com", "items": items}
        answer = self._request("POST", "/invoices", body, key=f"bench-{index}")
        if answer is None or answer.status_code != 201:
            return
        invoice = answer.json()
        self.sent.append(invoice["id"])
        action = self.random.choice(ACTIONS)
        if action in ("pay", "fail", *AFTER_PAYING):
            self._pay(invoice, {"outcome": "fail" if action == "fail" else "succeed"})
        if action == "part_pay":
            self._pay(invoice, {"outcome": "succeed", "amount": max(invoice["amount_due"] // 3, 1)})
        elif action not in ("pay", "fail"):
            self._act(index, invoice, action)

    def _pay(self, invoice, body):
        requests.post(
            f"{self.emulator_server.url}/_emulator/invoices/{invoice['id']}/payments",
            json=body, timeout=30,
        )  # fmt: skip

    def _act(self, index, invoice, action):
        path = f"/invoices/{invoice['id']}"
        # A customer's balance may have paid for some or all of it already.
        amount = self.random.randint(1, max(invoice["amount_due"], invoice["total"], 2) // 2)
        if action == "refund":  # the default split of a paid invoice's credit: refunded
            self._request("POST", f"{path}/credit-notes", {"amount": amount}, f"bench-re-{index}")
        elif action == "balance":
            body = {"amount": amount, "credit_amount": amount}
            self._request("POST", f"{path}/credit-notes", body, f"bench-cb-{index}")
        elif action == "refund_behind":  # as someone in Stripe's Dashboard would
            requests.post(
                f"{self.emulator_server.url}/_emulator{path}/refunds",
                json={"amount": amount}, timeout=30,
            )  # fmt: skip
        elif action == "void":
            self._request("POST", f"{path}/void", {})
        elif action == "uncollectible":
            self._request("POST", f"{path}/mark-uncollectible", {})
        elif action == "credit":
            self._request("POST", f"{path}/credit-notes", {"amount": amount}, f"bench-cn-{index}")
        elif action == "credit_behind":  # as someone in Stripe's Dashboard would
            requests.post(
                f"{self.emulator_server.url}/_emulator{path}/credit_notes",
                json={"amount": amount}, timeout=30,
            )  # fmt: skip
        elif action == "mark_paid":
            self._request("POST", f"{path}/mark-paid", {"memo": "bench"})

    def _kill_workers(self, stop):
        while not stop.wait(3.0):
            children = self.gunicorn.workers()
            if children:
                os.kill(self.random.choice(children), signal.SIGKILL)
                self.counts["kills"] += 1

    def _outage(self, at, seconds):
        time.sleep(at)
        started = time.monotonic()
        self.database.halt()
        time.sleep(seconds)
        self.database.resume()
        self.counts["outage_s"] = round(time.monotonic() - started, 1)

    def workload(self):
        """Send and act on every invoice under the fault schedule; return its seconds."""
        prices = [p["id"] for p in self.http.get(f"{self.url}/prices").json()["data"]]
        self.emulator.drop_deliveries("*", share=0.3)
        stop = threading.Event()
        killer = threading.Thread(target=self._kill_workers, args=(stop,), daemon=True)
        outage = threading.Thread(target=self._outage, args=(4.0, 3.0), daemon=True)
        started = time.monotonic()
        killer.start()
        outage.start()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: self._one(i, prices), range(self.invoices)))
        stop.set()
        killer.join()
        outage.join()
        return time.monotonic() - started

    def converge(self):
        """Clear the faults, let deliveries settle, reconcile; return the seconds it took."""
        started = time.monotonic()
        self.emulator.clear_faults()
        self.emulator.deliverer.wait_idle(timeout=120)
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "server", "reconcile"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        self.emulator.deliverer.wait_idle(timeout=120)
        return time.monotonic() - started, result.stdout.strip().splitlines()[-1]

    def _at_stripe(self):
        """Stripe's invoices, what each has credited and refunded, and its customers' balances."""
        store = self.emulator.store
        with store.lock:
            invoices = {
                i: json.loads(json.dumps(store.view(store.objects[i])))
                for i in store.by_type["invoice"]
            }

            def objects(kind):
                return [store.objects[i] for i in store.by_type[kind]]

            credited, refunded, paying = {}, {}, {}
            for note in objects("credit_note"):
                if note["status"] == "issued":
                    credited[note["invoice"]] = credited.get(note["invoice"], 0) + note["amount"]
            for payment in objects("invoice_payment"):
                paying[payment["payment"]["payment_intent"]] = payment["invoice"]
            for refund in objects("refund"):
                invoice_id = paying.get(refund["payment_intent"])
                if invoice_id and refund["status"] in COUNTED:
                    refunded[invoice_id] = refunded.get(invoice_id, 0) + refund["amount"]
            balances = {c["id"]: c.get("balance", 0) for c in objects("customer")}
        return invoices, credited, refunded, balances

    def compare(self):
        """(invoices checked, divergences, orphan drafts at Stripe, sends left pending)."""
        at_stripe, credited, refunded, balances = self._at_stripe()
        engine = make_engine(self.database_url)
        with engine.connect() as db:
            local = {r.id: r for r in db.execute(tables.invoices.select())}
            customers = {r.stripe_id: r.balance for r in db.execute(tables.customers.select())}
            pending = db.exec_driver_sql("SELECT count(*) FROM sends WHERE state='pending'")
            pending = pending.scalar()
        engine.dispose()
        orphans = [i for i, invoice in at_stripe.items() if invoice["status"] == "draft"]
        divergences = []
        for invoice_id, invoice in at_stripe.items():
            if invoice["status"] == "draft":
                continue
            row = local.get(invoice_id)
            if row is None:
                divergences.append((invoice_id, "missing here", invoice["status"]))
                continue
            here = (row.status, row.amount_paid, row.amount_remaining, row.amount_credited,
                    row.amount_refunded)  # fmt: skip
            there = (invoice["status"], invoice["amount_paid"], invoice["amount_remaining"],
                     credited.get(invoice_id, 0), refunded.get(invoice_id, 0))  # fmt: skip
            if here != there:
                divergences.append((invoice_id, here, there))
        divergences += [(i, "only here", r.status) for i, r in local.items() if i not in at_stripe]
        divergences += [
            (customer, "balance", balance, balances.get(customer))
            for customer, balance in customers.items()
            if balance != balances.get(customer, balance)
        ]
        return len(at_stripe), divergences, orphans, pending


def measure(invoices=500, seed=7):
    """One run; a dict of what it measured."""
    run = Run(invoices, seed)
    try:
        run.start()
        workload = run.workload()
        diverged_before = len(run.compare()[1])
        seconds, summary = run.converge()
        checked, divergences, orphans, pending = run.compare()
        dropped = sum(d["status"] == "dropped" for d in run.emulator.deliverer.log)
        delivered = len(run.emulator.deliverer.log)
    finally:
        run.stop()
    return {
        "invoices": invoices, "sent": len(run.sent), "workload_s": workload,
        "deliveries": delivered, "dropped": dropped, **run.counts,
        "diverged_before": diverged_before, "checked": checked,
        "divergences": divergences, "orphans": orphans, "pending": pending,
        "convergence_s": seconds, "reconcile": summary,
    }  # fmt: skip


def report(result):
    """The result as Markdown."""
    r = result
    return "\n".join(
        [
            "| measure | value |",
            "| --- | ---: |",
            f"| invoices attempted / sent (201) | {r['invoices']} / {r['sent']} |",
            f"| webhook deliveries / dropped | {r['deliveries']} / {r['dropped']} |",
            f"| workers killed (SIGKILL) | {r['kills']} |",
            f"| Stripe failures armed (before or after the effect) | {r['stripe_faults']} |",
            f"| database outage | {r['outage_s']} s |",
            f"| client retries | {r['client_errors']} |",
            f"| workload | {r['workload_s']:.1f} s |",
            f"| divergences before reconciliation | {r['diverged_before']} |",
            f"| invoices checked at Stripe | {r['checked']} |",
            f"| **divergences after** | **{len(r['divergences'])}** |",
            f"| **orphan drafts at Stripe** | **{len(r['orphans'])}** |",
            f"| sends left pending | {r['pending']} |",
            f"| time until convergence (settle + `reconcile`) | {r['convergence_s']:.1f} s |",
            "",
            f"`reconcile` printed: `{r['reconcile']}`",
        ]
    )


def main(argv=None):
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--smoke", action="store_true", help="30 invoices")
    args = parser.parse_args(argv)
    result = measure(30 if args.smoke else args.invoices)
    print(report(result))
    for divergence in result["divergences"][:20]:
        print("divergence:", divergence)
    return result


if __name__ == "__main__":
    main()
