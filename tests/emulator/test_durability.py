"""state.py's journal: every change the emulator answered is in its state file before the answer,
so that `kill -9` at any moment loses none of it, and saving costs per change, not per state."""

import json
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import stripe

from stripe_emulator import Emulator
from stripe_emulator.state import dump
from tests.helpers import Receiver, answering, sdk_client, wait_for
from tests.helpers.serving import free_port

THREADS = 4


def start(path, port):
    """`python -m stripe_emulator` on `port` with the state file `path`, once it answers."""
    command = [sys.executable, "-m", "stripe_emulator", "--port", str(port), "--quiet"]
    process = subprocess.Popen(
        [*command, "--state-file", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return answering(process, f"http://127.0.0.1:{port}/_emulator/info")


def kill_hard(process):
    """`kill -9`: no exit handler runs, nothing more is written."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def over_http(port):
    """The SDK over real HTTP, with no retries (a refused call just ends a worker's run)."""
    return stripe.StripeClient(
        "sk_test_durable",
        base_addresses={"api": f"http://127.0.0.1:{port}"},
        max_network_retries=0,
    )


class Load:
    """Threads making invoices until the emulator stops answering; what each call answered
    with a 2xx is noted."""

    def __init__(self, port, price):
        self.client = over_http(port)
        self.price = price
        self.lock = threading.Lock()
        self.customers, self.invoices, self.numbers, self.lines = [], [], {}, {}
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(THREADS)]

    def start(self):
        """Start the threads."""
        for thread in self.threads:
            thread.start()

    def join(self):
        """Wait for every thread to meet the stopped emulator."""
        for thread in self.threads:
            thread.join(timeout=60)

    def _run(self, worker):
        try:
            for i in range(100_000):
                self._one(f"{worker}-{i}")
        except (stripe.APIConnectionError, stripe.APIError):
            return  # killed

    def _one(self, name):
        client = self.client.v1
        customer = client.customers.create({"email": f"{name}@example.com"})
        self._note(self.customers, customer.id)
        for _ in range(2):  # two invoices per customer: numbers from its sequence
            invoice = client.invoices.create(
                {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 9}
            )
            self._note(self.invoices, invoice.id)
            line = {"pricing": {"price": self.price}, "quantity": 1}
            client.invoices.add_lines(invoice.id, {"lines": [line]})
            with self.lock:
                self.lines[invoice.id] = 1
            final = client.invoices.finalize_invoice(invoice.id)
            with self.lock:
                self.numbers[invoice.id] = final.number

    def _note(self, found, object_id):
        with self.lock:
            found.append(object_id)


def test_kill_9_under_load_loses_nothing_answered_and_reuses_no_number(tmp_path):
    path, port = tmp_path / "state.json", free_port()
    process = start(path, port)
    price = over_http(port).v1.prices.create(
        {"currency": "usd", "unit_amount": 700, "product_data": {"name": "Durable"}}
    )
    load = Load(port, price.id)
    load.start()
    wait_for(lambda: len(load.numbers) >= 20, timeout=60)
    time.sleep(random.uniform(0, 1))  # a random moment, in the middle of calls
    kill_hard(process)
    load.join()

    again = start(path, free_port())
    try:
        client = over_http(_port(again)).v1
        for customer_id in load.customers:
            assert client.customers.retrieve(customer_id).email.endswith("@example.com")
        for invoice_id in load.invoices:
            invoice = client.invoices.retrieve(invoice_id)
            assert len(invoice.lines.data) >= load.lines.get(invoice_id, 0)
            if invoice_id in load.numbers:
                assert (invoice.status, invoice.number) == ("open", load.numbers[invoice_id])
        # Each customer's sequence goes on after the numbers it gave: none is given twice.
        given = set(load.numbers.values())
        for customer_id in load.customers[-2 * THREADS :]:
            draft = client.invoices.create(
                {"customer": customer_id, "collection_method": "send_invoice", "days_until_due": 9}
            )
            number = client.invoices.finalize_invoice(draft.id).number
            assert number not in given
            given.add(number)
    finally:
        again.terminate()
        again.wait(timeout=10)


def _port(process):
    return int(process.args[process.args.index("--port") + 1])


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path):
    path = tmp_path / "state.json"
    process = start(path, free_port())
    client = over_http(_port(process)).v1
    kept = client.customers.create({"email": "kept@example.com"})
    cut = client.customers.create({"email": "cut@example.com"})
    kill_hard(process)
    data = path.read_bytes()
    last = data.rstrip(b"\n").rsplit(b"\n", 1)[1]
    assert cut.id.encode() in last and kept.id.encode() not in last
    path.write_bytes(data[: len(data) - len(last) // 2])  # the crash came mid-write

    again = start(path, free_port())
    try:
        client = over_http(_port(again)).v1
        assert client.customers.retrieve(kept.id).email == "kept@example.com"
        assert [c.id for c in client.customers.list().data] == [kept.id]
        later = client.customers.create({"email": "later@example.com"})
    finally:
        kill_hard(again)
    third = start(path, free_port())
    try:  # the cut line is gone for good: what came after it is read too
        listed = over_http(_port(third)).v1.customers.list().data
        assert [c.id for c in listed] == [later.id, kept.id]
    finally:
        third.terminate()
        third.wait(timeout=10)


def test_each_change_appends_one_line_of_its_own_size(tmp_path):
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path))
    try:
        client = sdk_client(emulator)
        price = client.v1.prices.create(
            {"currency": "usd", "unit_amount": 700, "product_data": {"name": "Big"}}
        )
        line = {"pricing": {"price": price.id}, "quantity": 1}
        for i in range(100):
            customer = client.v1.customers.create({"email": f"big{i}@example.com"})
            invoice = client.v1.invoices.create({"customer": customer.id})
            client.v1.invoices.add_lines(invoice.id, {"lines": [line] * 5})
        emulator.journal.compact()
        before = path.read_bytes()
        client.v1.customers.update(customer.id, {"name": "Jo"})
        after = path.read_bytes()
    finally:
        emulator.close()
    assert after.startswith(before)  # appended, the rest of the file untouched
    added = after[len(before) :]
    assert added.count(b"\n") == 1 and added.endswith(b"\n")
    assert customer.id.encode() in added and len(added) < len(before) / 50


def test_the_file_replays_to_the_state_in_memory(tmp_path):
    path, copy = tmp_path / "state.json", tmp_path / "copy.json"
    receiver = Receiver()
    emulator = Emulator(state_file=str(path), processing_seconds=0.05, webhook_first_retry=0.05)
    try:
        _every_kind_of_change(emulator, receiver)
        assert emulator.deliverer.wait_idle()
        with emulator.store.lock:
            live = _state(emulator)
            shutil.copy(path, copy)
        assert path.read_bytes().count(b"\n") > 20  # a snapshot and lines, not a rewrite
        replayed = Emulator(state_file=str(copy))
        try:
            assert _state(replayed) == live
            assert _listed(replayed) == _listed(emulator)  # the indexes are rebuilt too
        finally:
            replayed.close()
    finally:
        emulator.close()
        receiver.close()


def _state(emulator):
    """The state as the state file holds it; lists of a type that has none left out."""
    state = json.loads(dump(emulator))
    state["by_type"] = {kind: ids for kind, ids in state["by_type"].items() if ids}
    return state


def _listed(emulator):
    """The ids the lists narrowed by an index answer."""
    client = sdk_client(emulator)
    jo = client.v1.customers.list({"email": "jo@example.com"}).data[0].id
    calls = [
        ("/v1/invoices", {"customer": jo}),
        ("/v1/customers", {"email": "al@example.com"}),
        ("/v1/events", {"types": ["invoice.paid", "customer.updated"]}),
        ("/v1/events", {"type": "charge.*"}),
        ("/v1/invoiceitems", {"customer": jo, "pending": True}),
        ("/v1/charges", {"customer": jo}),
        ("/v1/customers/search", {"query": "email:'jo@example.com'"}),
    ]
    return [
        [o["id"] for o in client.raw_request("get", path, limit=100, **params).data["data"]]
        for path, params in calls
    ]


def _every_kind_of_change(emulator, receiver):
    client = sdk_client(emulator).v1
    endpoint = client.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
    gone = client.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
    client.webhook_endpoints.delete(gone.id)
    price = client.prices.create(
        {"currency": "usd", "unit_amount": 900, "lookup_key": "std", "product_data": {"name": "A"}}
    )
    client.prices.create(
        {
            "currency": "usd",
            "unit_amount": 990,
            "lookup_key": "std",
            "transfer_lookup_key": True,
            "product": price.product,
        }
    )
    jo = client.customers.create({"email": "jo@example.com", "name": "Jo"})
    client.customers.update(jo.id, {"metadata": {"a": "1"}})
    client.invoice_items.create({"customer": jo.id, "pricing": {"price": price.id}})
    first = client.invoices.create(
        {
            "customer": jo.id,
            "collection_method": "send_invoice",
            "days_until_due": 5,
            "pending_invoice_items_behavior": "include",
        },
        {"idempotency_key": "first"},
    )
    client.invoices.add_lines(first.id, {"lines": [{"pricing": {"price": price.id}}]})
    client.invoices.update(first.id, {"description": "Two lines"})
    client.invoices.send_invoice(first.id)
    client.invoices.send_invoice(first.id)
    emulator.simulate_payment(first.id, "fail")
    emulator.simulate_payment(first.id, "delayed")
    wait_for(lambda: client.invoices.retrieve(first.id).status == "paid")
    for outcome in ("void", "uncollectible", "declined", "delete"):
        _one_more(client, jo.id, price.id, outcome)
    al = client.customers.create({"email": "al@example.com"})
    client.customers.delete(al.id)
    emulator.port = 4321
    assert endpoint.id


def _one_more(client, customer, price, outcome):
    invoice = client.invoices.create({"customer": customer, "collection_method": "send_invoice",
                                      "days_until_due": 1})  # fmt: skip
    client.invoices.add_lines(invoice.id, {"lines": [{"pricing": {"price": price}}]})
    if outcome == "delete":
        client.invoices.delete(invoice.id)
        return
    client.invoices.finalize_invoice(invoice.id)
    if outcome == "void":
        client.invoices.void_invoice(invoice.id)
    elif outcome == "uncollectible":
        client.invoices.mark_uncollectible(invoice.id)
    else:
        try:
            client.invoices.pay(invoice.id, {"payment_method": "pm_card_chargeDeclined"})
        except stripe.CardError:
            pass


def test_a_format_1_file_still_loads_and_then_keeps_every_change(tmp_path):
    path = tmp_path / "state.json"
    customer = {"id": "cus_old", "object": "customer", "email": "old@example.com"}
    old = {"format": 1, "port": 5555, "objects": {"cus_old": customer},
           "by_type": {"customer": ["cus_old"]}, "idempotent": {}}  # fmt: skip
    path.write_text(json.dumps(old))  # as format 1 wrote it: one line, no newline at the end
    emulator = Emulator(state_file=str(path))
    try:
        assert emulator.port == 5555
        assert emulator.store.objects["cus_old"]["email"] == "old@example.com"
        assert json.loads(path.read_text())["format"] == 3
        made = sdk_client(emulator).v1.customers.create({"email": "new@example.com"})
        assert made.id.encode() in path.read_bytes().split(b"\n")[1]
    finally:
        shutil.copy(path, tmp_path / "copy.json")  # as at a kill -9: no last compaction
        emulator.close()
    again = Emulator(state_file=str(tmp_path / "copy.json"))
    try:
        assert set(again.store.by_type["customer"]) == {"cus_old", made.id}
    finally:
        again.close()


def test_the_journal_is_compacted_when_it_outgrows_the_snapshot(tmp_path):
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path))
    emulator.journal.least = 0
    try:
        client = sdk_client(emulator).v1
        customer = client.customers.create({"email": "often@example.com"})
        for i in range(200):
            client.customers.update(customer.id, {"name": f"Name {i}"})
        lines = path.read_bytes().split(b"\n")
        first = len(lines[0])
        # Never more than the snapshot twice over in changes (and a line or so).
        assert sum(len(line) + 1 for line in lines[1:]) <= 2 * first + 2 * len(lines[-2])
    finally:
        shutil.copy(path, tmp_path / "copy.json")
        emulator.close()
    again = Emulator(state_file=str(tmp_path / "copy.json"))
    try:
        assert again.store.objects[customer.id]["name"] == "Name 199"
    finally:
        again.close()


