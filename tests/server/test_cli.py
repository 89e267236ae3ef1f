"""cli.py: the recovery commands, events replay and sync."""

import json
import time

from tests.helpers import served

SECRET = "whsec_cli_secret_0123456789"


def test_replay_and_sync_commands(emulator, sqlite_url, client):
    with served(emulator, sqlite_url, STRIPE_WEBHOOK_SECRETS=[SECRET]) as api:
        live = api.live
        runner = live.app.test_cli_runner()
        sent = api.send().json()
        # A paid event stored but (say) applied by an older release: replay applies it.
        event = {
            "id": "evt_replay_1", "object": "event", "type": "invoice.paid",
            "created": int(time.time()), "data": {"object": {"id": sent["id"], "object": "invoice",
            "status": "paid", "amount_paid": 2000}},
        }  # fmt: skip
        payload = json.dumps(event).encode()
        with live.app.extensions["db"].begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO events (id, type, created, received, invoice_id, payload) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                ("evt_replay_1", "invoice.paid", event["created"], 0, sent["id"], payload.decode()),
            )
        assert api.invoice(sent["id"])["status"] == "open"
        first = runner.invoke(args=["events", "replay", "evt_replay_1"])
        assert first.exit_code == 0 and "applied" in first.output
        assert api.invoice(sent["id"])["status"] == "paid"
        second = runner.invoke(args=["events", "replay", "evt_replay_1"])
        assert second.exit_code == 0 and "unchanged" in second.output
        assert runner.invoke(args=["events", "replay", "evt_nope"]).exit_code != 0

        # Missed webhooks: Stripe voided one; sync brings the record up to date.
        other = api.send("sync@example.com").json()
        client.v1.invoices.void_invoice(other["id"])
        assert api.invoice(other["id"])["status"] == "open"
        synced = runner.invoke(args=["sync", "--all"])
        assert synced.exit_code == 0 and f"{other['id']}: void (updated)" in synced.output
        assert api.invoice(other["id"])["status"] == "void"
        again = runner.invoke(args=["sync", other["id"]])
        assert again.exit_code == 0 and "already current" in again.output
        assert runner.invoke(args=["sync"]).exit_code != 0
