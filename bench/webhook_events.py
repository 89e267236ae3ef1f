"""The events the webhook benchmark sends: distinct signed `invoice.paid` events, in a file.

Each line is "signature<TAB>body". Events are signed when the file is written, so a file is
made just before the run that sends it (Stripe's tolerance for a signature's age is 5 minutes).
"""

import json
import os
import subprocess
import sys
import time

import requests
import stripe
from sqlalchemy import MetaData, Table, create_engine

from stripe_emulator import sign
from tests.helpers.serving import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SECRET = "whsec_bench_secret_0123456789"
KNOWN = 1000  # invoices the server's database holds: in_bench_0 .. in_bench_999
API_VERSION = stripe.api_version


def write(path, count, prefix, invoices=None):
    """`count` distinct signed invoice.paid events; one in ten pays an invoice the database
    holds, unless `invoices` (full invoice objects) are given, which are then paid in turn."""
    now = int(time.time())
    with open(path, "w") as out:
        for i in range(count):
            if invoices:
                paid = invoices[i % len(invoices)]
            else:
                invoice = f"in_bench_{i % (KNOWN * 10)}"  # ids below KNOWN exist locally
                paid = {"id": invoice, "object": "invoice", "status": "paid", "amount_paid": 1000}
            event = {"id": f"evt_{prefix}_{i}", "object": "event", "type": "invoice.paid",
                     "api_version": API_VERSION, "created": now, "livemode": False,
                     "pending_webhooks": 1, "data": {"object": paid}}  # fmt: skip
            body = json.dumps(event)
            out.write(f"{sign(body.encode(), SECRET, now)}\t{body}\n")
    return path


def prepare_server_database(url, folder=ROOT):
    """The server's schema, made by the server in `folder` itself (its own way, whichever that
    is), and the invoices the known events pay, written through the reflected table."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "DATABASE_"))}
    env.update(DATABASE_URL=url, STRIPE_WEBHOOK_SECRET=SECRET)
    subprocess.run([sys.executable, "-c", "import server"], cwd=folder, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    engine = create_engine(url)
    invoices = Table("invoices", MetaData(), autoload_with=engine)
    rows = [
        {"id": f"in_bench_{i}", "status": "open", "status_rank": 1, "payment_rank": 0,
         "payment_at": 0, "customer": "cus_bench", "email": f"b{i}@example.com",
         "amount_due": 1000, "amount_paid": 0, "currency": "usd", "lines": [], "created": 1,
         "updated": 1, "recorded": i, "changed": i}
        for i in range(KNOWN)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(invoices.insert(), rows)
    engine.dispose()


def count_rows(url, sql="SELECT count(*) FROM events"):
    """What `sql` counts, once it holds still (requests in flight at a stop finish late)."""
    engine = create_engine(url)
    found = None
    try:
        while True:
            with engine.connect() as connection:
                now = connection.exec_driver_sql(sql).scalar()
            if now == found:
                return found
            found = now
            time.sleep(0.5)
    finally:
        engine.dispose()


class Emulator:
    """`python -m stripe_emulator` in its own process, answering at once."""

    def __init__(self, log=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log or os.devnull, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stripe_emulator", "--port", str(self.port), "--quiet"],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/v1/prices", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the emulator did not start")

    def invoices(self, count):
        """`count` sent invoices of one customer, as the API shows them (for event bodies)."""
        client = stripe.StripeClient("sk_test_emulator", base_addresses={"api": self.url})
        price = client.v1.prices.create(
            {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Bench"}}
        )
        customer = client.v1.customers.create({"email": "bench@example.com"})
        found = []
        for _ in range(count):
            invoice = client.v1.invoices.create(
                {"customer": customer.id, "collection_method": "send_invoice",
                 "days_until_due": 30, "pending_invoice_items_behavior": "exclude"}
            )  # fmt: skip
            client.v1.invoice_items.create(
                {"customer": customer.id, "invoice": invoice.id, "pricing": {"price": price.id}}
            )
            client.v1.invoices.send_invoice(invoice.id)
            found.append(
                requests.get(
                    f"{self.url}/v1/invoices/{invoice.id}",
                    headers={"Authorization": "Bearer sk_test_emulator"},
                    timeout=10,
                ).json()
            )
        return found

    def stop(self):
        """Stop the emulator."""
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