def test_a_format_2_file_still_loads(tmp_path):
    path = tmp_path / "state.json"
    event = {"id": "evt_old", "object": "event", "api_version": "2026-10-28.endive",
             "created": int(time.time()), "data": None, "livemode": False, "pending_webhooks": 0,
             "request": {"id": None, "idempotency_key": None}, "type": "customer.created",
             "_data": json.dumps({"object": {"id": "cus_old", "object": "customer"}})}  # fmt: skip
    customer = {"id": "cus_old", "object": "customer", "email": "old@example.com", "created": 1}
    answer = json.dumps({"id": "cus_old", "object": "customer"})
    snapshot = {"format": 2, "port": None, "objects": {"cus_old": customer, "evt_old": event},
                "by_type": {"customer": ["cus_old"], "event": ["evt_old"]},
                "idempotent": {"k": [["POST", "/v1/customers", "{}"], 200, answer]}}  # fmt: skip
    data = {"object": {"id": "cus_old"}, "previous_attributes": {"name": None}}
    update = {**event, "id": "evt_upd", "type": "customer.updated", "_data": data}
    line = {"objects": {"evt_upd": update}, "new": ["evt_upd"], "removed": []}
    path.write_text(json.dumps(snapshot) + "\n" + json.dumps(line) + "\n")
    emulator = Emulator(state_file=str(path))
    try:
        client = sdk_client(emulator)
        listed = client.v1.events.list().data
        assert [e.type for e in listed] == ["customer.updated", "customer.created"]
        assert listed[0].data.previous_attributes.to_dict() == {"name": None}
        assert listed[1].data.object.id == "cus_old"
        again = client.v1.customers.create({}, {"idempotency_key": "k"})
        assert again.id == "cus_old"  # the saved answer, kept 24 hours from the load
        assert json.loads(path.read_text().split("\n")[0])["format"] == 3
    finally:
        emulator.close()
