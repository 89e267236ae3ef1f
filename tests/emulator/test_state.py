"""state.py: the emulator's state file, and what a restarted emulator still knows."""

import json
import os
import subprocess
import sys

import pytest

from stripe_emulator import Emulator, StateFileError, serve
from tests.helpers import sdk_client, wait_for


def send_invoice(client):
    customer = client.v1.customers.create({"email": "kept@example.com"})
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1500, "product_data": {"name": "Kept"}}
    )
    invoice = client.v1.invoices.create(
        {"customer": customer.id, "collection_method": "send_invoice", "days_until_due": 7},
        {"idempotency_key": "create-kept"},
    )
    client.v1.invoices.add_lines(
        invoice.id, {"lines": [{"pricing": {"price": price.id}, "quantity": 2}]}
    )
    return client.v1.invoices.send_invoice(invoice.id)


def test_a_restarted_emulator_knows_what_the_last_one_made(tmp_path):
    path = tmp_path / "state.json"
    first = Emulator(state_file=str(path))
    sent = send_invoice(sdk_client(first))
    events = [e.id for e in sdk_client(first).v1.events.list({"limit": 100}).data]
    first.close()

    second = Emulator(state_file=str(path))
    client = sdk_client(second)
    try:
        kept = client.v1.invoices.retrieve(sent.id)
        assert kept.status == "open" and kept.number == sent.number and kept.total == 3000
        assert [line.quantity for line in kept.lines.data] == [2]
        assert [e.id for e in client.v1.events.list({"limit": 100}).data] == events
        # A retried request with a key from the last run gets the saved answer.
        again = client.v1.invoices.create(
            {"customer": kept.customer, "collection_method": "send_invoice", "days_until_due": 7},
            {"idempotency_key": "create-kept"},
        )
        assert again.id == sent.id
        assert client.v1.invoices.pay(sent.id, {"paid_out_of_band": True}).status == "paid"
        newer = client.v1.customers.create({"email": "new@example.com"})
        listed = client.v1.customers.list().data
        assert [c.id for c in listed] == [newer.id, kept.customer]
    finally:
        second.close()


def test_changes_reach_the_file_without_a_close(tmp_path):
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path))
    try:
        customer = sdk_client(emulator).v1.customers.create({"email": "soon@example.com"})
        wait_for(lambda: path.exists() and customer.id in path.read_text(), timeout=5)
        assert not (tmp_path / "state.json.partial").exists()
    finally:
        emulator.close()


def test_a_delayed_payment_still_processing_finishes_after_a_restart(tmp_path):
    path = tmp_path / "state.json"
    first = Emulator(state_file=str(path), processing_seconds=60)
    sent = send_invoice(sdk_client(first))
    first.simulate_payment(sent.id, "delayed")
    first.close()  # long before the 60 s are up

    second = Emulator(state_file=str(path), processing_seconds=0.1)
    try:
        client = sdk_client(second)
        wait_for(lambda: client.v1.invoices.retrieve(sent.id).status == "paid", timeout=5)
        paid = [e.type for e in client.v1.events.list({"type": "invoice.paid"}).data]
        assert paid == ["invoice.paid"]
    finally:
        second.close()


def test_the_port_is_kept_for_the_next_run(tmp_path):
    path = tmp_path / "state.json"
    server = serve(Emulator(state_file=str(path)))
    port = server.port
    server.stop()
    again = Emulator(state_file=str(path))
    assert again.port == port
    again.close()
    fresh = Emulator(state_file=str(tmp_path / "new.json"))
    assert fresh.port is None
    fresh.close()


@pytest.mark.parametrize("content", ["not json", "[]", '{"format": 99}', '{"format": 1}'])
def test_an_unreadable_file_is_refused(tmp_path, content):
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateFileError):
        Emulator(state_file=str(path))
    result = subprocess.run(
        [sys.executable, "-m", "stripe_emulator", "--port", "0", "--state-file", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and f"{path}: " in result.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_process_never_writes_its_stale_copy(tmp_path):
    # gunicorn forks its workers after the emulator starts in the master.
    path = tmp_path / "state.json"
    emulator = Emulator(state_file=str(path))
    sdk_client(emulator).v1.customers.create({"email": "master@example.com"})
    emulator.close()
    before = path.read_text()
    emulator = Emulator(state_file=str(path))
    pid = os.fork()
    if pid == 0:  # the child: change its copy, then exit as a worker does
        emulator.store.objects["cus_fromthechild"] = {"id": "cus_fromthechild"}
        emulator.close()
        os._exit(0)
    os.waitpid(pid, 0)
    assert path.read_text() == before
    emulator.close()
    assert "cus_fromthechild" not in json.loads(path.read_text())["objects"]


def test_a_failed_write_is_logged_and_the_emulator_goes_on(tmp_path, caplog):
    folder = tmp_path / "gone"
    emulator = Emulator(state_file=str(folder / "state.json"))
    folder.write_text("a file where the state's folder should be")
    try:
        client = sdk_client(emulator)
        customer = client.v1.customers.create({"email": "on@example.com"})
        wait_for(lambda: "could not write the emulator's state" in caplog.text, timeout=5)
        assert client.v1.customers.retrieve(customer.id).email == "on@example.com"
    finally:
        emulator.close()
